import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { MeetingApiError, type TokenCache } from "../../lib/meetings/http";
import {
  createZoomMeeting,
  type ZoomConfig,
  type ZoomMeetingRequest,
} from "../../lib/meetings/zoom";
import { MINUTE } from "../../lib/time";
import {
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
} from "./fakeServer";

const ACCOUNT_ID = "acc-123";
const CLIENT_ID = "client-abc";
const CLIENT_SECRET = "s3cret";
const NOW = Date.parse("2026-11-27T10:00:00Z");
const TOKEN_LIFETIME_S = 3600;

const MEETING: ZoomMeetingRequest = {
  topic: "Shoe fitting with Anna",
  start: Date.parse("2026-11-30T09:00:00Z"),
  durationMinutes: 30,
  timeZone: "Europe/Berlin",
};

type ZoomState = {
  issued: string[];
  revoked: Set<string>;
  rejectEveryToken: boolean;
};

/** A fake of Zoom's OAuth and meetings API; revoked tokens (or all, when told) get 401. */
function fakeZoom(state: ZoomState) {
  return (request: RecordedRequest) => {
    if (request.path === "/oauth/token") {
      const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`;
      if (request.headers.authorization !== expected) {
        return {
          status: 401,
          body: {
            reason: "Invalid client_id or client_secret",
            error: "invalid_client",
          },
        };
      }
      if (
        request.query.get("grant_type") !== "account_credentials" ||
        request.query.get("account_id") !== ACCOUNT_ID
      ) {
        return {
          status: 400,
          body: {
            reason: "Unsupported grant type",
            error: "unsupported_grant_type",
          },
        };
      }
      const token = `zoom-token-${state.issued.length + 1}`;
      state.issued.push(token);
      return {
        status: 200,
        body: {
          access_token: token,
          token_type: "bearer",
          expires_in: TOKEN_LIFETIME_S,
          scope: "meeting:write",
        },
      };
    }
    if (request.method === "POST" && request.path === "/v2/users/me/meetings") {
      const token =
        request.headers.authorization?.replace(/^Bearer /, "") ?? "";
      if (
        state.rejectEveryToken ||
        !state.issued.includes(token) ||
        state.revoked.has(token)
      ) {
        return {
          status: 401,
          body: { code: 124, message: "Invalid access token." },
        };
      }
      const meeting = JSON.parse(request.body) as { topic: string };
      if (!meeting.topic) {
        return {
          status: 400,
          body: { code: 300, message: "Validation Failed." },
        };
      }
      return {
        status: 201,
        body: {
          id: 85746065432,
          join_url: "https://zoom.us/j/85746065432?pwd=abc",
          start_url: "https://zoom.us/s/85746065432?zak=xyz",
          ...meeting,
        },
      };
    }
    return { status: 404, body: { message: "no such route" } };
  };
}

let server: FakeServer;
let state: ZoomState;
let config: ZoomConfig;

beforeEach(async () => {
  state = { issued: [], revoked: new Set(), rejectEveryToken: false };
  server = await startFakeServer(fakeZoom(state));
  config = {
    accountId: ACCOUNT_ID,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    apiBaseUrl: server.url,
    oauthBaseUrl: server.url,
  };
});

afterEach(() => server.close());

const routes = () => server.requests.map((r) => `${r.method} ${r.path}`);

describe("booking a Zoom meeting", () => {
  test("gets a token with the account credentials grant and creates a scheduled meeting", async () => {
    const cache: TokenCache = {};
    const meeting = await createZoomMeeting(config, cache, MEETING, NOW);

    expect(meeting).toEqual({
      id: "85746065432",
      joinUrl: "https://zoom.us/j/85746065432?pwd=abc",
      startUrl: "https://zoom.us/s/85746065432?zak=xyz",
    });
    const [tokenRequest, createRequest] = server.requests;
    expect(tokenRequest.method).toBe("POST");
    expect(Object.fromEntries(tokenRequest.query)).toEqual({
      grant_type: "account_credentials",
      account_id: ACCOUNT_ID,
    });
    expect(createRequest.headers.authorization).toBe("Bearer zoom-token-1");
    expect(JSON.parse(createRequest.body)).toEqual({
      topic: "Shoe fitting with Anna",
      type: 2,
      start_time: "2026-11-30T09:00:00Z",
      duration: 30,
      timezone: "Europe/Berlin",
    });
    expect(cache).toEqual({
      accessToken: "zoom-token-1",
      expiresAt: NOW + TOKEN_LIFETIME_S * 1000,
    });
  });

  test("reuses the cached token until a minute before it expires", async () => {
    const cache: TokenCache = {};
    await createZoomMeeting(config, cache, MEETING, NOW);
    await createZoomMeeting(config, cache, MEETING, NOW + 58 * MINUTE);
    expect(state.issued).toEqual(["zoom-token-1"]);

    await createZoomMeeting(config, cache, MEETING, NOW + 59.5 * MINUTE);
    expect(state.issued).toEqual(["zoom-token-1", "zoom-token-2"]);
    expect(server.requests.at(-1)?.headers.authorization).toBe(
      "Bearer zoom-token-2",
    );
  });

  test("a 401 on create refreshes the token once and the retry succeeds", async () => {
    const cache: TokenCache = {};
    await createZoomMeeting(config, cache, MEETING, NOW);
    state.revoked.add("zoom-token-1"); // rotated on Zoom's side before it expired
    server.requests.length = 0;

    const meeting = await createZoomMeeting(
      config,
      cache,
      MEETING,
      NOW + 10 * MINUTE,
    );

    expect(meeting.id).toBe("85746065432");
    expect(routes()).toEqual([
      "POST /v2/users/me/meetings",
      "POST /oauth/token",
      "POST /v2/users/me/meetings",
    ]);
    expect(server.requests[2].headers.authorization).toBe(
      "Bearer zoom-token-2",
    );
    expect(cache.accessToken).toBe("zoom-token-2");
  });

  test("a 401 that persists after the refresh is an error with Zoom's status and message", async () => {
    const cache: TokenCache = {
      accessToken: "forged",
      expiresAt: NOW + 30 * MINUTE,
    };
    state.rejectEveryToken = true;

    const error = await createZoomMeeting(config, cache, MEETING, NOW).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(MeetingApiError);
    expect(error).toMatchObject({
      provider: "zoom",
      status: 401,
      message: "Zoom 401: Invalid access token.",
    });
    expect(routes()).toEqual([
      "POST /v2/users/me/meetings",
      "POST /oauth/token",
      "POST /v2/users/me/meetings",
    ]);
  });

  test("other refusals are not retried and carry the status and message", async () => {
    const invalid = await createZoomMeeting(
      config,
      {},
      { ...MEETING, topic: "" },
      NOW,
    ).catch((e: unknown) => e);
    expect(invalid).toMatchObject({
      provider: "zoom",
      status: 400,
      message: "Zoom 400: Validation Failed.",
    });
    expect(routes()).toEqual([
      "POST /oauth/token",
      "POST /v2/users/me/meetings",
    ]);

    server.requests.length = 0;
    const badCredentials = await createZoomMeeting(
      { ...config, clientSecret: "wrong" },
      {},
      MEETING,
      NOW,
    ).catch((e: unknown) => e);
    expect(badCredentials).toMatchObject({
      provider: "zoom",
      status: 401,
      message: "Zoom 401: Invalid client_id or client_secret",
    });
    expect(routes()).toEqual(["POST /oauth/token"]);
  });

  test("a server error on create is reported once, without a token refresh", async () => {
    const broken = await startFakeServer((request) =>
      request.path === "/oauth/token"
        ? {
            status: 200,
            body: { access_token: "t", expires_in: TOKEN_LIFETIME_S },
          }
        : {
            status: 429,
            body: {
              code: 429,
              message: "You have reached the maximum daily rate limit.",
            },
          },
    );
    try {
      const error = await createZoomMeeting(
        { ...config, apiBaseUrl: broken.url, oauthBaseUrl: broken.url },
        {},
        MEETING,
        NOW,
      ).catch((e: unknown) => e);
      expect(error).toMatchObject({
        status: 429,
        message: "Zoom 429: You have reached the maximum daily rate limit.",
      });
      expect(broken.requests.map((r) => r.path)).toEqual([
        "/oauth/token",
        "/v2/users/me/meetings",
      ]);
    } finally {
      await broken.close();
    }
  });
});
