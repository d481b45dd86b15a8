/**
 * Splits a reply into parts a platform accepts, cutting where a reader
 * would: between paragraphs, then lines, then sentences, then words, and
 * only as a last resort inside a word (never inside a character).
 */

/** How a platform measures its text limit. */
export type TextLimit = {
  max: number;
  /** "chars" counts UTF-16 units (what JS `length` gives, never fewer than the platform's characters). */
  unit: "chars" | "utf8-bytes";
};

const encoder = new TextEncoder();

export function textSize(text: string, unit: TextLimit["unit"]): number {
  return unit === "chars" ? text.length : encoder.encode(text).length;
}

// Coarse to fine. Each level keeps its separator when pieces are packed again.
const LEVELS: { split: RegExp; join: string }[] = [
  { split: /\n[ \t]*\n\s*/, join: "\n\n" }, // paragraphs
  { split: /\n/, join: "\n" }, // lines, e.g. list items
  { split: /(?<=[.!?…。！？])\s+/, join: " " }, // sentences, punctuation kept
  { split: /\s+/, join: " " }, // words
];

export function splitText(text: string, limit: TextLimit): string[] {
  const size = (s: string) => textSize(s, limit.unit);
  const trimmed = text.trim();
  if (trimmed === "") return [];

  const splitAt = (piece: string, level: number): string[] => {
    if (size(piece) <= limit.max) return [piece];
    if (level === LEVELS.length) return hardCut(piece, limit.max, size);
    const { split, join } = LEVELS[level]!;
    const parts: string[] = [];
    let current = "";
    for (const chunk of piece.split(split)) {
      if (chunk === "") continue;
      // A chunk too big on its own is split finer; its pieces are already packed
      // as tightly as they fit, so they never merge with each other here.
      for (const sub of size(chunk) > limit.max ? splitAt(chunk, level + 1) : [chunk]) {
        const candidate = current === "" ? sub : current + join + sub;
        if (size(candidate) <= limit.max) {
          current = candidate;
        } else {
          parts.push(current);
          current = sub;
        }
      }
    }
    if (current !== "") parts.push(current);
    return parts.map((part) => part.trim()).filter((part) => part !== "");
  };

  return splitAt(trimmed, 0);
}

/** Cuts an unbreakable run (a long URL, say) at code-point boundaries. */
function hardCut(text: string, max: number, size: (s: string) => number): string[] {
  const parts: string[] = [];
  let current = "";
  for (const char of text) {
    if (current !== "" && size(current + char) > max) {
      parts.push(current);
      current = "";
    }
    current += char;
  }
  if (current !== "") parts.push(current);
  return parts;
}
