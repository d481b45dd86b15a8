import {
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  test,
} from "vitest";
import {
  createCalendarEvent,
  queryFreeBusy,
  type CalendarEventRequest,
  type GoogleCalendarConfig,
} from "../../lib/meetings/googleCalendar";
import { MeetingApiError, type TokenCache } from "../../lib/meetings/http";
import { findFreeSlots } from "../../lib/meetings/slots";
import { DEFAULT_WORKING_HOURS } from "../../lib/workingHours";
import {
  startFakeServer,
  type FakeServer,
  type RecordedRequest,
} from "./fakeServer";

const NOW = Date.parse("2026-11-27T10:00:00Z");
const SERVICE_ACCOUNT = "booking-bot@shop-123.iam.gserviceaccount.com";
const CALENDAR_ID = "sales@shop.example";
const OAUTH_CLIENT = {
  clientId: "oauth-client",
  clientSecret: "oauth-secret",
  refreshToken: "1//refresh",
};
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

const EVENT: CalendarEventRequest = {
  summary: "Shoe fitting with Anna",
  description: "Booked by the chat assistant",
  location: "https://zoom.us/j/85746065432",
  start: Date.parse("2026-11-30T09:00:00Z"),
  end: Date.parse("2026-11-30T09:30:00Z"),
  timeZone: "Europe/Berlin",
  attendeeEmails: ["anna@example.com"],
};

