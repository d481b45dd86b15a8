// Loads a Convex functions directory the way a push would: every module,
// eagerly, so a broken file fails the start instead of the first request.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** A loaded module's exports, keyed by export name. */
export type ModuleExports = Record<string, unknown>;

export type ConvexModules = {
  /** Module path without extension ("notes", "agent/respond") → exports. */
  byPath: Map<string, ModuleExports>;
  /** The shape convex-test expects, as `import.meta.glob("./**\/*.*s")` gives. */
  glob: Record<string, () => Promise<ModuleExports>>;
};

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
// The Convex CLI does not bundle type declarations or tests either.
const SKIPPED_FILE = /(\.d\.ts$)|(\.(test|spec)\.[^.]+$)|(^\.)/;

export async function loadConvexModules(
  convexDir: string,
): Promise<ConvexModules> {
  const root = path.resolve(convexDir);
  const files = await listSourceFiles(root);
  if (
    !files.some((file) =>
      file.startsWith(path.join(root, "_generated") + path.sep),
    )
  ) {
    throw new Error(
      `${path.join(root, "_generated")} is missing: run \`npx convex codegen --system-udfs --typecheck disable\`.`,
    );
  }
  const byPath = new Map<string, ModuleExports>();
  const glob: ConvexModules["glob"] = {};
  for (const file of files) {
    const url = pathToFileURL(file).href;
    let exports: ModuleExports;
    try {
      exports = (await import(url)) as ModuleExports;
    } catch (error) {
      throw new Error(
        `Could not load ${path.relative(process.cwd(), file)}: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    const modulePath = path
      .relative(root, file)
      .replace(SOURCE_FILE, "")
      .split(path.sep)
      .join("/");
    byPath.set(modulePath, exports);
    // Absolute keys: convex-test strips everything up to "_generated" as the root.
    glob[file] = () => Promise.resolve(exports);
  }
  return { byPath, glob };
}

async function listSourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        files.push(...(await listSourceFiles(full)));
      }
    } else if (SOURCE_FILE.test(entry.name) && !SKIPPED_FILE.test(entry.name)) {
      files.push(full);
    }
  }
  return files;
}
