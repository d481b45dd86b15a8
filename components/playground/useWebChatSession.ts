"use client";

import { useMutation } from "convex/react";
import { useCallback, useEffect, useState } from "react";
import { api } from "@/convex/_generated/api";
import { errorMessage } from "../format";

// The session survives reloads, as a visitor's chat would on a real site.
const STORAGE_KEY = "burstreply.playground.sessionId";

/** The visitor's web chat session: restored from localStorage, or started fresh. */
export function useWebChatSession() {
  const startSession = useMutation(api.webchat.startSession);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const newSession = useCallback(async () => {
    try {
      const id = await startSession({});
      localStorage.setItem(STORAGE_KEY, id);
      setSessionId(id);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [startSession]);

  useEffect(() => {
    // localStorage exists only in the browser, hence an effect rather than initial state.
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored) setSessionId(stored);
    else void newSession();
  }, [newSession]);

  return { sessionId, newSession, error };
}
