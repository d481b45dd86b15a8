import { defineConfig } from "vitest/config";

// Load, fault and fuzz suites (tests/reliability), set up as vitest.config.ts.
// CI runs them at the CI size through `npm run test:reliability`;
// `npm run bench:reliability` runs the full sizes the issue names
// (RELIABILITY_SCALE=full).
export default defineConfig({
  resolve: { alias: { "@": new URL("./", import.meta.url).pathname } },
  test: {
    environment: "node",
    // The local runtime's fault suite and the 10,000-message archive round trip live beside its harness in tests/local.
    include: ["tests/reliability/**/*.test.ts", "tests/local/wal.test.ts", "tests/local/archive-10k.test.ts"],
    exclude: ["node_modules/**"],
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 120_000,
    // One suite at a time: each already keeps both cores busy.
    fileParallelism: false,
  },
});
