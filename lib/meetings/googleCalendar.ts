// Google Calendar: events for booked meetings and free/busy for open slots.
// Two ways in: a service account (a JWT signed here with WebCrypto, so no
// Google SDK and no Node runtime) or a user's OAuth refresh token.
// https://developers.google.com/identity/protocols/oauth2/service-account
import { z } from "zod";
import { HOUR, SECOND } from "../time";
import type { Interval } from "../workingHours";
import {
  endpoint,
  expectReply,
  isoSeconds,
  MeetingApiError,
  sendWithToken,
  tokenSource,
  type TokenCache,
} from "./http";

export const GOOGLE_DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const GOOGLE_DEFAULT_API_BASE_URL = "https://www.googleapis.com";

/**
 * Write events, and read free/busy: Google's freeBusy.query does not accept
 * calendar.events alone. A refresh token must have been granted both.
 */
export const GOOGLE_CALENDAR_SCOPES = [
  "https://www.googleapis.com/auth/calendar.events",
  "https://www.googleapis.com/auth/calendar.freebusy",
];

// Google refuses assertions that live longer than an hour.
const ASSERTION_LIFETIME_MS = 1 * HOUR;

export type GoogleCredentials =
  | {
      kind: "serviceAccount";
      clientEmail: string;
      /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), as in the service account's JSON key; "\n" escapes are fine. */
      privateKeyPem: string;
    }
  | {
      kind: "refreshToken";
      clientId: string;
      clientSecret: string;
      refreshToken: string;
    };

export type GoogleCalendarConfig = {
  calendarId: string;
  credentials: GoogleCredentials;
  /** Default https://oauth2.googleapis.com/token; also the JWT audience. */
  tokenUrl?: string;
  /** Default https://www.googleapis.com. */
  apiBaseUrl?: string;
};

export type CalendarEventRequest = {
  summary: string;
  description?: string;
  /** e.g. the Zoom join link */
  location?: string;
  start: number;
  end: number;
  /** IANA zone the event is shown in. */
  timeZone: string;
  /**
   * Invited by email. Google lets a service account invite only under
   * Workspace domain-wide delegation and answers 403 otherwise, so with a
   * service account leave this empty and put the contact in the description.
   */
  attendeeEmails?: string[];
};

export type CalendarEvent = { id: string; htmlLink: string };

const eventReply = z.object({ id: z.string().min(1), htmlLink: z.string() });

const freeBusyReply = z.object({
  calendars: z.record(
    z.string(),
    z.object({
      busy: z
        .array(
          z.object({
            start: z.iso.datetime({ offset: true }),
            end: z.iso.datetime({ offset: true }),
          }),
        )
        .default([]),
      errors: z.array(z.object({ reason: z.string() })).optional(),
    }),
  ),
});

/**
 * Creates the event on the configured calendar. With attendees, Google
 * emails them the invitation (sendUpdates=all). Throws MeetingApiError.
 */
export async function createCalendarEvent(
  config: GoogleCalendarConfig,
  cache: TokenCache,
  event: CalendarEventRequest,
  now: number,
): Promise<CalendarEvent> {
  const attendees = event.attendeeEmails ?? [];
  const query = attendees.length > 0 ? "?sendUpdates=all" : "";
  const body = JSON.stringify({
    summary: event.summary,
    ...(event.description ? { description: event.description } : {}),
    ...(event.location ? { location: event.location } : {}),
    start: { dateTime: isoSeconds(event.start), timeZone: event.timeZone },
    end: { dateTime: isoSeconds(event.end), timeZone: event.timeZone },
    ...(attendees.length > 0
      ? { attendees: attendees.map((email) => ({ email })) }
      : {}),
  });
  const path = `/calendar/v3/calendars/${encodeURIComponent(config.calendarId)}/events${query}`;
  const reply = await expectReply(
    "google",
    await callApi(config, cache, now, path, body),
    eventReply,
  );
  return { id: reply.id, htmlLink: reply.htmlLink };
}

