"use client";

import { useMutation } from "convex/react";
import type { FunctionReturnType } from "convex/server";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api } from "@/convex/_generated/api";
import type { Id } from "@/convex/_generated/dataModel";
import { errorMessage } from "../format";

type Thread = FunctionReturnType<typeof api.webchat.thread>;

/** A client message id; getRandomValues also works on plain-http origins, where randomUUID does not. */
function newClientMessageId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The web chat as a customer sees it. Sending never waits for the previous
 * message, so a burst can be typed as fast as a person types.
 */
export function ChatWindow({
  sessionId,
  thread,
  offlineReplies,
}: {
  sessionId: string;
  thread: Thread | undefined;
  /** Agent messages written by the offline responder, to label them. */
  offlineReplies: ReadonlySet<Id<"messages">>;
}) {
  const send = useMutation(api.webchat.send);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const logRef = useRef<HTMLDivElement>(null);

  const messageCount = thread?.messages.length ?? 0;
  const typing = thread?.typing ?? false;
  useEffect(() => {
    const log = logRef.current;
    if (log) log.scrollTop = log.scrollHeight;
  }, [messageCount, typing]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (text.trim() === "") return;
    setText("");
    setError(null);
    send({ sessionId, clientMessageId: newClientMessageId(), text }).catch((e: unknown) => setError(errorMessage(e)));
  }

  return (
    <section className="chat" aria-label="Web chat">
      <div className="chat-header">
        Chat with us
        <small>What a visitor sees on your site</small>
      </div>
      <div className="chat-log" ref={logRef} aria-live="polite">
        {thread === undefined && <p className="chat-empty">Connecting…</p>}
        {thread?.messages.length === 0 && <p className="chat-empty">Say hello. Try a few quick messages in a row.</p>}
        {thread?.messages.map((message) => (
          <Bubble
            key={message.id}
            message={message}
            offline={offlineReplies.has(message.id)}
            onChoice={(label) =>
              void send({ sessionId, clientMessageId: newClientMessageId(), text: label }).catch((e: unknown) => setError(errorMessage(e)))
            }
          />
        ))}
        {typing && (
          <div className="typing" data-testid="typing">
            typing…
          </div>
        )}
      </div>
      {error && (
        <p className="error-text chat-error" role="alert">
          {error}
        </p>
      )}
      <form className="chat-form" onSubmit={onSubmit}>
        <input
          type="text"
          aria-label="Message"
          placeholder="Write a message and press Enter"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
        />
        <button type="submit" className="primary" disabled={text.trim() === ""}>
          Send
        </button>
      </form>
    </section>
  );
}

function Bubble({ message, offline, onChoice }: { message: Thread["messages"][number]; offline: boolean; onChoice: (label: string) => void }) {
  return (
    <>
      <div className={`bubble ${message.author}`} data-author={message.author}>
        {message.text}
      </div>
      {message.choices && (
        <div className="toolbar" role="group" aria-label="Rating" data-testid="survey-choices">
          {message.choices.map((choice) => (
            <button key={choice.payload} type="button" onClick={() => onChoice(choice.label)}>
              {choice.label}
            </button>
          ))}
        </div>
      )}
      {offline && <div className="bubble-note">Offline responder answered (no ANTHROPIC_API_KEY set)</div>}
    </>
  );
}
