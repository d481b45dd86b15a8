// Lint like the Convex maintainers: typescript-eslint with type information,
// the Convex plugin's recommended rules on convex/, and no floating promises.
import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-deploy-check/**",
      ".local-data/**",
      "**/convex/_generated/**",
      "next-env.d.ts",
      "**/*.mjs",
      "**/*.js",
    ],
  },
  ...tseslint.configs.recommended,
  ...convexPlugin.configs.recommended,
  {
    files: ["convex/**/*.ts"],
    rules: {
      // Declaring env in convex/convex.config.ts puts codegen on the components
      // path, which needs a live deployment; this project must codegen offline.
      // process.env is the documented alternative and works in all runtimes.
      "@convex-dev/no-process-env": "off",
    },
  },
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);