/** The calendar's busy stretches overlapping [from, to), as ms intervals. */
export async function queryFreeBusy(
  config: GoogleCalendarConfig,
  cache: TokenCache,
  range: { from: number; to: number },
  now: number,
): Promise<Interval[]> {
  const body = JSON.stringify({
    timeMin: isoSeconds(range.from),
    timeMax: isoSeconds(range.to),
    items: [{ id: config.calendarId }],
  });
  const reply = await expectReply(
    "google",
    await callApi(config, cache, now, "/calendar/v3/freeBusy", body),
    freeBusyReply,
  );
  const calendar = reply.calendars[config.calendarId];
  // freeBusy answers 200 even for a calendar it cannot read; the reason sits inside.
  if (!calendar || calendar.errors?.length) {
    const reason =
      calendar?.errors?.map((error) => error.reason).join(", ") ??
      "calendar missing from the reply";
    throw new MeetingApiError(
      "google",
      200,
      `free/busy for ${config.calendarId}: ${reason}`,
    );
  }
  return calendar.busy.map((busy) => ({
    start: Date.parse(busy.start),
    end: Date.parse(busy.end),
  }));
}

function callApi(
  config: GoogleCalendarConfig,
  cache: TokenCache,
  now: number,
  path: string,
  body: string,
) {
  const url = endpoint(config.apiBaseUrl ?? GOOGLE_DEFAULT_API_BASE_URL, path);
  return sendWithToken(googleTokens(config, cache, now), (token) =>
    fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
      },
      body,
    }),
  );
}

function googleTokens(
  config: GoogleCalendarConfig,
  cache: TokenCache,
  now: number,
) {
  const tokenUrl = config.tokenUrl ?? GOOGLE_DEFAULT_TOKEN_URL;
  return tokenSource("google", cache, now, async () => {
    const { credentials } = config;
    const form: Record<string, string> =
      credentials.kind === "serviceAccount"
        ? {
            grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
            assertion: await serviceAccountAssertion(
              credentials.clientEmail,
              credentials.privateKeyPem,
              tokenUrl,
              now,
            ),
          }
        : {
            grant_type: "refresh_token",
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
            refresh_token: credentials.refreshToken,
          };
    return fetch(tokenUrl, { method: "POST", body: new URLSearchParams(form) });
  });
}

/** The RS256-signed JWT a service account trades for an access token. */
async function serviceAccountAssertion(
  clientEmail: string,
  privateKeyPem: string,
  audience: string,
  now: number,
) {
  const issuedAt = Math.floor(now / SECOND);
  const header = { alg: "RS256", typ: "JWT" };
  const claims = {
    iss: clientEmail,
    scope: GOOGLE_CALENDAR_SCOPES.join(" "),
    aud: audience,
    iat: issuedAt,
    exp: issuedAt + ASSERTION_LIFETIME_MS / SECOND,
  };
  const signingInput = `${base64Url(JSON.stringify(header))}.${base64Url(JSON.stringify(claims))}`;
  const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pkcs8Der(privateKeyPem),
    algorithm,
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign(
    algorithm,
    key,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${base64Url(new Uint8Array(signature))}`;
}

function pkcs8Der(pem: string): Uint8Array<ArrayBuffer> {
  if (pem.includes("BEGIN RSA PRIVATE KEY")) {
    // PKCS#1; WebCrypto only imports PKCS#8.
    throw new Error(
      "GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY must be PKCS#8 (BEGIN PRIVATE KEY); convert with `openssl pkcs8 -topk8 -nocrypt`",
    );
  }
  const base64 = pem
    .replace(/-----(?:BEGIN|END) PRIVATE KEY-----/g, "")
    .replace(/\\n|\s/g, ""); // env files often keep the newlines as literal "\n"
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function base64Url(data: string | Uint8Array): string {
  const bytes =
    typeof data === "string" ? new TextEncoder().encode(data) : data;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary)
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}
