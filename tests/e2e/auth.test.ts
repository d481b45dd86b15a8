/**
 * Signing in, in the browser, on a fresh install: the first visit creates
 * the owner, sign-up is then closed, the owner invites an operator with a
 * one-time link and can disable them, and owner-only pages and actions
 * refuse operators.
 */
import type { Page } from "playwright-core";
import { expect, test } from "vitest";
import { browserSuite, FIRST_VISIT_MS, OWNER, submitLogin } from "./product";

const suite = browserSuite(undefined, { signedIn: false });
const OPERATOR = { email: "sam@example.com", password: "operator password 1" };

async function newPage(): Promise<Page> {
  const context = await suite.browser.newContext({ viewport: { width: 1360, height: 860 } });
  context.setDefaultTimeout(FIRST_VISIT_MS);
  context.setDefaultNavigationTimeout(FIRST_VISIT_MS);
  return await context.newPage();
}

test("owner first, then closed sign-up, a one-time invite, owner-only pages, and a disabled operator", async () => {
  const { appUrl } = suite.product;
  const owner = await suite.context.newPage();

  // Signed out, a dashboard page leads to the first-run form.
  await owner.goto(`${appUrl}/conversations`);
  await owner.waitForURL(/\/login/);
  await owner.getByRole("heading", { name: "Create the owner account" }).waitFor();
  await submitLogin(owner, OWNER.email, OWNER.password);
  expect(await owner.getByTestId("signed-in-as").innerText()).toContain("owner@example.com (owner)");
  expect(new URL(owner.url()).pathname).toBe("/conversations");

  // Now sign-up is closed: a stranger sees "Sign in", and creating an account is refused.
  const stranger = await newPage();
  await stranger.goto(`${appUrl}/login`);
  await stranger.getByRole("heading", { name: "Sign in" }).waitFor();
  expect(await stranger.getByText("Create the owner account").count()).toBe(0);
  await stranger.getByLabel("Email").fill("stranger@example.com");
  await stranger.getByLabel("Password").fill("stranger password");
  await stranger.locator('form button[type="submit"]').click();
  await stranger.getByText("Wrong email or password.").waitFor();

  // The owner invites an operator.
  await owner.getByRole("link", { name: "Team & access" }).click();
  await owner.getByRole("button", { name: "Create an invite link" }).click();
  const link = await owner.getByTestId("invite-link").innerText();
  const operator = await newPage();
  await operator.goto(link);
  await operator.getByRole("heading", { name: "Create your operator account" }).waitFor();
  await submitLogin(operator, OPERATOR.email, OPERATOR.password);
  expect(await operator.getByTestId("signed-in-as").innerText()).toContain("(operator)");

  // The link worked once.
  const second = await newPage();
  await second.goto(link);
  await second.getByLabel("Email").fill("again@example.com");
  await second.getByLabel("Password").fill("another password");
  await second.locator('form button[type="submit"]').click();
  await second.getByText("This invite link was already used or has expired; ask the owner for a new one").waitFor();

  // Owner-only: no Team link, the page says so, and settings changes are refused.
  expect(await operator.getByRole("link", { name: "Team & access" }).count()).toBe(0);
  await operator.goto(`${appUrl}/team`);
  await operator.getByText("Only the owner manages the team").waitFor();
  // Settings read-only for an operator (the server refuses the change too: tests/convex/access.test.ts).
  // Each page load renews its session's token once (Convex Auth, through /api/auth); that renewal
  // must be over before the owner disables them below, or it fails and signs the page out first.
  const renewed = operator.waitForResponse((response) => new URL(response.url()).pathname === "/api/auth");
  await operator.goto(`${appUrl}/settings`);
  await operator.getByText("Only the owner changes settings").waitFor();
  expect(await operator.getByLabel(/Batching window/i).first().isDisabled()).toBe(true);
  expect(await operator.getByRole("button", { name: /save/i }).isDisabled()).toBe(true);

  await renewed;

  // The owner disables the operator: the page they have open stops working at once.
  // (Not a reload: their sessions are ended too, so a reload may first show the
  // disabled notice and then, when the token fails to renew, "Your session ended".)
  await owner.reload();
  await owner.getByRole("button", { name: `Disable ${OPERATOR.email}` }).click();
  await owner.getByRole("button", { name: `Enable ${OPERATOR.email}` }).waitFor();
  await operator.getByText("This account is disabled; ask the owner.").waitFor();
  // Signing in again is refused with the reason.
  const returning = await newPage();
  await returning.goto(`${appUrl}/login`);
  await returning.getByRole("heading", { name: "Sign in" }).waitFor();
  await returning.getByLabel("Email").fill(OPERATOR.email);
  await returning.getByLabel("Password").fill(OPERATOR.password);
  await returning.locator('form button[type="submit"]').click();
  await returning.getByText("This account is disabled; ask the owner").waitFor();

  // The audit log shows who did what.
  await owner.reload();
  const log = owner.locator('table[aria-label="Audit log"]');
  // The table renders before its rows arrive: wait for the newest entry, then read it whole.
  await log.getByText("operator.disabled").waitFor();
  const text = await log.innerText();
  for (const action of ["owner.created", "invite.created", "invite.accepted", "operator.disabled"]) {
    expect(text).toContain(action);
  }
  await stranger.context().close();
  await second.context().close();
  await returning.context().close();
  await operator.context().close();
}, 400_000);
