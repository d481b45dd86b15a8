// Lint like the Convex maintainers: typescript-eslint with type information,
// the Convex plugin's recommended rules on convex/, and no floating promises.
// The layering (ARCHITECTURE.md "Layers") is enforced here too: no import
// cycles anywhere, the model layer imports no feature module, and lib's
// pure rules import no I/O module. tests/lint/layers.test.ts proves the
// cycle rule fails on a planted cycle.
import tseslint from "typescript-eslint";
import convexPlugin from "@convex-dev/eslint-plugin";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import globals from "globals";

/**
 * lib/ modules that do I/O (platform HTTP clients, Next.js glue, the
 * environment). Everything else in lib/ is a pure rule: no ctx, no network,
 * no clock of its own (time is passed in), unit-tested directly.
 */
export const LIB_IO_MODULES = [
  "lib/channels/http.ts", // fetch with retries, the clock for Retry-After
  "lib/channels/telegram.ts", // normalizer + Bot API client
  "lib/channels/meta.ts", // normalizer + Graph API client
  "lib/channels/whatsapp.ts", // normalizer + Cloud API client
  "lib/channels/accounts.ts", // reads the per-account token variables
  "lib/meetings/http.ts", // OAuth token fetch
  "lib/meetings/zoom.ts",
  "lib/meetings/googleCalendar.ts",
  "lib/meetings/config.ts", // reads the environment it is handed
  "lib/webhooks/ingest.ts", // Next.js route glue: fetchMutation into Convex
  "lib/webhooks/handler.ts", // reads the clock and the request
  "lib/webhooks/respond.ts",
  "lib/webhooks/channels.ts",
  "lib/api/handler.ts", // the HTTP API's route glue: reads the environment, calls Convex
];

/** Feature and service modules of convex/: the model layer must not import them. */
const CONVEX_ABOVE_MODEL = [
  "convex/!(validators|schema).ts",
  "convex/agent/**",
  "convex/batching/**",
  "convex/channels/!(adapter).ts",
];

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-start/**",
      ".next-deploy-check/**",
      ".local-data/**",
      "**/convex/_generated/**",
      "next-env.d.ts",
      "**/*.js",
      "**/*.cjs",
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
    files: ["**/*.ts", "**/*.tsx", "**/*.mts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Scripts and config in plain ESM: linted without type information.
    files: ["**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.node } },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // No import cycles (value imports; `import type` is erased and cannot
    // cycle at run time). Resolved like TypeScript does, including "@/".
    files: ["convex/**/*.ts", "lib/**/*.ts", "app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "local/**/*.{ts,mts,mjs}"],
    plugins: { "import-x": importX },
    settings: {
      // Which files import-x reads to follow imports (its default is .js only).
      "import-x/extensions": importX.flatConfigs.typescript.settings["import-x/extensions"],
      "import-x/parsers": importX.flatConfigs.typescript.settings["import-x/parsers"],
      "import-x/resolver-next": [
        createNodeResolver({
          extensions: [".ts", ".tsx", ".mts", ".mjs", ".js", ".d.ts", ".json"],
          tsconfig: { configFile: `${import.meta.dirname}/tsconfig.json` },
        }),
      ],
    },
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    files: ["convex/model/**/*.ts"],
    plugins: { "import-x": importX },
    rules: {
      // The model layer sits under every feature: it calls nothing above it
      // (functions above it are reached through `internal.*` references).
      "import-x/no-restricted-paths": [
        "error",
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: "convex/model",
              from: CONVEX_ABOVE_MODEL,
              message: "convex/model/ is the bottom layer: move the shared piece down, or call it through internal.*",
            },
          ],
        },
      ],
    },
  },
  {
    // One owner per table: only convex/model/ writes the database. (Convex
    // Auth's own tables are written by the library, in convex/auth*.ts.)
    files: ["convex/**/*.ts"],
    ignores: ["convex/model/**", "convex/_generated/**", "convex/auth*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(insert|patch|replace|delete)$/][callee.object.type='MemberExpression'][callee.object.property.name='db']",
          message: "Tables are written only by their owner in convex/model/ (ARCHITECTURE.md, Layers): call its helper, or add one there",
        },
      ],
    },
  },
  {
    files: ["lib/**/*.ts"],
    ignores: LIB_IO_MODULES,
    plugins: { "import-x": importX },
    rules: {
      // Pure rules stay pure: the I/O modules are listed above.
      "import-x/no-restricted-paths": [
        "error",
        {
          basePath: import.meta.dirname,
          zones: [
            {
              target: "lib",
              from: LIB_IO_MODULES,
              message: "A pure lib/ module must not import an I/O module (see LIB_IO_MODULES in eslint.config.mjs)",
            },
          ],
        },
      ],
      "no-restricted-globals": ["error", { name: "fetch", message: "Pure lib/ modules do no I/O; take an HttpDeps or move this to an I/O module" }],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Pure lib/ modules take the time as an argument" },
        { object: "process", property: "env", message: "Pure lib/ modules are handed their configuration" },
      ],
    },
  },
);
