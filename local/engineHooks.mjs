// Node module hook, registered by local/main.ts before convex-test loads.
//
// convex-test keeps its database, transaction manager and scheduler in a
// module-private object reached through `getConvexGlobal()`. A long-running
// server needs that object (to snapshot documents with their ids, restore
// them, and hear about commits), so this hook re-exports the accessor from
// the package source, and adds one gate at the start of its scheduled-function
// runner so a planned stop can hold back jobs that fall due meanwhile. If a
// convex-test upgrade renames either, the start fails with a message saying so.
const ENGINE_ENTRY = "/node_modules/convex-test/dist/index.js";

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.endsWith(ENGINE_ENTRY) || result.source == null) return result;
  const source = Buffer.from(result.source).toString("utf8");
  // A planned stop must not start scheduled functions that fell due during
  // it: they stay pending in the data and run after the restart.
  const start = "async function runScheduledFunction({ db, jobId, componentPath, functionPath, args, name, }) {";
  if (!source.includes(start)) {
    throw new Error(
      "local/engineHooks.mjs: convex-test's runScheduledFunction changed shape; update the stop gate.",
    );
  }
  const gated = source.replace(
    start,
    `${start}\n    if (__scheduledFunctionGate && !__scheduledFunctionGate(jobId)) return;`,
  );
  return {
    ...result,
    source:
      `${gated}\nexport { getConvexGlobal as __getConvexGlobal };\n` +
      `let __scheduledFunctionGate = null;\n` +
      `export function __setScheduledFunctionGate(gate) { __scheduledFunctionGate = gate; }\n`,
  };
}
