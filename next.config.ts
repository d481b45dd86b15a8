import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { NextConfig } from "next";

// `npm run dev` gives each side-by-side instance (another PORT) its own build
// folder, since two `next dev` refuse to share one; `npm start` points it at
// its cached production build (.next-start/<source hash>).
const distDir = process.env.NEXT_DIST_DIR || ".next";

/**
 * Next writes its build folder's type paths into the tsconfig it is given.
 * A side-by-side instance gets a throwaway tsconfig (in the tool cache, not
 * in its build folder, which `next dev` empties on start), so the committed
 * tsconfig.json does not change with every port.
 */
function tsconfigFor(dir: string): string {
  if (dir === ".next") return "tsconfig.json";
  const cache = path.join("node_modules", ".cache", "next-tsconfig");
  mkdirSync(cache, { recursive: true });
  const file = path.join(cache, `${dir.replace(/[^\w-]+/g, "_")}.json`);
  writeFileSync(file, JSON.stringify({ extends: path.relative(cache, "tsconfig.json") }, null, 2));
  return file;
}

const config: NextConfig = {
  distDir,
  typescript: {
    tsconfigPath: tsconfigFor(distDir),
    // `npm start` builds for itself and must not refuse to start over a type
    // error in a test file; `npm run typecheck` (and CI) check types.
    ignoreBuildErrors: process.env.NEXT_SKIP_TYPECHECK === "1",
  },
  // Webhook routes read raw bytes for signatures; nothing here needs remote images or fonts.
  poweredByHeader: false,
  // The operator dashboard is the product's UI, also under `npm run dev`.
  devIndicators: false,
  // next dev serves its scripts only to the origins it knows; the dashboard is
  // opened as localhost or 127.0.0.1 alike.
  allowedDevOrigins: ["127.0.0.1"],
};

export default config;
