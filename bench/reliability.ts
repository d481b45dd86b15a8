/**
 * The reliability suites at the sizes the issue names: 1,000 Telegram
 * updates delivered twice, 200 bursts under 30 % model failures, 50
 * replies through a platform outage, a 1,000-event Meta POST from 200
 * customers, 2,000 generated payloads per channel. CI runs the same files
 * smaller (`npm run test:reliability`).
 *
 *   npm run bench:reliability
 */
import { spawnSync } from "node:child_process";

const started = Date.now();
const result = spawnSync("npx", ["vitest", "run", "--config", "vitest.reliability.config.ts"], {
  stdio: "inherit",
  env: { ...process.env, RELIABILITY_SCALE: "full" },
});
console.log(`\nreliability suites at full size: ${result.status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(result.status ?? 1);
