// GET /api/reports: a report over a span, JSON sections or streamed CSV (lib/api/reports.ts).
import { apiRoute } from "@/lib/api/handler";
import { getReport } from "@/lib/api/endpoints";
import { runReport } from "@/lib/api/reports";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = apiRoute(getReport, (context) => runReport(context, Date.now()));
