"use client";

import Link from "next/link";
import { Badge } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { Notice } from "@/components/ui/Notice";
import { useLive } from "@/components/Live/LiveProvider";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api } from "@/lib/api/browser";
import type { Checklist } from "@/lib/api/types";
import { dateTime } from "@/lib/format";
import { CHECK_WORD } from "@/lib/status";
import { ChecklistItems } from "./ChecklistItems";

export function useChecklist(initial: Checklist | null) {
  return useLiveQuery("checklist", () => api.GET("/api/checklist"), initial);
}

/** The daily checklist (seed §7.2): seven items, each with its evidence. */
export function ChecklistView({ initial }: { initial: Checklist | null }) {
  const { tz, zone } = useLive();
  const { data, error } = useChecklist(initial);
  return (
    <Card
      title="Daily checklist"
      aside={data ? <Badge tone={data.status}>overall {CHECK_WORD[data.status]}</Badge> : null}
      testId="checklist-card"
    >
      {error ? <Notice tone="fail">{error}</Notice> : null}
      {data ? <ChecklistItems items={data.items} /> : <p className="empty">Loading…</p>}
      {data ? <p className="muted small">Generated {dateTime(data.generated_at, tz)} {zone}.</p> : null}
    </Card>
  );
}

/** The checklist folded to one line for the overview. */
export function ChecklistSummary({ initial }: { initial: Checklist | null }) {
  const { data } = useChecklist(initial);
  if (!data) return null;
  const failing = data.items.filter((i) => i.status !== "ok");
  return (
    <Card title="Daily checklist" aside={<Link href="/checklist">all 7 items →</Link>} testId="checklist-summary">
      <p className="flush">
        <Badge tone={data.status}>{CHECK_WORD[data.status]}</Badge>{" "}
        {failing.length === 0 ? "All seven checks pass." : `${failing.length} of ${data.items.length} need a look:`}
      </p>
      {failing.length ? <ChecklistItems items={failing} /> : null}
    </Card>
  );
}
