/**
 * Prometheus text exposition format (version 0.0.4): HELP and TYPE lines,
 * escaped label values, histograms with cumulative `le` buckets, `_sum` and
 * `_count`. Names follow the conventions: snake_case, `_total` on counters,
 * base units (seconds).
 */
export type Labels = Record<string, string>;

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: { labels?: Labels; value: number }[] }
  | {
      name: string;
      help: string;
      type: "histogram";
      /** Upper bounds, ascending, without +Inf. */
      buckets: number[];
      series: { labels?: Labels; counts: number[]; sum: number; count: number }[];
    };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}
function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}
function formatValue(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}
function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  for (const [k] of pairs) if (!LABEL.test(k)) throw new Error(`Invalid Prometheus label name: ${k}`);
  return `{${pairs.map(([k, val]) => `${k}="${escapeLabel(val)}"`).join(",")}}`;
}

export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`Invalid Prometheus metric name: ${f.name}`);
    if (f.type === "counter" && !f.name.endsWith("_total")) throw new Error(`Counter ${f.name} must end in _total`);
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const s of f.series) {
        let cumulative = 0;
        f.buckets.forEach((le, i) => {
          cumulative += s.counts[i] ?? 0;
          lines.push(`${f.name}_bucket${labelText(s.labels, ["le", formatValue(le)])} ${cumulative}`);
        });
        lines.push(`${f.name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count}`);
        lines.push(`${f.name}_sum${labelText(s.labels)} ${formatValue(s.sum)}`);
        lines.push(`${f.name}_count${labelText(s.labels)} ${s.count}`);
      }
    } else {
      for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
