"use client";

import { useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { DataTable } from "@/components/ui/DataTable";
import type { ConfigVersion } from "@/lib/api/types";
import { dateTime } from "@/lib/format";

interface Props {
  versions: ReadonlyArray<ConfigVersion>;
  tz: string;
  zone: string;
  busy: boolean;
  onRollback: (version: number) => void;
}

/** Every published version, newest first; any inactive one can be made active again (as a new version). */
export function VersionHistory({ versions, tz, zone, busy, onRollback }: Props) {
  const [confirm, setConfirm] = useState<number | null>(null);
  return (
    <DataTable
      testId="config-versions"
      rows={versions}
      rowKey={(v) => String(v.version)}
      empty="No version published yet (the bot runs on its defaults)."
      columns={[
        { key: "v", label: "Version", render: (v) => <span className="num">v{v.version} {v.active ? <Badge tone="ok">ACTIVE</Badge> : null}</span> },
        { key: "at", label: `Published (${zone})`, render: (v) => <span className="num">{dateTime(v.created_at, tz)}</span> },
        { key: "by", label: "Author", render: (v) => v.author },
        { key: "note", label: "Note", wrap: true, render: (v) => v.note || <span className="muted">—</span> },
        {
          key: "act",
          label: "Action",
          render: (v) =>
            v.active ? null : confirm === v.version ? (
              <span className="actions">
                <Button variant="danger" disabled={busy} onClick={() => (setConfirm(null), onRollback(v.version))}>
                  Confirm rollback to v{v.version}
                </Button>
                <Button onClick={() => setConfirm(null)}>Cancel</Button>
              </span>
            ) : (
              <Button disabled={busy} onClick={() => setConfirm(v.version)}>
                Roll back to v{v.version}
              </Button>
            ),
        },
      ]}
    />
  );
}
