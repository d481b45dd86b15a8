// The committed documents, parsed on first read.
//
// A snapshot of a million documents is half a gigabyte of JSON; parsing it
// all at start (and keeping a million objects the garbage collector must
// walk) took most of a minute on a shared 2-core machine. Here a document
// read from the snapshot stays the bytes of its line, in the pages the
// snapshot was read into, until something asks for it: a query reading it,
// an index search stepping on it, a commit replacing it. Documents written
// since (commits, the log's replay) are plain objects.
//
// convex-test sees this store as its `_documents` object (see `proxy()`),
// which it only indexes by id, assigns and deletes.
import { jsonToConvex, type JSONValue } from "convex/values";
import type { Doc } from "./indexStore.js";

/** A run of whole lines of a file, and where it starts in the file. */
export type Page = { start: number; bytes: Buffer };

export class DocumentStore {
  /** A parsed document, or the file offset of its line in `pages`. */
  private readonly entries = new Map<string, Doc | number>();
  private pages: Page[] = [];
  /** Documents parsed from a line and unchanged since (documents are replaced, never edited): the line's offset. */
  private readonly parsedFrom = new WeakMap<Doc, number>();
  private readonly view: Record<string, Doc>;

  constructor() {
    const get = (id: string | symbol) => (typeof id === "string" ? this.get(id) : undefined);
    this.view = new Proxy({} as Record<string, Doc>, {
      get: (_, id) => get(id),
      set: (_, id, doc: Doc) => {
        if (typeof id === "string") this.entries.set(id, doc);
        return true;
      },
      deleteProperty: (_, id) => {
        if (typeof id === "string") this.entries.delete(id);
        return true;
      },
      has: (_, id) => typeof id === "string" && this.entries.has(id),
      ownKeys: () => [...this.entries.keys()],
      getOwnPropertyDescriptor: (_, id) => {
        const value = get(id);
        return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
      },
    });
  }

  /** What convex-test holds as its `_documents`. */
  proxy(): Record<string, Doc> {
    return this.view;
  }

  /** The pages that lazy entries point into (kept for the life of the store). */
  setPages(pages: Page[]): void {
    this.pages = pages;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): IterableIterator<string> {
    return this.entries.keys();
  }

  get(id: string): Doc | undefined {
    const entry = this.entries.get(id);
    if (typeof entry !== "number") return entry;
    const doc = parseLine(this.line(entry));
    if (doc._id !== id) {
      throw new Error(`stored document ${id} reads back as ${String(doc._id)}: the runtime's memory is inconsistent`);
    }
    this.entries.set(id, doc);
    this.parsedFrom.set(doc, entry);
    return doc;
  }

  set(id: string, doc: Doc): void {
    this.entries.set(id, doc);
  }

  /** A document not parsed yet: its line starts at `offset` in the pages. */
  setUnparsed(id: string, offset: number): void {
    this.entries.set(id, offset);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /**
   * The document as stored now: the offset of its line (stable: pages never
   * change) while it is as it was read, else the parsed document.
   */
  entry(id: string): Doc | number | undefined {
    const entry = this.entries.get(id);
    return typeof entry === "object" ? (this.parsedFrom.get(entry) ?? entry) : entry;
  }

  /** The bytes of the line at `offset`, without its newline. */
  line(offset: number): Buffer {
    const pages = this.pages;
    let lo = 0;
    let hi = pages.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pages[mid].start <= offset) lo = mid;
      else hi = mid - 1;
    }
    const page = pages[lo];
    const at = offset - page.start;
    const end = page.bytes.indexOf(10, at);
    return page.bytes.subarray(at, end === -1 ? page.bytes.length : end);
  }
}

// convexToJson marks every value plain JSON cannot hold (int64, bytes, NaN,
// ±Infinity, -0) with a "$…" key; a line without one decodes to itself.
export function decodeDocument(line: string, json: unknown): Doc {
  return (line.includes('"$') ? jsonToConvex(json as JSONValue) : json) as Doc;
}

function parseLine(bytes: Buffer): Doc {
  const text = bytes.toString("utf8");
  return decodeDocument(text, JSON.parse(text));
}
