"use client";

import { useEffect, useState } from "react";

/** The clock for relative times ("waiting 4 m"), re-read every `everyMs` so lists age without new data. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
