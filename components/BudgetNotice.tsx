"use client";

import { useQuery } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "@/convex/_generated/api";
import { MINUTE } from "@/lib/time";

/** Shown to operators while the web chat's model-call budget is used up. */
export function BudgetNotice() {
  // The query takes the minute as an argument (no clock inside queries).
  const [minute, setMinute] = useState(() => Date.now() - (Date.now() % MINUTE));
  useEffect(() => {
    const timer = setInterval(() => setMinute(Date.now() - (Date.now() % MINUTE)), 10_000);
    return () => clearInterval(timer);
  }, []);
  const budget = useQuery(api.webchat.budget, { now: minute });
  if (!budget?.reached) return null;
  const which = budget.minute.used >= budget.minute.limit ? "this minute's" : "today's";
  return (
    <div className="notice warn" role="alert" data-testid="budget-notice">
      Web chat budget reached: {which} model calls are used up ({budget.minute.used}/{budget.minute.limit} this
      minute, {budget.day.used}/{budget.day.limit} today). Visitors are asked to come back later; raise the limits in
      Settings.
    </div>
  );
}
