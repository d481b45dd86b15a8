// Instagram DMs webhook: GET answers Meta's subscription check, POST takes events.
// The pipeline lives in lib/webhooks; this file only mounts it.
import { instagramWebhook } from "@/lib/webhooks/channels";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = instagramWebhook.GET;
export const POST = instagramWebhook.POST;
