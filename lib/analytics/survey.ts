/**
 * CSAT and NPS surveys: which one a resolved conversation gets, in which
 * language, and reading the customer's answer. Pure; time is passed in.
 *
 * An answer is read strictly, because a message read as a rating is not
 * answered by the bot: the whole reply must be a rating (a number, a
 * number word, keycap digits, stars or a face) optionally followed by a
 * comment. A question ("2 more questions?") or a number out of the
 * survey's scale is not an answer, and the message is handled as usual.
 */
import { DAY } from "../time";

export type SurveyKind = "csat" | "nps";
export type SurveyLanguage = "en" | "ru";

export const SURVEY_SCALES: Record<SurveyKind, { min: number; max: number }> = {
  csat: { min: 1, max: 5 },
  nps: { min: 0, max: 10 },
};

/** After this long an unanswered survey lapses: a later "5" is a message like any other. */
export const SURVEY_ANSWER_WINDOW_MS = 1 * DAY;

/** Comments longer than this are cut (an event's metadata, not a transcript). */
export const MAX_COMMENT_CHARS = 500;

export type SurveySettings = { csatSurveyEnabled: boolean; npsSurveyEnabled: boolean; npsIntervalDays: number };

/**
 * The survey a conversation gets when it is resolved: NPS when it is on and
 * the contact was not asked within `npsIntervalDays` (it replaces CSAT that
 * time, so a customer never gets two questions at once), else CSAT when on.
 */
export function chooseSurvey(settings: SurveySettings, lastNpsAt: number | undefined, now: number): SurveyKind | null {
  if (settings.npsSurveyEnabled && (lastNpsAt === undefined || now - lastNpsAt >= settings.npsIntervalDays * DAY)) return "nps";
  return settings.csatSurveyEnabled ? "csat" : null;
}

/** Russian when the customer's latest text is mostly Cyrillic, else English. */
export function surveyLanguage(text: string | undefined): SurveyLanguage {
  const letters = (text ?? "").match(/\p{L}/gu) ?? [];
  const cyrillic = letters.filter((c) => /[\u0400-\u04FF]/.test(c)).length;
  return letters.length > 0 && cyrillic * 2 >= letters.length ? "ru" : "en";
}

export type SurveyAnswer = { rating: number; comment?: string };

const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  ноль: 0, один: 1, одна: 1, единица: 1, единичка: 1, кол: 1, два: 2, две: 2, двойка: 2, три: 3, тройка: 3,
  четыре: 4, четвёрка: 4, четверка: 4, пять: 5, пятёрка: 5, пятерка: 5, шесть: 6, семь: 7, восемь: 8,
  девять: 9, десять: 10,
};

/** Faces on a 1–5 scale (CSAT only). */
const FACES: [string[], number][] = [
  [["😡", "😠", "🤬"], 1],
  [["😞", "🙁", "☹️", "☹", "😟"], 2],
  [["😐", "😑"], 3],
  [["🙂", "😊"], 4],
  [["😍", "🤩", "😃", "😄", "😁", "🥰"], 5],
];

const PREFIX =
  /^(?:(?:my\s+)?(?:rating|score|grade)(?:\s+is)?|i(?:'d| would)?\s+(?:give|rate)(?:\s+(?:it|you|this))?|оценка|оцениваю(?:\s+на)?|ставлю|моя\s+оценка)\s*[:\-–—]?\s*/iu;
const SCALE_SUFFIX = /^\s*(?:\/|out\s+of|of|из)\s*(\d{1,2})/iu;
const UNIT_SUFFIX = /^\s*(?:stars?|points?|звёзд[аы]?|звезд[аы]?|звёздочк[аи]?|звездочк[аи]?|балл(?:а|ов)?)(?=$|[\s,.;:!)\-–—])/iu;
const SEPARATOR = /^[\s,.;:!)\-–—]*/u;

/**
 * Reads a reply to a survey of `kind`. Returns the rating and the comment
 * after it, or null when the reply is not an answer.
 */
export function parseSurveyAnswer(text: string, kind: SurveyKind): SurveyAnswer | null {
  const scale = SURVEY_SCALES[kind];
  // Keycap digits ("5️⃣") and 🔟 become plain numbers; the button payload form is "csat:5".
  let rest = text
    .normalize("NFC")
    .replace(/([0-9])\uFE0F?\u20E3/gu, "$1")
    .replace(/🔟/gu, "10")
    .trim();
  // A button's payload; Meta quick replies and WhatsApp button/list replies arrive as
  // "title (payload)" (lib/webhooks/normalize.ts buttonText); a WhatsApp row title holds 24 characters.
  const payload = /^(?:[^()\n]{1,24}\s+\()?(csat|nps):(\d{1,2})\)?$/i.exec(rest);
  if (payload) {
    const rating = Number(payload[2]);
    return payload[1]!.toLowerCase() === kind && inScale(rating, scale) ? { rating } : null;
  }
  if (rest.length === 0 || rest.includes("?")) return null;

  let rating: number | null = null;
  const stars = /^(?:[⭐★]\uFE0F?\s*){1,5}/u.exec(rest);
  const face = FACES.find(([faces]) => faces.some((f) => rest.startsWith(f)));
  if (stars && kind === "csat") {
    rating = (stars[0].match(/[⭐★]/gu) ?? []).length;
    rest = rest.slice(stars[0].length);
  } else if (face && kind === "csat") {
    const match = face[0].find((f) => rest.startsWith(f))!;
    rating = face[1];
    rest = rest.slice(match.length);
  } else {
    rest = rest.replace(PREFIX, "");
    const digits = /^(\d{1,2})(?![\d.,]\d)/u.exec(rest);
    const word = /^(\p{L}+)/u.exec(rest);
    if (digits) {
      rating = Number(digits[1]);
      rest = rest.slice(digits[0].length);
    } else if (word && NUMBER_WORDS[word[1]!.toLowerCase()] !== undefined) {
      rating = NUMBER_WORDS[word[1]!.toLowerCase()]!;
      rest = rest.slice(word[0].length);
    } else {
      return null;
    }
    const outOf = SCALE_SUFFIX.exec(rest);
    if (outOf) {
      if (Number(outOf[1]) !== scale.max) return null; // "8/10" to a 1–5 question: not ours to rescale
      rest = rest.slice(outOf[0].length);
    }
    rest = rest.replace(UNIT_SUFFIX, "");
    // A rating must stand apart from what follows ("5pairs" is not a rating).
    if (rest.length > 0 && !/^[\s,.;:!)\-–—]/u.test(rest)) return null;
  }
  if (rating === null || !inScale(rating, scale)) return null;
  const comment = rest.replace(SEPARATOR, "").trim().slice(0, MAX_COMMENT_CHARS);
  return comment.length >= 2 ? { rating, comment } : { rating };
}

