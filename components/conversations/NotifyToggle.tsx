"use client";

import { useEffect, useState } from "react";
import { NOTIFY_KEY } from "../Nav";

/** Opt-in to a desktop notification when a conversation comes to need a human (the Nav raises it). */
export function NotifyToggle() {
  const [on, setOn] = useState(false);
  const [denied, setDenied] = useState(false);
  useEffect(() => {
    setOn(localStorage.getItem(NOTIFY_KEY) === "on" && Notification?.permission === "granted");
    setDenied(typeof Notification !== "undefined" && Notification.permission === "denied");
  }, []);
  if (typeof window !== "undefined" && typeof Notification === "undefined") return null;
  return (
    <label className="notify-toggle" title={denied ? "Notifications are blocked in this browser's site settings" : undefined}>
      <input
        type="checkbox"
        checked={on}
        disabled={denied}
        onChange={async (e) => {
          const wanted = e.target.checked;
          if (wanted && Notification.permission !== "granted") {
            const permission = await Notification.requestPermission();
            if (permission !== "granted") {
              setDenied(permission === "denied");
              return;
            }
          }
          localStorage.setItem(NOTIFY_KEY, wanted ? "on" : "off");
          setOn(wanted);
        }}
      />
      Notify me when someone needs a human
    </label>
  );
}
