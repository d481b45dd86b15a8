// When a conversation is resolved or archived by itself, and which archives
// retention deletes. Pure: the conversation's facts and `now` are passed in.
import { DAY } from "../time";

export type LifecycleSettings = {
  /** 0 turns automatic resolving off. */
  autoResolveAfterMs: number;
  /** Created longer ago than this: archived (0: never by age). */
  archiveAfterDays: number;
  /** No message for this long: archived (0: never by inactivity). */
  archiveInactiveAfterDays: number;
  /** Resolved and quiet this long: archived (0: never for this reason). */
  archiveResolvedQuietDays: number;
  /** Archives older than this are deleted with their blobs (0: kept forever). */
  archiveRetentionDays: number;
};

export type ConversationFacts = {
  createdAt: number;
  lastMessageAt: number;
  status: "open" | "resolved";
  resolvedAt?: number;
  archived: boolean;
  /** Buffering, processing, takeover, flagged for a human, pending follow-ups or upcoming meetings. */
  busy: boolean;
};

export type ArchiveReason = "age" | "inactivity" | "resolved_quiet" | "manual";

/**
 * Why this conversation should be archived now, or null. A busy one never
 * is: its rows are still moving. Inactivity outranks age because it is the
 * stronger signal that nobody will look again.
 */
export function archiveReason(facts: ConversationFacts, now: number, settings: LifecycleSettings): ArchiveReason | null {
  if (facts.archived || facts.busy) return null;
  const quietFor = now - facts.lastMessageAt;
  if (settings.archiveInactiveAfterDays > 0 && quietFor > settings.archiveInactiveAfterDays * DAY) return "inactivity";
  if (
    settings.archiveResolvedQuietDays > 0 &&
    facts.status === "resolved" &&
    now - Math.max(facts.resolvedAt ?? 0, facts.lastMessageAt) > settings.archiveResolvedQuietDays * DAY
  ) {
    return "resolved_quiet";
  }
  if (settings.archiveAfterDays > 0 && now - facts.createdAt > settings.archiveAfterDays * DAY) return "age";
  return null;
}

/**
 * Cut-off for the archive sweep's index scan: nothing whose last message is
 * newer than this can qualify by inactivity or resolved-quiet (age alone
 * needs no message time but the sweep still walks oldest activity first).
 */
export function archiveScanBefore(now: number, settings: LifecycleSettings): number {
  const days = [settings.archiveInactiveAfterDays, settings.archiveResolvedQuietDays, settings.archiveAfterDays].filter((d) => d > 0);
  if (days.length === 0) return -Infinity;
  return now - Math.min(...days) * DAY;
}

/** An open conversation quiet for `autoResolveAfterMs` is resolved by itself. */
export function autoResolveDue(facts: Pick<ConversationFacts, "status" | "lastMessageAt" | "busy" | "archived">, now: number, settings: Pick<LifecycleSettings, "autoResolveAfterMs">): boolean {
  if (settings.autoResolveAfterMs <= 0 || facts.status !== "open" || facts.busy || facts.archived) return false;
  return now - facts.lastMessageAt >= settings.autoResolveAfterMs;
}

/** Archives made before this are past retention; null when retention is off. */
export function retentionCutoff(now: number, settings: Pick<LifecycleSettings, "archiveRetentionDays">): number | null {
  return settings.archiveRetentionDays > 0 ? now - settings.archiveRetentionDays * DAY : null;
}

/** The cleanup job's phases, in the order it runs them (convex/lifecycle/cleanup.ts). */
export const CLEANUP_PHASES = ["archives", "messages", "batches", "scheduledActions", "meetings", "readMarkers", "blobs"] as const;
export type CleanupPhase = (typeof CLEANUP_PHASES)[number];

/** One run's overrides (the HTTP API's `config`): only these phases; another archive retention than the setting's. */
export type CleanupConfig = { phases?: CleanupPhase[]; archiveRetentionDays?: number };

/** The first phase at or after `from` that the config runs, or null when none is left. */
export function nextCleanupPhase(config: CleanupConfig | undefined, afterIndex: number): CleanupPhase | null {
  for (let i = afterIndex + 1; i < CLEANUP_PHASES.length; i++) {
    const phase = CLEANUP_PHASES[i]!;
    if (!config?.phases || config.phases.includes(phase)) return phase;
  }
  return null;
}
