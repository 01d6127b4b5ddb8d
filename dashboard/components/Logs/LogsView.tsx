"use client";

import { useEffect, useState } from "react";
import { Badge, type Tone } from "@/components/ui/Badge";
import { Card } from "@/components/ui/Card";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { FilterBar, type FilterValues } from "@/components/ui/FilterBar";
import { Notice } from "@/components/ui/Notice";
import { useLive } from "@/components/Live/LiveProvider";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api } from "@/lib/api/browser";
import type { LogLine, LogsQuery } from "@/lib/api/types";
import { dateTime } from "@/lib/format";

const LIMIT = 200;

function levelTone(level: string): Tone {
  if (level === "ERROR" || level === "CRITICAL") return "fail";
  if (level.startsWith("WARN")) return "warn";
  return level === "DEBUG" ? "muted" : "info";
}

function columns(tz: string, zone: string): ReadonlyArray<Column<LogLine>> {
  return [
    { key: "ts", label: `Time (${zone})`, render: (l) => <span className="num">{dateTime(l.ts, tz)}</span> },
    { key: "level", label: "Level", render: (l) => <Badge tone={levelTone(l.level)}>{l.level}</Badge> },
    { key: "process", label: "Process", render: (l) => l.process },
    {
      key: "message",
      label: "Message",
      wrap: true,
      render: (l) => (
        <span className="logmsg">
          {l.message}
          {l.exc_type ? <span className="muted"> — {l.exc_type}: {l.exc_message}</span> : null}
          {l.correlation_id ? <span className="mono muted"> [{l.correlation_id}]</span> : null}
        </span>
      ),
    },
  ];
}

/** Debounce typed text so each keystroke does not hit the API. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return settled;
}

export function LogsView({ initial }: { initial: { data: LogLine[]; count: number } | null }) {
  const { tz, zone } = useLive();
  const [filter, setFilter] = useState<FilterValues>({ level: "", q: "" });
  const q = useDebounced(filter.q ?? "", 300);
  const query: LogsQuery = { limit: LIMIT };
  if (filter.level) query.level = filter.level as LogsQuery["level"];
  if (q) query.q = q;
  const { data, error, loading } = useLiveQuery(JSON.stringify(query), () => api.GET("/api/logs", { params: { query } }), initial);
  return (
    <Card title="Logs" aside={data ? `${Math.min(data.count, LIMIT)} of ${data.count}` : null}>
      <FilterBar
        label="Log filters"
        value={filter}
        onChange={setFilter}
        specs={[
          { key: "level", label: "Minimum level", type: "select", options: [["", "All levels"], ["INFO", "INFO and above"], ["WARNING", "WARN and above"], ["ERROR", "ERROR only"]] },
          { key: "q", label: "Search messages", type: "search", placeholder: "text in the message" },
        ]}
      />
      {error ? <Notice tone="fail">{error}</Notice> : null}
      <div aria-busy={loading}>
        <DataTable columns={columns(tz, zone)} rows={data?.data ?? []} rowKey={(l, i) => `${i}-${l.ts}`} empty="No log lines match." testId="logs-table" />
      </div>
    </Card>
  );
}
