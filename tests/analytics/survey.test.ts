import { describe, expect, test } from "vitest";
import { chooseSurvey, npsScore, parseSurveyAnswer, surveyLanguage } from "../../lib/analytics/survey";
import { DAY } from "../../lib/time";

describe("a customer's reply to a CSAT question", () => {
  test.each([
    ["5", { rating: 5 }],
    [" 4 ", { rating: 4 }],
    ["5/5", { rating: 5 }],
    ["4 out of 5", { rating: 4 }],
    ["3 из 5", { rating: 3 }],
    ["five", { rating: 5 }],
    ["Пять", { rating: 5 }],
    ["пятёрка!", { rating: 5 }],
    ["ставлю 4", { rating: 4 }],
    ["оценка: 2", { rating: 2 }],
    ["I'd give 5", { rating: 5 }],
    ["5 stars", { rating: 5 }],
    ["5 звёзд", { rating: 5 }],
    ["4️⃣", { rating: 4 }],
    ["⭐⭐⭐⭐", { rating: 4 }],
    ["⭐️⭐️⭐️", { rating: 3 }],
    ["😍", { rating: 5 }],
    ["😡 never again", { rating: 1, comment: "never again" }],
    ["5, thanks a lot!", { rating: 5, comment: "thanks a lot!" }],
    ["2 — долго ждал ответа", { rating: 2, comment: "долго ждал ответа" }],
    ["csat:3", { rating: 3 }],
    ["3 (csat:3)", { rating: 3 }], // a Messenger quick reply: title and payload
  ])("%j reads as %j", (text, expected) => {
    expect(parseSurveyAnswer(text, "csat")).toEqual(expected);
  });

  test.each([
    "7", // out of a 1–5 scale
    "0",
    "8/10", // another scale: not rescaled
    "2 more questions?",
    "Do you have size 5?",
    "12345 is my order number",
    "4.5",
    "5pairs",
    "hello",
    "",
    "nps:9", // a tap on the other survey's button
    "🔟",
  ])("%j is not an answer", (text) => {
    expect(parseSurveyAnswer(text, "csat")).toBeNull();
  });
});

describe("a customer's reply to an NPS question", () => {
  test.each([
    ["10", { rating: 10 }],
    ["0", { rating: 0 }],
    ["9/10", { rating: 9 }],
    ["🔟", { rating: 10 }],
    ["восемь", { rating: 8 }],
    ["десять, всем советую", { rating: 10, comment: "всем советую" }],
    ["nps:6", { rating: 6 }],
  ])("%j reads as %j", (text, expected) => {
    expect(parseSurveyAnswer(text, "nps")).toEqual(expected);
  });

  test.each(["11", "⭐⭐⭐", "😍", "4/5", "csat:5"])("%j is not an answer", (text) => {
    expect(parseSurveyAnswer(text, "nps")).toBeNull();
  });
});

describe("which survey and language", () => {
  const on = { csatSurveyEnabled: true, npsSurveyEnabled: true, npsIntervalDays: 90 };
  const now = 1_000 * DAY;
  test("NPS once per interval per contact, CSAT otherwise; both off by default means none", () => {
    expect(chooseSurvey(on, undefined, now)).toBe("nps");
    expect(chooseSurvey(on, now - 10 * DAY, now)).toBe("csat");
    expect(chooseSurvey(on, now - 90 * DAY, now)).toBe("nps");
    expect(chooseSurvey({ ...on, csatSurveyEnabled: false }, now - 10 * DAY, now)).toBeNull();
    expect(chooseSurvey({ ...on, npsSurveyEnabled: false }, undefined, now)).toBe("csat");
    expect(chooseSurvey({ ...on, csatSurveyEnabled: false, npsSurveyEnabled: false }, undefined, now)).toBeNull();
  });

  test("Russian for a Cyrillic last message, English otherwise", () => {
    expect(surveyLanguage("Спасибо, всё понятно")).toBe("ru");
    expect(surveyLanguage("ok спасибо большое")).toBe("ru");
    expect(surveyLanguage("Thanks!")).toBe("en");
    expect(surveyLanguage("👍")).toBe("en");
    expect(surveyLanguage(undefined)).toBe("en");
  });

  test("NPS is % promoters minus % detractors", () => {
    expect(npsScore([])).toBeNull();
    expect(npsScore([{ rating: 10, count: 5 }, { rating: 8, count: 3 }, { rating: 3, count: 2 }])).toBe(30);
    expect(npsScore([{ rating: 6, count: 1 }])).toBe(-100);
  });
});

describe("the answers chart's numbers from rating sketches", () => {
  test("bins within 1 % round back to ratings; CSAT averages, NPS nets promoters against detractors", async () => {
    const { satisfactionSummary } = await import("../../lib/analytics/survey");
    const { Sketch: DDSketch } = await import("../../lib/analytics/sketch");
    const csat = new DDSketch();
    for (const r of [5, 5, 4, 1]) csat.add(r);
    const nps = new DDSketch();
    for (const r of [10, 9, 7, 0]) nps.add(r);
    const summary = satisfactionSummary(csat.histogram(), nps.histogram());
    expect(summary.csat).toEqual({ count: 4, average: 3.75 });
    expect(summary.nps).toEqual({ count: 4, score: 25 });
    expect(summary.rows).toHaveLength(11);
    expect(summary.rows.find((r) => r.rating === "5")).toEqual({ rating: "5", CSAT: 2, NPS: 0 });
    expect(summary.rows.find((r) => r.rating === "0")).toEqual({ rating: "0", CSAT: 0, NPS: 1 });
    expect(satisfactionSummary(csat.histogram(), []).rows.map((r) => r.rating)).toEqual(["1", "2", "3", "4", "5"]);
    expect(satisfactionSummary([], []).rows).toEqual([]);
  });
});

test("a survey's buttons carry payloads the parser reads back", async () => {
  const { surveyChoices } = await import("../../lib/analytics/survey");
  expect(surveyChoices("csat").map((c) => c.label)).toEqual(["1", "2", "3", "4", "5"]);
  expect(surveyChoices("nps")).toHaveLength(11);
  for (const kind of ["csat", "nps"] as const) {
    for (const choice of surveyChoices(kind)) expect(parseSurveyAnswer(choice.payload, kind)?.rating).toBe(Number(choice.label));
  }
});
