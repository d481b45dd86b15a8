import { defineConfig } from "vitest/config";

// Browser tests: start the product as the README does and drive Debian's
// Chromium with playwright-core. Run with `npm run test:e2e`.
export default defineConfig({
  test: {
    environment: "node",
    include: ["tests/e2e/**/*.test.ts"],
    // `npm start` serves a production build: made (or found cached) once, first.
    globalSetup: ["tests/e2e/globalSetup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
