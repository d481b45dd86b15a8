"use client";

import { useState } from "react";
import { errorMessage } from "./format";

/**
 * Runs an operator's mutation from a button or form: which one is running
 * (to disable and relabel buttons) and the last error, in words, to show.
 */
export function useOperatorAction<Which extends string = "run">() {
  const [busy, setBusy] = useState<Which | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function run(which: Which, action: () => Promise<unknown>): Promise<boolean> {
    setBusy(which);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(null);
    }
  }
  return { busy, error, run };
}
