import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// Load, fault and fuzz suites (tests/reliability). CI runs them at the CI
// size through `npm run test:reliability`; `npm run bench:reliability`
// runs the full sizes the issue names (RELIABILITY_SCALE=full).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["tests/reliability/**/*.test.ts"],
    exclude: ["node_modules/**"],
    testTimeout: 120_000,
    // One suite at a time: each already keeps both cores busy.
    fileParallelism: false,
  },
});
