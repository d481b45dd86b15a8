// The dashboard's one stylesheet is edited by many hands and merged often; an
// unclosed block silently moves every later rule into a media query (it did:
// the nav's sign-out styles applied only on phones). Parse it as the browser would.
import { readFileSync } from "node:fs";
import postcss from "postcss";
import { expect, test } from "vitest";

test("app/globals.css parses, with every block closed", () => {
  const css = readFileSync(new URL("../../app/globals.css", import.meta.url), "utf8");
  const root = postcss.parse(css);
  // Rules meant for every width sit at the top level, not inside a media query.
  const navUser = root.nodes.find((node) => node.type === "rule" && node.selector === ".nav-user");
  expect(navUser).toBeDefined();
});
