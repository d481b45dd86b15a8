/**
 * The layering rules in eslint.config.mjs fail when they should: a planted
 * import cycle, a model module importing a feature, a pure lib/ module
 * importing an I/O module or reading the clock. Runs ESLint's Node API with
 * the project's own config on planted files (written to a scratch folder
 * under lib/, removed afterwards); `npm run lint` covers the real tree.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const scratch = path.join(root, "lib", `__lint_probe_${process.pid}`);

// Type information is not what these rules are about; without it ESLint
// lints files the TypeScript project has not seen yet, and does so quickly.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [
    {
      files: ["**/*.ts"],
      languageOptions: { parserOptions: { projectService: false, project: null } },
      rules: { "@typescript-eslint/no-floating-promises": "off" },
    },
  ],
});

async function ruleIds(file: string, text?: string) {
  const results = text === undefined ? await eslint.lintFiles([file]) : await eslint.lintText(text, { filePath: file });
  return results.flatMap((r) => r.messages.map((m) => m.ruleId ?? m.message));
}

beforeAll(async () => {
  await mkdir(scratch, { recursive: true });
  await writeFile(path.join(scratch, "a.ts"), 'import { b } from "./b";\nexport const a = () => b() + 1;\n');
  await writeFile(path.join(scratch, "b.ts"), 'import { a } from "./a";\nexport const b = () => (a.length > 9 ? 0 : 1);\n');
  await writeFile(path.join(scratch, "c.ts"), 'import { d } from "./d";\nexport const c = () => d + 1;\n');
  await writeFile(path.join(scratch, "d.ts"), "export const d = 1;\n");
  await writeFile(path.join(scratch, "typeOnlyA.ts"), 'import type { B } from "./typeOnlyB";\nexport type A = { b?: B };\n');
  await writeFile(path.join(scratch, "typeOnlyB.ts"), 'import type { A } from "./typeOnlyA";\nexport type B = { a?: A };\n');
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("import cycles", () => {
  it("a planted cycle fails lint on both files", async () => {
    expect(await ruleIds(path.join(scratch, "a.ts"))).toContain("import-x/no-cycle");
    expect(await ruleIds(path.join(scratch, "b.ts"))).toContain("import-x/no-cycle");
  });

  it("the same shape without the back edge passes", async () => {
    expect(await ruleIds(path.join(scratch, "c.ts"))).toEqual([]);
  });

  it("type-only imports, erased at run time, are not a cycle", async () => {
    expect(await ruleIds(path.join(scratch, "typeOnlyA.ts"))).toEqual([]);
  });
});

describe("layers", () => {
  it("a model module may not import a feature module", async () => {
    const file = path.join(root, "convex", "model", "probe.ts");
    const ids = await ruleIds(file, 'import { ingestEvents } from "../ingest";\nexport const probe = ingestEvents;\n');
    expect(ids).toContain("import-x/no-restricted-paths");
  });

  it("a model module may import validators, lib and other model modules", async () => {
    const file = path.join(root, "convex", "model", "probe.ts");
    const text = 'import { vChannel } from "../validators";\nimport { notFound } from "./errors";\nimport { SECOND } from "../../lib/time";\nexport const probe = [vChannel, notFound, SECOND];\n';
    expect(await ruleIds(file, text)).toEqual([]);
  });

  it("a pure lib module may not import an I/O module, fetch, or read the clock", async () => {
    const file = path.join(root, "lib", "probe.ts");
    expect(await ruleIds(file, 'import { readEnv } from "./channels/http";\nexport const probe = readEnv;\n')).toContain(
      "import-x/no-restricted-paths",
    );
    expect(await ruleIds(file, "export const probe = () => fetch('http://x');\n")).toContain("no-restricted-globals");
    expect(await ruleIds(file, "export const probe = () => Date.now();\n")).toContain("no-restricted-properties");
  });

  it("plain .mjs scripts are linted", async () => {
    const file = path.join(root, "local", "probe.mjs");
    expect(await ruleIds(file, "const unusedProbe = 1;\nexport {};\n")).toContain("@typescript-eslint/no-unused-vars");
  });
});

describe("table owners", () => {
  it("a feature module may not write a table itself", async () => {
    const file = path.join(root, "convex", "probe.ts");
    const text = 'import type { MutationCtx } from "./_generated/server";\nexport async function probe(ctx: MutationCtx) {\n  await ctx.db.insert("contacts", { channel: "web", accountId: "a", externalId: "b" });\n}\n';
    expect(await ruleIds(file, text)).toContain("no-restricted-syntax");
  });

  it("the model layer may", async () => {
    const file = path.join(root, "convex", "model", "probe.ts");
    const text = 'import type { MutationCtx } from "../_generated/server";\nexport async function probe(ctx: MutationCtx) {\n  await ctx.db.insert("contacts", { channel: "web", accountId: "a", externalId: "b" });\n}\n';
    expect(await ruleIds(file, text)).toEqual([]);
  });
});
