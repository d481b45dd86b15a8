import { describe, expect, test } from "vitest";
import { csvCell, csvLines } from "../../lib/analytics/csv";
import { renderPrometheus } from "../../lib/analytics/prometheus";

describe("CSV", () => {
  test("a golden export: quoting, empty cells and numbers", () => {
    const rows = [
      { name: "Anna, from Berlin", said: 'She said "hi"\nthen left', score: -3, ok: true },
      { name: "Bob", said: "", score: null, ok: false },
    ];
    const text = [...csvLines(
      [
        { header: "name", cell: (r: (typeof rows)[number]) => r.name },
        { header: "said", cell: (r) => r.said },
        { header: "score", cell: (r) => r.score },
        { header: "ok", cell: (r) => r.ok },
      ],
      rows,
    )].join("");
    expect(text).toBe('name,said,score,ok\r\n"Anna, from Berlin","She said ""hi""\nthen left",-3,true\r\nBob,,,false\r\n');
  });

  test("cells a spreadsheet would run as a formula come out as text", () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell("+1 555")).toBe("'+1 555");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("a=b")).toBe("a=b");
  });
});

describe("Prometheus text format", () => {
  test("counters, gauges and a histogram render with escaped labels", () => {
    const text = renderPrometheus([
      { name: "burstreply_messages_total", help: "Messages by channel and direction.", type: "counter", samples: [{ labels: { channel: "telegram", direction: "in" }, value: 12 }] },
      { name: "burstreply_conversations_buffering", help: "Now buffering.", type: "gauge", samples: [{ labels: { note: 'a "b"\\c\n' }, value: 2 }] },
      { name: "burstreply_reply_seconds", help: "Reply time.", type: "histogram", buckets: [1, 5], series: [{ counts: [2, 1], sum: 9.5, count: 4 }] },
    ]);
    expect(text).toBe(
      [
        "# HELP burstreply_messages_total Messages by channel and direction.",
        "# TYPE burstreply_messages_total counter",
        'burstreply_messages_total{channel="telegram",direction="in"} 12',
        "# HELP burstreply_conversations_buffering Now buffering.",
        "# TYPE burstreply_conversations_buffering gauge",
        'burstreply_conversations_buffering{note="a \\"b\\"\\\\c\\n"} 2',
        "# HELP burstreply_reply_seconds Reply time.",
        "# TYPE burstreply_reply_seconds histogram",
        'burstreply_reply_seconds_bucket{le="1"} 2',
        'burstreply_reply_seconds_bucket{le="5"} 3',
        'burstreply_reply_seconds_bucket{le="+Inf"} 4',
        "burstreply_reply_seconds_sum 9.5",
        "burstreply_reply_seconds_count 4",
        "",
      ].join("\n"),
    );
  });

  test("a counter without _total is refused", () => {
    expect(() => renderPrometheus([{ name: "messages", help: "x", type: "counter", samples: [] }])).toThrow(/_total/);
  });
});
