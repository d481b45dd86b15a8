// Node module hook, registered by local/main.ts before convex-test loads.
//
// convex-test keeps its database, transaction manager and scheduler in a
// module-private object reached through `getConvexGlobal()`. A long-running
// server needs that object (to snapshot documents with their ids, restore
// them, and hear about commits), so this hook re-exports the accessor from
// the package source and applies the few source patches below, each a
// literal find-and-replace. If a convex-test upgrade changes any of them,
// the start fails with a message naming the patch.
const ENGINE_ENTRY = "/node_modules/convex-test/dist/index.js";

const PATCHES = [
  {
    // A planned stop must not start scheduled functions that fell due during
    // it: they stay pending in the data and run after the restart.
    name: "the scheduler's stop gate (runScheduledFunction)",
    find: "async function runScheduledFunction({ db, jobId, componentPath, functionPath, args, name, }) {",
    replace: (found) => `${found}\n    if (__scheduledFunctionGate && !__scheduledFunctionGate(jobId)) return;`,
  },
  {
    // storage.store/delete from an action write `_storage` through
    // writeToDatabase, which asked the transaction manager's global flag
    // whether the *caller* is in a transaction. While any other function's
    // transaction was open the answer was yes, so the action wrote into that
    // transaction (lost if it rolled back) or, after it committed during the
    // blob's hashing, threw "Write outside of transaction". Whether the caller
    // itself runs inside a query or mutation is what convex-test's own
    // per-call context (nestedTxStorage, set around every query and mutation
    // invocation) says; an action then opens its own transaction, waiting
    // its turn like any mutation.
    name: "the storage transaction fix (writeToDatabase)",
    requires: "const nestedTxStorage = new AsyncLocalStorage();",
    find: "    if (!getTransactionManager().isInTransaction()) {\n        return await withAuth().run(",
    replace: () => "    if ((nestedTxStorage.getStore() ?? null) === null) {\n        return await withAuth().run(",
  },
  {
    // Transactions run one at a time. convex-test's lock makes every waiter
    // await the running transaction's promise, so each release wakes all of
    // them and all but one go back to sleep: with n transactions queued
    // (a busy minute: webhooks, scheduled jobs, queries) a release costs n
    // wake-ups and the queue's CPU grows with its square, which is how a
    // runtime near saturation tipped into seconds-long acks. Here waiters
    // queue in arrival order and each release wakes exactly the next one.
    // One that finds the lock taken again (a caller that arrived between the
    // release and its wake-up) keeps its place at the head.
    name: "the transaction lock's wait queue (TransactionManager.begin)",
    find: "            while (this._waitOnCurrentFunction !== null) {\n                await this._waitOnCurrentFunction;\n            }",
    replace: () =>
      "            for (let head = false; this._waitOnCurrentFunction !== null; head = true) {\n" +
      "                await new Promise((wake) => (head ? __lockWaiters.unshift(wake) : __lockWaiters.push(wake)));\n" +
      "            }",
  },
  {
    name: "the transaction lock's release (TransactionManager._endTransaction)",
    find: "            this._markTransactionDone();\n            this._markTransactionDone = null;\n",
    replace: (found) => `${found}            __lockWaiters.shift()?.();\n`,
  },
  {
    // A union tries its members in turn and convex-test learns that one does
    // not match from the Error it throws (message formatted, stack captured):
    // most writes validate a conversation's state or a message's union, so
    // the throws cost 3-4 % of the runtime's CPU at 50 messages/s. Members
    // that certainly do not match (another type, another literal, an object
    // whose literal field differs) are skipped first; the check is exact,
    // so which values pass and every error message stay as they were.
    name: "the union validator's member pre-check (validateValidator)",
    find: "            for (const v of validator.value) {\n                try {\n                    validateValidator(v, value);",
    replace: () =>
      "            for (const v of validator.value) {\n" +
      "                if (__cannotMatch(v, value)) continue;\n" +
      "                try {\n" +
      "                    validateValidator(v, value);",
  },
  {
    // Every call re-serialised and parsed the function's argument and return
    // validators; they are fixed per function, so they are parsed once.
    name: "the function's validators, parsed once (resolveFunction)",
    find: "    const args = JSON.parse(func.exportArgs());",
    replace: () => "    const { args, returns } = __validatorsOf(func);",
  },
  {
    name: "the function's validators, parsed once (resolveFunction's return)",
    find: "    const returns = JSON.parse(func.exportReturns());\n    return { func, functionPath, handler, returns, args };",
    replace: () => "    return { func, functionPath, handler, returns, args };",
  },
];

// Appended to the patched module; the patches above call these.
const HELPERS = `
const __typeofByValidator = { number: "number", bigint: "bigint", boolean: "boolean", string: "string", id: "string" };
function __cannotMatch(validator, value) {
    switch (validator.type) {
        case "null": return value !== null;
        case "literal": return value !== validator.value;
        case "array": return !Array.isArray(value);
        case "object": {
            if (value === null || typeof value !== "object") return true;
            for (const [k, { fieldType, optional }] of Object.entries(validator.value)) {
                if (fieldType.type !== "literal") continue;
                if (value[k] === undefined ? !optional : value[k] !== fieldType.value) return true;
            }
            return false;
        }
        default: {
            const expected = __typeofByValidator[validator.type];
            return expected !== undefined && typeof value !== expected;
        }
    }
}
const __validators = new WeakMap();
function __validatorsOf(func) {
    let parsed = __validators.get(func);
    if (parsed === undefined) {
        parsed = { args: JSON.parse(func.exportArgs()), returns: JSON.parse(func.exportReturns()) };
        __validators.set(func, parsed);
    }
    return parsed;
}
`;

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.endsWith(ENGINE_ENTRY) || result.source == null) return result;
  let source = Buffer.from(result.source).toString("utf8");
  for (const patch of PATCHES) {
    const count = source.split(patch.find).length - 1;
    if (count !== 1 || (patch.requires && !source.includes(patch.requires))) {
      throw new Error(`local/engineHooks.mjs: convex-test changed shape; update ${patch.name}.`);
    }
    source = source.replace(patch.find, patch.replace);
  }
  return {
    ...result,
    source:
      `${source}\nexport { getConvexGlobal as __getConvexGlobal };\n` +
      `let __scheduledFunctionGate = null;\n` +
      `export function __setScheduledFunctionGate(gate) { __scheduledFunctionGate = gate; }\n` +
      `const __lockWaiters = [];\n` +
      HELPERS,
  };
}
