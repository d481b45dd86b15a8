// Messenger (Facebook Page) webhook: GET answers Meta's subscription check, POST takes events.
// The pipeline lives in lib/webhooks; this file only mounts it.
import { messengerWebhook } from "@/lib/webhooks/channels";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const GET = messengerWebhook.GET;
export const POST = messengerWebhook.POST;
