"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import styles from "./analytics.module.css";

export const COLORS = ["#2f6feb", "#e5534b", "#57ab5a", "#c69026", "#986ee2", "#39c5cf", "#d15fa6", "#768390"];

/** A link from a chart to the conversations behind one of its numbers (lib/analytics/links.ts). */
export type ConversationsLink = { label: string; href: string };

/**
 * A chart's frame: title, a link to the matching conversations (`href`:
 * all of them; `links`: one per series or slice), and the empty state when
 * there is nothing to draw.
 */
export function ChartCard(props: {
  title: string;
  empty: boolean;
  emptyText?: string;
  href?: string;
  links?: ConversationsLink[];
  wide?: boolean;
  testId: string;
  children: ReactNode;
}) {
  return (
    <section className={`card ${props.wide ? styles.wide : ""}`} data-testid={props.testId} aria-label={props.title}>
      <h2 className={styles.chartTitle}>
        <span>{props.title}</span>
        {props.href && (
          <Link href={props.href} className="muted">
            conversations →
          </Link>
        )}
      </h2>
      {!props.empty && props.links && props.links.length > 0 && (
        <nav className={styles.links} aria-label={`Conversations behind ${props.title}`}>
          {props.links.map((l) => (
            <Link key={l.href} href={l.href}>
              {l.label}
            </Link>
          ))}
        </nav>
      )}
      {props.empty ? (
        <div className={styles.empty} data-empty="true">
          {props.emptyText ?? "No data in this range yet."}
        </div>
      ) : (
        <div className={styles.chart}>{props.children}</div>
      )}
    </section>
  );
}

export function Loading() {
  return <div className={styles.empty}>Loading…</div>;
}
