/**
 * Once before the browser tests: the production build `npm start` serves,
 * made here (or found cached by its source hash) so no test file's start-up
 * pays for it. Its progress goes to this terminal.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export default async function setup() {
  const child = spawn(process.execPath, ["local/start.mjs", "--build"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`the production build failed (exit ${code}); its output is above`);
}
