/**
 * A customer's pending follow-up on their conversation page, at desktop and
 * phone size: Send now and Cancel ask first and can be backed out of, and a
 * time read in the business's zone says so with a one-click fix.
 */
import { ConvexHttpClient } from "convex/browser";
import type { BrowserContext, Page } from "playwright-core";
import { beforeEach, expect, test } from "vitest";
import { replyWith, toolUse } from "../support/fakeAnthropic";
import { modelBackedBrowserSuite, type Product, openAt, SIZES } from "./product";
import { agentAnswered, conversationOf, customerWrites } from "./seed";

const suite = modelBackedBrowserSuite();
let product: Product;
let context: BrowserContext;
let convex: ConvexHttpClient;
beforeEach(() => {
  ({ product, context } = suite);
  convex = new ConvexHttpClient(product.convexUrl);
});

/** The agent promises to write back tomorrow at 10; returns the customer's conversation once it has answered. */
async function followupScheduled(name: string, note: string) {
  suite.anthropic.script(toolUse("schedule_followup", { when: "tomorrow at 10", note }), replyWith("Sure, tomorrow at 10."));
  const customer = await customerWrites(convex, name, ["напишите мне завтра в 10"]);
  await agentAnswered(convex, customer);
  return await conversationOf(convex, customer);
}

async function openDetails(conversationId: string, size: (typeof SIZES)[number]): Promise<Page> {
  const page = await openAt(context, `${product.appUrl}/conversations/${conversationId}`, size.viewport);
  if (size.name === "phone") await page.getByRole("button", { name: "Details" }).click();
  return page;
}

for (const size of SIZES) {
  test(`Send now and Cancel ask first, and "Keep it" leaves the follow-up pending (${size.name})`, async () => {
    const note = `check the parcel (${size.name})`;
    const conversationId = await followupScheduled(`Olga ${size.name}`, note);
    const page = await openDetails(conversationId, size);
    const plans = page.getByRole("region", { name: "Follow-ups and meetings" });
    await plans.getByText(note).waitFor();

    // Read in the business's zone (UTC here): said so, and one click keeps 10:00 in the customer's zone.
    await plans.getByText("because the customer's zone is unknown").waitFor();
    await plans.getByRole("combobox", { name: "The customer's time zone" }).fill("Europe/Moscow");
    await plans.getByRole("button", { name: /^Keep .*10:00.* in Moscow$/ }).click();
    await plans.getByText("because the customer's zone is unknown").waitFor({ state: "detached" });
    await plans.getByText(/10:00.*\(Moscow\) for the customer/).waitFor();
    await page.getByTestId("customer-local-time").getByText("(Moscow)").waitFor();

    await plans.getByRole("button", { name: "Send now" }).click();
    await plans.getByText("Send it to the customer now?").waitFor();
    await plans.getByRole("button", { name: "Keep it" }).click();
    await plans.getByRole("button", { name: "Send now" }).waitFor();
    expect(await plans.getByText(note).count()).toBe(1);

    await plans.getByRole("button", { name: "Cancel" }).click();
    await plans.getByRole("button", { name: "Yes, cancel it" }).click();
    await plans.getByText("No follow-up or reminder is scheduled.").waitFor();
  });
}