function inScale(rating: number, scale: { min: number; max: number }) {
  return Number.isInteger(rating) && rating >= scale.min && rating <= scale.max;
}

/** NPS class of a 0–10 rating. */
export function npsClass(rating: number): "promoter" | "passive" | "detractor" {
  return rating >= 9 ? "promoter" : rating >= 7 ? "passive" : "detractor";
}

/** NPS from counts: % promoters minus % detractors, −100…100; null with no answers. */
export function npsScore(ratings: { rating: number; count: number }[]): number | null {
  let total = 0;
  let net = 0;
  for (const { rating, count } of ratings) {
    total += count;
    const c = npsClass(rating);
    if (c === "promoter") net += count;
    else if (c === "detractor") net -= count;
  }
  return total === 0 ? null : Math.round((net / total) * 1000) / 10;
}

export type PendingSurvey = { kind: SurveyKind; sentAt: number };

/**
 * A customer message while a survey waits: the answer (kind, rating,
 * comment) when the message reads as one within the answer window, else
 * null (the message is an ordinary one and the survey lapses).
 */
export function surveyAnswerFor(
  pending: PendingSurvey | undefined,
  text: string,
  now: number,
): (SurveyAnswer & { kind: SurveyKind }) | null {
  if (!pending || now - pending.sentAt > SURVEY_ANSWER_WINDOW_MS) return null;
  const answer = parseSurveyAnswer(text, pending.kind);
  return answer ? { kind: pending.kind, ...answer } : null;
}

export type SurveyTexts = { csatQuestionEn: string; csatQuestionRu: string; npsQuestionEn: string; npsQuestionRu: string };

export function surveyQuestion(texts: SurveyTexts, kind: SurveyKind, language: SurveyLanguage): string {
  if (kind === "csat") return language === "ru" ? texts.csatQuestionRu : texts.csatQuestionEn;
  return language === "ru" ? texts.npsQuestionRu : texts.npsQuestionEn;
}

/**
 * CSAT average, NPS and the rows of the answers chart (0–10 with NPS answers, else 1–5), from the ratings' sketches
 * (integer ratings land in distinct bins, so rounding recovers them).
 */
export function satisfactionSummary(csatBins: { value: number; count: number }[], npsBins: { value: number; count: number }[]) {
  const csat = new Map<number, number>();
  const nps = new Map<number, number>();
  for (const b of csatBins) csat.set(Math.round(b.value), (csat.get(Math.round(b.value)) ?? 0) + b.count);
  for (const b of npsBins) nps.set(Math.round(b.value), (nps.get(Math.round(b.value)) ?? 0) + b.count);
  const csatCount = [...csat.values()].reduce((a, b) => a + b, 0);
  const csatSum = [...csat].reduce((a, [r, c]) => a + r * c, 0);
  const npsList = [...nps].map(([rating, count]) => ({ rating, count }));
  const rows =
    csatCount + npsList.length === 0
      ? []
      : Array.from({ length: 11 }, (_, rating) => ({ rating: String(rating), CSAT: csat.get(rating) ?? 0, NPS: nps.get(rating) ?? 0 })).filter(
          (row) => Number(row.rating) >= (npsList.length ? 0 : 1) && Number(row.rating) <= (npsList.length ? 10 : 5),
        );
  return {
    rows,
    csat: { count: csatCount, average: csatCount ? csatSum / csatCount : null },
    nps: { count: npsList.reduce((a, r) => a + r.count, 0), score: npsScore(npsList) },
  };
}

/** A button under a message: its label and what a tap sends back. */
export type Choice = { label: string; payload: string };

/** The survey's native buttons: 1–5 for CSAT, 0–10 for NPS; a tap sends `csat:N` / `nps:N`, which `parseSurveyAnswer` reads. */
export function surveyChoices(kind: SurveyKind): Choice[] {
  const { min, max } = SURVEY_SCALES[kind];
  return Array.from({ length: max - min + 1 }, (_, i) => ({ label: String(min + i), payload: `${kind}:${min + i}` }));
}
