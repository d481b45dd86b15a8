// Which meeting integrations are on, decided from environment variables the
// caller reads (lib/ never touches process.env). The result always names its
// mode, so replies, logs and the dashboard can say which calendar is in use.
import type { GoogleCalendarConfig, GoogleCredentials } from "./googleCalendar";
import type { ZoomConfig } from "./zoom";

export const ZOOM_ACCOUNT_ID = "ZOOM_ACCOUNT_ID";
export const ZOOM_CLIENT_ID = "ZOOM_CLIENT_ID";
export const ZOOM_CLIENT_SECRET = "ZOOM_CLIENT_SECRET";
export const ZOOM_API_BASE_URL = "ZOOM_API_BASE_URL";
export const ZOOM_OAUTH_BASE_URL = "ZOOM_OAUTH_BASE_URL";
export const GOOGLE_CALENDAR_ID = "GOOGLE_CALENDAR_ID";
export const GOOGLE_SERVICE_ACCOUNT_EMAIL = "GOOGLE_SERVICE_ACCOUNT_EMAIL";
export const GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY =
  "GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY";
export const GOOGLE_CLIENT_ID = "GOOGLE_CLIENT_ID";
export const GOOGLE_CLIENT_SECRET = "GOOGLE_CLIENT_SECRET";
export const GOOGLE_REFRESH_TOKEN = "GOOGLE_REFRESH_TOKEN";
export const GOOGLE_TOKEN_URL = "GOOGLE_TOKEN_URL";
export const GOOGLE_CALENDAR_API_BASE_URL = "GOOGLE_CALENDAR_API_BASE_URL";

export type MeetingMode = "zoom+google" | "zoom" | "google" | "builtin";

export type MeetingConfig = {
  mode: MeetingMode;
  /** One line for operators: where slots come from and what a booking creates. */
  label: string;
  zoom: ZoomConfig | null;
  google: GoogleCalendarConfig | null;
  /** Half-configured integrations, named so a missing variable is not a silent fallback. */
  warnings: string[];
};

export const MEETING_MODE_LABELS: Record<MeetingMode, string> = {
  "zoom+google":
    "Zoom + Google Calendar: free slots from Google free/busy; bookings become Google events with a Zoom link",
  zoom: "Zoom + built-in calendar: free slots from working hours and bookings stored here; each booking gets a Zoom link",
  google:
    "Google Calendar: free slots from Google free/busy; bookings become Google events (no video link)",
  builtin:
    "Built-in calendar: free slots from working hours and bookings stored here; no external accounts",
};

// The user's own calendar; what a refresh token most often means.
const DEFAULT_CALENDAR_ID = "primary";

export function meetingConfigFromEnv(
  env: Record<string, string | undefined>,
): MeetingConfig {
  const read = (name: string) => env[name]?.trim() || undefined;
  const warnings: string[] = [];

  const zoom = complete(
    [ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET],
    read,
    "Zoom",
    warnings,
  );
  const serviceAccount = complete(
    [GOOGLE_SERVICE_ACCOUNT_EMAIL, GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY],
    read,
    "the Google service account",
    warnings,
  );
  const refreshToken = complete(
    [GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REFRESH_TOKEN],
    read,
    "the Google refresh token",
    warnings,
  );
  if (serviceAccount && refreshToken) {
    warnings.push(
      "Both a Google service account and a refresh token are set; using the service account.",
    );
  }

  const credentials: GoogleCredentials | null = serviceAccount
    ? {
        kind: "serviceAccount",
        clientEmail: serviceAccount[GOOGLE_SERVICE_ACCOUNT_EMAIL],
        privateKeyPem: serviceAccount[GOOGLE_SERVICE_ACCOUNT_PRIVATE_KEY],
      }
    : refreshToken
      ? {
          kind: "refreshToken",
          clientId: refreshToken[GOOGLE_CLIENT_ID],
          clientSecret: refreshToken[GOOGLE_CLIENT_SECRET],
          refreshToken: refreshToken[GOOGLE_REFRESH_TOKEN],
        }
      : null;
  if (credentials?.kind === "serviceAccount" && !read(GOOGLE_CALENDAR_ID)) {
    // A service account's own "primary" calendar is one nobody looks at.
    warnings.push(
      `${GOOGLE_CALENDAR_ID} is not set, so events go to the service account's own calendar; share a calendar with it and set its id.`,
    );
  }

  const zoomConfig: ZoomConfig | null = zoom && {
    accountId: zoom[ZOOM_ACCOUNT_ID],
    clientId: zoom[ZOOM_CLIENT_ID],
    clientSecret: zoom[ZOOM_CLIENT_SECRET],
    apiBaseUrl: read(ZOOM_API_BASE_URL),
    oauthBaseUrl: read(ZOOM_OAUTH_BASE_URL),
  };
  const googleConfig: GoogleCalendarConfig | null = credentials && {
    calendarId: read(GOOGLE_CALENDAR_ID) ?? DEFAULT_CALENDAR_ID,
    credentials,
    tokenUrl: read(GOOGLE_TOKEN_URL),
    apiBaseUrl: read(GOOGLE_CALENDAR_API_BASE_URL),
  };

  const mode: MeetingMode =
    zoomConfig && googleConfig
      ? "zoom+google"
      : zoomConfig
        ? "zoom"
        : googleConfig
          ? "google"
          : "builtin";
  return {
    mode,
    label: MEETING_MODE_LABELS[mode],
    zoom: zoomConfig,
    google: googleConfig,
    warnings,
  };
}

/**
 * The named variables' values when all are set; null when none or only some
 * are, with a warning in the latter case.
 */
function complete<Name extends string>(
  names: Name[],
  read: (name: string) => string | undefined,
  what: string,
  warnings: string[],
): Record<Name, string> | null {
  const missing = names.filter((name) => !read(name));
  if (missing.length === names.length) return null;
  if (missing.length > 0) {
    warnings.push(
      `${what} is off: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing.`,
    );
    return null;
  }
  return Object.fromEntries(names.map((name) => [name, read(name)])) as Record<
    Name,
    string
  >;
}
