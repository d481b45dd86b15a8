import { expect } from "vitest";
import { REFERENCES } from "../../lib/lifecycle/remap";
import { ARCHIVED_TABLES } from "../../lib/lifecycle/archive";
import type { Snapshot } from "./support";

/** Each restored row equals its original field by field, with references mapped to the new ids. */
export function expectRestoredExactly(before: Snapshot, after: Snapshot) {
  const newId = new Map<string, string>();
  for (const table of ARCHIVED_TABLES) {
    expect(after[table]).toHaveLength(before[table].length);
    before[table].forEach((row, i) => newId.set(row._id, after[table][i]._id));
  }
  for (const table of ARCHIVED_TABLES) {
    before[table].forEach((original, i) => {
      const { _id, _creationTime, ...fields } = original as unknown as Record<string, unknown>;
      const restored = { ...(after[table][i] as unknown as Record<string, unknown>) };
      expect(restored._id).not.toBe(_id);
      delete restored._id;
      delete restored._creationTime;
      void _creationTime;
      const expected: Record<string, unknown> = { ...fields };
      for (const field of Object.keys(REFERENCES[table])) {
        if (typeof expected[field] === "string") expected[field] = newId.get(expected[field] as string);
      }
      expect(restored).toEqual(expected);
    });
  }
}
