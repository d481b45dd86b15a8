// GET /api/health: is the app up, and can it reach its Convex deployment?
// 200 when Convex answers, 503 when it does not, so load balancers and
// `npm start` users read one status code.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// A deployment answers /version in milliseconds; past this it is down for us.
const PROBE_TIMEOUT_MS = 2_000;

type ConvexHealth = {
  reachable: boolean;
  url: string | null;
  latencyMs: number | null;
  error?: string;
};

export async function GET(): Promise<Response> {
  const convex = await probeConvex(process.env.NEXT_PUBLIC_CONVEX_URL);
  return Response.json(
    { status: convex.reachable ? "ok" : "degraded", app: "ok", convex },
    {
      status: convex.reachable ? 200 : 503,
      headers: { "cache-control": "no-store" },
    },
  );
}

// `GET <deployment>/version` is answered by Convex cloud, a self-hosted
// backend and local/ alike, and runs no app function.
async function probeConvex(url: string | undefined): Promise<ConvexHealth> {
  if (!url)
    return {
      reachable: false,
      url: null,
      latencyMs: null,
      error: "NEXT_PUBLIC_CONVEX_URL is not set",
    };
  const started = performance.now();
  try {
    const response = await fetch(new URL("/version", url), {
      cache: "no-store",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const latencyMs = Math.round(performance.now() - started);
    await response.body?.cancel();
    return response.ok
      ? { reachable: true, url, latencyMs }
      : { reachable: false, url, latencyMs, error: `HTTP ${response.status}` };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    return {
      reachable: false,
      url,
      latencyMs: null,
      error: timedOut
        ? `no answer within ${PROBE_TIMEOUT_MS} ms`
        : String(error),
    };
  }
}
