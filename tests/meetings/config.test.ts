import { describe, expect, test } from "vitest";
import { meetingConfigFromEnv } from "../../lib/meetings/config";

const ZOOM = {
  ZOOM_ACCOUNT_ID: "acc",
  ZOOM_CLIENT_ID: "id",
  ZOOM_CLIENT_SECRET: "secret",
};
const SERVICE_ACCOUNT = {
  GOOGLE_SERVICE_ACCOUNT_EMAIL: "bot@shop.iam.gserviceaccount.com",
  GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY:
    "-----BEGIN PRIVATE KEY-----\\nMII…\\n-----END PRIVATE KEY-----\\n",
  GOOGLE_CALENDAR_ID: "sales@shop.example",
};
const REFRESH_TOKEN = {
  GOOGLE_CLIENT_ID: "cid",
  GOOGLE_CLIENT_SECRET: "csecret",
  GOOGLE_REFRESH_TOKEN: "1//rt",
};

describe("the meeting mode is chosen from the environment and always labelled", () => {
  test("no accounts: the built-in calendar", () => {
    const config = meetingConfigFromEnv({});
    expect(config).toMatchObject({
      mode: "builtin",
      zoom: null,
      google: null,
      warnings: [],
    });
    expect(config.label).toMatch(/^Built-in calendar/);
  });

  test("Zoom only: built-in slots with a Zoom link, base URLs passed through", () => {
    const config = meetingConfigFromEnv({
      ...ZOOM,
      ZOOM_API_BASE_URL: "http://127.0.0.1:9000",
    });
    expect(config.mode).toBe("zoom");
    expect(config.label).toMatch(/^Zoom \+ built-in calendar/);
    expect(config.zoom).toEqual({
      accountId: "acc",
      clientId: "id",
      clientSecret: "secret",
      apiBaseUrl: "http://127.0.0.1:9000",
      oauthBaseUrl: undefined,
    });
  });

  test("Google only with a refresh token defaults to the user's primary calendar", () => {
    const config = meetingConfigFromEnv(REFRESH_TOKEN);
    expect(config.mode).toBe("google");
    expect(config.google).toEqual({
      calendarId: "primary",
      credentials: {
        kind: "refreshToken",
        clientId: "cid",
        clientSecret: "csecret",
        refreshToken: "1//rt",
      },
      tokenUrl: undefined,
      apiBaseUrl: undefined,
    });
  });

  test("Zoom and a Google service account together", () => {
    const config = meetingConfigFromEnv({
      ...ZOOM,
      ...SERVICE_ACCOUNT,
      GOOGLE_TOKEN_URL: "http://127.0.0.1:9001/token",
    });
    expect(config.mode).toBe("zoom+google");
    expect(config.google?.credentials).toEqual({
      kind: "serviceAccount",
      clientEmail: SERVICE_ACCOUNT.GOOGLE_SERVICE_ACCOUNT_EMAIL,
      privateKeyPem: SERVICE_ACCOUNT.GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY,
    });
    expect(config.google?.tokenUrl).toBe("http://127.0.0.1:9001/token");
    expect(config.warnings).toEqual([]);
  });

  test("a half-configured integration stays off and says which variables are missing", () => {
    const config = meetingConfigFromEnv({
      ZOOM_ACCOUNT_ID: "acc",
      ZOOM_CLIENT_SECRET: "  ",
      GOOGLE_REFRESH_TOKEN: "1//rt",
    });
    expect(config.mode).toBe("builtin");
    expect(config.warnings).toEqual([
      "Zoom is off: ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET are missing.",
      "the Google refresh token is off: GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET are missing.",
    ]);
  });

  test("a service account without a calendar id, or with a refresh token too, is flagged", () => {
    const { GOOGLE_CALENDAR_ID: _unset, ...noCalendar } = SERVICE_ACCOUNT;
    const config = meetingConfigFromEnv({ ...noCalendar, ...REFRESH_TOKEN });
    expect(config.google?.credentials.kind).toBe("serviceAccount");
    expect(config.warnings).toEqual([
      "Both a Google service account and a refresh token are set; using the service account.",
      "GOOGLE_CALENDAR_ID is not set, so events go to the service account's own calendar; share a calendar with it and set its id.",
    ]);
  });
});
