// Zoom meetings through a Server-to-Server OAuth app: the account
// credentials grant gives an hour-long token, no user consent screen.
// https://developers.zoom.us/docs/internal-apps/s2s-oauth/
import { z } from "zod";
import {
  endpoint,
  expectReply,
  isoSeconds,
  sendWithToken,
  tokenSource,
  type TokenCache,
} from "./http";

export const ZOOM_DEFAULT_API_BASE_URL = "https://api.zoom.us";
export const ZOOM_DEFAULT_OAUTH_BASE_URL = "https://zoom.us";

export type ZoomConfig = {
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** Default https://api.zoom.us; tests point it at a local fake. */
  apiBaseUrl?: string;
  /** Default https://zoom.us. */
  oauthBaseUrl?: string;
};

export type ZoomMeetingRequest = {
  topic: string;
  /** ms since the epoch */
  start: number;
  durationMinutes: number;
  /** IANA zone the invitation shows times in, e.g. the customer's. */
  timeZone: string;
};

export type ZoomMeeting = { id: string; joinUrl: string; startUrl: string };

// Zoom's "scheduled meeting" type; 1 is instant, 3 and 8 are recurring.
const SCHEDULED_MEETING = 2;

const meetingReply = z.object({
  id: z.union([z.number(), z.string()]).transform(String),
  join_url: z.string().min(1),
  start_url: z.string().min(1),
});

/**
 * Creates a scheduled meeting for the app's user, reusing the token in
 * `cache` (filled on first use). Throws MeetingApiError on refusal.
 */
export async function createZoomMeeting(
  config: ZoomConfig,
  cache: TokenCache,
  meeting: ZoomMeetingRequest,
  now: number,
): Promise<ZoomMeeting> {
  const url = endpoint(
    config.apiBaseUrl ?? ZOOM_DEFAULT_API_BASE_URL,
    "/v2/users/me/meetings",
  );
  const body = JSON.stringify({
    topic: meeting.topic,
    type: SCHEDULED_MEETING,
    start_time: isoSeconds(meeting.start),
    duration: meeting.durationMinutes,
    timezone: meeting.timeZone,
  });
  const response = await sendWithToken(
    zoomTokens(config, cache, now),
    (token) =>
      fetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
        },
        body,
      }),
  );
  const reply = await expectReply("zoom", response, meetingReply);
  return { id: reply.id, joinUrl: reply.join_url, startUrl: reply.start_url };
}

function zoomTokens(config: ZoomConfig, cache: TokenCache, now: number) {
  return tokenSource("zoom", cache, now, () => {
    const query = new URLSearchParams({
      grant_type: "account_credentials",
      account_id: config.accountId,
    });
    const url = `${endpoint(config.oauthBaseUrl ?? ZOOM_DEFAULT_OAUTH_BASE_URL, "/oauth/token")}?${query}`;
    return fetch(url, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${config.clientId}:${config.clientSecret}`)}`,
      },
    });
  });
}
