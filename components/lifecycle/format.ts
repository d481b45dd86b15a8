// Words and numbers for the lifecycle panels.

/** "1.2 MB", "340 kB", "87 B". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1_000_000_000).toFixed(2)} GB`;
}

const ARCHIVE_REASONS: Record<string, string> = {
  age: "older than the archive age",
  inactivity: "inactive",
  resolved_quiet: "resolved and quiet",
  manual: "archived by an operator",
};

export function archiveReasonLabel(reason: string): string {
  return ARCHIVE_REASONS[reason] ?? reason;
}

const JOB_LABELS: Record<string, string> = {
  cleanup: "Retention cleanup",
  archive: "Archive sweep",
  stats: "Database stats",
  autoResolve: "Auto-resolve",
  metadata: "Metadata labelling",
};

export function jobLabel(kind: string): string {
  return JOB_LABELS[kind] ?? kind;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export function slotLabel(slot: { hour: number; weekday?: number }): string {
  const time = `${String(slot.hour).padStart(2, "0")}:00`;
  return slot.weekday === undefined ? `daily at ${time}` : `${WEEKDAYS[slot.weekday]}s at ${time}`;
}
