// Node module hook, registered by local/main.ts before convex-test loads.
//
// convex-test keeps its database, transaction manager and scheduler in a
// module-private object reached through `getConvexGlobal()`. A long-running
// server needs that object (to snapshot documents with their ids, restore
// them, and hear about commits), so this hook re-exports the accessor from
// the unmodified package source. If a convex-test upgrade renames it,
// local/engine.ts fails at start with a message saying so.
const ENGINE_ENTRY = "/node_modules/convex-test/dist/index.js";

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.endsWith(ENGINE_ENTRY) || result.source == null) return result;
  const source = Buffer.from(result.source).toString("utf8");
  return {
    ...result,
    source: `${source}\nexport { getConvexGlobal as __getConvexGlobal };\n`,
  };
}