async function generateRsaKey() {
  return crypto.subtle.generateKey(
    {
      ...RS256,
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
    },
    true,
    ["sign", "verify"],
  );
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const base64 = Buffer.from(
    await crypto.subtle.exportKey("pkcs8", key),
  ).toString("base64");
  return `-----BEGIN PRIVATE KEY-----\n${base64.match(/.{1,64}/g)?.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

const decodeSegment = (segment: string) =>
  JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;

type GoogleState = {
  issued: string[];
  revoked: Set<string>;
  rejectEveryToken: boolean;
  assertions: Record<string, unknown>[];
};

/**
 * A fake of Google's token endpoint and Calendar API. The token endpoint
 * checks a service account's JWT signature against the account's public key
 * and its claims as Google does; the API wants a token it issued.
 */
function fakeGoogle(
  state: GoogleState,
  publicKey: () => CryptoKey,
  tokenUrl: () => string,
) {
  const unauthenticated = {
    status: 401,
    body: {
      error: {
        code: 401,
        message: "Request had invalid authentication credentials.",
        status: "UNAUTHENTICATED",
      },
    },
  };
  const issue = (prefix: string) => {
    const token = `${prefix}-${state.issued.length + 1}`;
    state.issued.push(token);
    return {
      status: 200,
      body: { access_token: token, expires_in: 3599, token_type: "Bearer" },
    };
  };

  return async (request: RecordedRequest) => {
    if (request.path === "/token") {
      const form = new URLSearchParams(request.body);
      if (form.get("grant_type") === JWT_BEARER) {
        const [header, claims, signature] = (form.get("assertion") ?? "").split(
          ".",
        );
        const signed = await crypto.subtle.verify(
          RS256,
          publicKey(),
          Buffer.from(signature ?? "", "base64url"),
          new TextEncoder().encode(`${header}.${claims}`),
        );
        if (!signed)
          return {
            status: 400,
            body: {
              error: "invalid_grant",
              error_description: "Invalid JWT Signature.",
            },
          };
        const payload = decodeSegment(claims);
        state.assertions.push({ header: decodeSegment(header), ...payload });
        const lifetime = Number(payload.exp) - Number(payload.iat);
        if (payload.aud !== tokenUrl() || lifetime > 3600 || lifetime <= 0) {
          return {
            status: 400,
            body: {
              error: "invalid_grant",
              error_description:
                "Invalid JWT: Token must be a short-lived token",
            },
          };
        }
        return issue("sa-token");
      }
      if (form.get("grant_type") === "refresh_token") {
        const valid =
          form.get("client_id") === OAUTH_CLIENT.clientId &&
          form.get("client_secret") === OAUTH_CLIENT.clientSecret &&
          form.get("refresh_token") === OAUTH_CLIENT.refreshToken;
        return valid
          ? issue("user-token")
          : {
              status: 400,
              body: {
                error: "invalid_grant",
                error_description: "Token has been expired or revoked.",
              },
            };
      }
      return { status: 400, body: { error: "unsupported_grant_type" } };
    }

    const token = request.headers.authorization?.replace(/^Bearer /, "") ?? "";
    if (
      state.rejectEveryToken ||
      !state.issued.includes(token) ||
      state.revoked.has(token)
    )
      return unauthenticated;
    if (
      request.path ===
      `/calendar/v3/calendars/${encodeURIComponent(CALENDAR_ID)}/events`
    ) {
      return {
        status: 200,
        body: {
          kind: "calendar#event",
          id: "evt123",
          htmlLink: "https://www.google.com/calendar/event?eid=evt123",
          ...JSON.parse(request.body),
        },
      };
    }
    if (request.path === "/calendar/v3/freeBusy") {
      const query = JSON.parse(request.body) as { items: { id: string }[] };
      const calendars = Object.fromEntries(
        query.items.map(({ id }) => [
          id,
          id === CALENDAR_ID
            ? {
                busy: [
                  {
                    start: "2026-11-30T09:00:00Z",
                    end: "2026-11-30T10:15:00Z",
                  },
                  {
                    start: "2026-11-30T11:00:00+01:00",
                    end: "2026-11-30T11:30:00+01:00",
                  },
                ],
              }
            : { errors: [{ domain: "global", reason: "notFound" }], busy: [] },
        ]),
      );
      return { status: 200, body: { kind: "calendar#freeBusy", calendars } };
    }
    return {
      status: 404,
      body: { error: { code: 404, message: "Not Found" } },
    };
  };
}

let keys: CryptoKeyPair;
let privateKeyPem: string;
let server: FakeServer;
let state: GoogleState;

beforeAll(async () => {
  keys = await generateRsaKey();
  privateKeyPem = await pkcs8Pem(keys.privateKey);
});

beforeEach(async () => {
  state = {
    issued: [],
    revoked: new Set(),
    rejectEveryToken: false,
    assertions: [],
  };
  server = await startFakeServer(
    fakeGoogle(
      state,
      () => keys.publicKey,
      () => `${server.url}/token`,
    ),
  );
});

afterEach(() => server.close());

function serviceAccountConfig(pem = privateKeyPem): GoogleCalendarConfig {
  return {
    calendarId: CALENDAR_ID,
    credentials: {
      kind: "serviceAccount",
      clientEmail: SERVICE_ACCOUNT,
      privateKeyPem: pem,
    },
    tokenUrl: `${server.url}/token`,
    apiBaseUrl: server.url,
  };
}

function refreshTokenConfig(
  refreshToken = OAUTH_CLIENT.refreshToken,
): GoogleCalendarConfig {
  return {
    calendarId: CALENDAR_ID,
    credentials: { kind: "refreshToken", ...OAUTH_CLIENT, refreshToken },
    tokenUrl: `${server.url}/token`,
    apiBaseUrl: server.url,
  };
}

const routes = () => server.requests.map((r) => `${r.method} ${r.path}`);
const EVENTS_PATH = `/calendar/v3/calendars/${encodeURIComponent(CALENDAR_ID)}/events`;

describe("service account", () => {
  test("signs an RS256 JWT the token server verifies, then creates the event and invites the customer", async () => {
    const cache: TokenCache = {};
    const event = await createCalendarEvent(
      serviceAccountConfig(),
      cache,
      EVENT,
      NOW,
    );

    expect(event).toEqual({
      id: "evt123",
      htmlLink: "https://www.google.com/calendar/event?eid=evt123",
    });
    expect(state.assertions).toEqual([
      {
        header: { alg: "RS256", typ: "JWT" },
        iss: SERVICE_ACCOUNT,
        scope:
          "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy",
        aud: `${server.url}/token`,
        iat: NOW / 1000,
        exp: NOW / 1000 + 3600,
      },
    ]);
    const create = server.requests[1];
    expect(create.path).toBe(EVENTS_PATH);
    expect(create.query.get("sendUpdates")).toBe("all");
    expect(create.headers.authorization).toBe("Bearer sa-token-1");
    expect(JSON.parse(create.body)).toEqual({
      summary: "Shoe fitting with Anna",
      description: "Booked by the chat assistant",
      location: "https://zoom.us/j/85746065432",
      start: { dateTime: "2026-11-30T09:00:00Z", timeZone: "Europe/Berlin" },
      end: { dateTime: "2026-11-30T09:30:00Z", timeZone: "Europe/Berlin" },
      attendees: [{ email: "anna@example.com" }],
    });
  });

  test("a private key pasted into an env file with literal \\n escapes still signs", async () => {
    const envStyle = privateKeyPem.replace(/\n/g, "\\n");
    await createCalendarEvent(serviceAccountConfig(envStyle), {}, EVENT, NOW);
    expect(state.issued).toEqual(["sa-token-1"]);
  });

  test("a JWT signed with the wrong key is refused with Google's reason", async () => {
    const otherKey = await generateRsaKey();
    const error = await createCalendarEvent(
      serviceAccountConfig(await pkcs8Pem(otherKey.privateKey)),
      {},
      EVENT,
      NOW,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeetingApiError);
    expect(error).toMatchObject({
      provider: "google",
      status: 400,
      message: "Google Calendar 400: Invalid JWT Signature.",
    });
    expect(routes()).toEqual(["POST /token"]);
  });

  test("a PKCS#1 key is refused with the conversion to run", async () => {
    const pkcs1 =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n";
    await expect(
      createCalendarEvent(serviceAccountConfig(pkcs1), {}, EVENT, NOW),
    ).rejects.toThrow(/openssl pkcs8 -topk8/);
  });
});

describe("refresh token", () => {
  test("trades the refresh token for an access token and creates the event", async () => {
    const cache: TokenCache = {};
    const event = await createCalendarEvent(
      refreshTokenConfig(),
      cache,
      { ...EVENT, attendeeEmails: [] },
      NOW,
    );

    expect(event.id).toBe("evt123");
    expect(
      Object.fromEntries(new URLSearchParams(server.requests[0].body)),
    ).toEqual({
      grant_type: "refresh_token",
      client_id: OAUTH_CLIENT.clientId,
      client_secret: OAUTH_CLIENT.clientSecret,
      refresh_token: OAUTH_CLIENT.refreshToken,
    });
    const create = server.requests[1];
    expect(create.headers.authorization).toBe("Bearer user-token-1");
    expect(create.query.has("sendUpdates")).toBe(false); // nobody to invite
    expect(JSON.parse(create.body)).not.toHaveProperty("attendees");
    expect(cache).toEqual({
      accessToken: "user-token-1",
      expiresAt: NOW + 3599 * 1000,
    });
  });

  test("a revoked refresh token is an error naming Google's reason", async () => {
    const error = await createCalendarEvent(
      refreshTokenConfig("1//stale"),
      {},
      EVENT,
      NOW,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 400,
      message: "Google Calendar 400: Token has been expired or revoked.",
    });
  });
});

describe("free/busy", () => {
  test("returns the calendar's busy stretches, which the built-in slot finder then avoids", async () => {
    const busy = await queryFreeBusy(
      refreshTokenConfig(),
      {},
      {
        from: Date.parse("2026-11-30T00:00:00Z"),
        to: Date.parse("2026-12-01T00:00:00Z"),
      },
      NOW,
    );

    expect(JSON.parse(server.requests[1].body)).toEqual({
      timeMin: "2026-11-30T00:00:00Z",
      timeMax: "2026-12-01T00:00:00Z",
      items: [{ id: CALENDAR_ID }],
    });
    expect(
      busy.map((b) => [
        new Date(b.start).toISOString(),
        new Date(b.end).toISOString(),
      ]),
    ).toEqual([
      ["2026-11-30T09:00:00.000Z", "2026-11-30T10:15:00.000Z"],
      ["2026-11-30T10:00:00.000Z", "2026-11-30T10:30:00.000Z"],
    ]);

    const slots = findFreeSlots({
      hours: DEFAULT_WORKING_HOURS,
      bookings: busy,
      now: NOW,
      from: Date.parse("2026-11-30T00:00:00Z"),
      horizonDays: 1,
      count: 2,
    });
    expect(slots.map((s) => new Date(s.start).toISOString())).toEqual([
      "2026-11-30T10:30:00.000Z",
      "2026-11-30T11:00:00.000Z",
    ]);
  });

  test("a calendar Google cannot read is an error, though Google answers 200", async () => {
    const config = {
      ...refreshTokenConfig(),
      calendarId: "nobody@shop.example",
    };
    const error = await queryFreeBusy(
      config,
      {},
      { from: NOW, to: NOW + 1000 },
      NOW,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      provider: "google",
      status: 200,
      message:
        "Google Calendar 200: free/busy for nobody@shop.example: notFound",
    });
  });
});

describe("expired or revoked access tokens", () => {
  test("a 401 refreshes the token once and the retry succeeds", async () => {
    const cache: TokenCache = {};
    await createCalendarEvent(serviceAccountConfig(), cache, EVENT, NOW);
    state.revoked.add("sa-token-1");
    server.requests.length = 0;

    const busy = await queryFreeBusy(
      serviceAccountConfig(),
      cache,
      { from: NOW, to: NOW + 1000 },
      NOW,
    );

    expect(busy).toHaveLength(2);
    expect(routes()).toEqual([
      "POST /calendar/v3/freeBusy",
      "POST /token",
      "POST /calendar/v3/freeBusy",
    ]);
    expect(cache.accessToken).toBe("sa-token-2");
  });

  test("a 401 that persists after the refresh is an error, after exactly one retry", async () => {
    state.rejectEveryToken = true;
    const error = await createCalendarEvent(
      refreshTokenConfig(),
      {},
      EVENT,
      NOW,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 401,
      message:
        "Google Calendar 401: Request had invalid authentication credentials.",
    });
    expect(routes()).toEqual([
      `POST /token`,
      `POST ${EVENTS_PATH}`,
      "POST /token",
      `POST ${EVENTS_PATH}`,
    ]);
  });
});
