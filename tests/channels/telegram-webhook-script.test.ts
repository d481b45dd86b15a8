/**
 * scripts/telegram-webhook.ts run as an operator runs it, against a fake
 * Bot API on 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeServer, type FakeServer } from "./fakes";

const TOKEN = "5551234567:AAHk3v9Qw_Zx-7LmN0pRsTuVwXyZ12345ab";
const root = fileURLToPath(new URL("../../", import.meta.url));

let telegram: FakeServer;
beforeAll(async () => {
  telegram = await startFakeServer((request) => {
    if (request.path.endsWith("/getWebhookInfo")) {
      return {
        body: {
          ok: true,
          result: {
            url: "https://shop.example.com/api/webhooks/telegram",
            has_custom_certificate: false,
            pending_update_count: 0,
            max_connections: 40,
            allowed_updates: ["message", "edited_message", "callback_query"],
          },
        },
      };
    }
    if (request.path.endsWith("/getMe")) {
      return { body: { ok: true, result: { id: 5551234567, is_bot: true, first_name: "Northwind Help", username: "northwind_help_bot" } } };
    }
    return { body: { ok: true, result: true, description: "Webhook was set" } };
  });
});
afterAll(async () => {
  await telegram.close();
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "node_modules/.bin/tsx",
      ["scripts/telegram-webhook.ts", ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...env }, encoding: "utf8" },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("registering the Telegram webhook", () => {
  it("sets the route URL with our secret and update kinds, then prints what Telegram has", async () => {
    const result = await run(["https://shop.example.com"], {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: "tg_hook-7Hq2Lr9Xw",
      TELEGRAM_API_BASE_URL: telegram.url,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const set = telegram.requests.find((r) => r.path === `/bot${TOKEN}/setWebhook`);
    expect(set?.body).toEqual({
      url: "https://shop.example.com/api/webhooks/telegram",
      secret_token: "tg_hook-7Hq2Lr9Xw",
      allowed_updates: [
        "message",
        "edited_message",
        "callback_query",
        "business_message",
        "edited_business_message",
        "message_reaction",
      ],
    });
    expect(result.stdout).toContain('"pending_update_count": 0');
    expect(result.stdout).toContain("TELEGRAM_BOT_USERNAME=northwind_help_bot");
  });

  it("refuses a secret Telegram would reject, before calling it", async () => {
    telegram.requests.length = 0;
    const result = await run(["https://shop.example.com"], {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: "has spaces!",
      TELEGRAM_API_BASE_URL: telegram.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TELEGRAM_WEBHOOK_SECRET must be/);
    expect(telegram.requests).toHaveLength(0);
  });
});
