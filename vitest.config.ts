import { defineConfig } from "vitest/config";

// Unit, convex-test and route-handler suites. Browser tests live in
// vitest.e2e.config.ts so `npm test` needs no Chromium.
export default defineConfig({
  resolve: { alias: { "@": new URL("./", import.meta.url).pathname } },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    // Reliability suites run on their own: `npm run test:reliability` (vitest.reliability.config.ts).
    exclude: ["tests/e2e/**", "tests/reliability/**", "tests/local/wal.test.ts", "tests/local/archive-10k.test.ts", "node_modules/**"],
    server: { deps: { inline: ["convex-test"] } },
    testTimeout: 20_000,
  },
});
