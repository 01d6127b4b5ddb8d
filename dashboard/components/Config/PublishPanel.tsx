"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import type { Change } from "@/lib/config-schema";
import { DiffTable } from "./DiffTable";

interface Props {
  changes: ReadonlyArray<Change>;
  nextVersion: number;
  busy: boolean;
  onPublish: (note: string) => void;
  onCancel: () => void;
}

/** The last step: the diff against the active version, a note for the history, and the publish button. */
export function PublishPanel({ changes, nextVersion, busy, onPublish, onCancel }: Props) {
  const [note, setNote] = useState("");
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    // a block body: newer browsers return a Promise from scrollIntoView, which React would take as a cleanup
    panel.current?.scrollIntoView({ behavior: "smooth", block: "start" });
  }, []);
  return (
    <section ref={panel} className="card gap-above-l" aria-label="Review changes" data-testid="publish-panel">
      <h2 className="panel-title">Review: changes against the active version</h2>
      <DiffTable changes={changes} />
      <div className="gap-above">
        <Field label="Note for the version history (required)" htmlFor="publish-note">
          <input id="publish-note" value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} placeholder="why this change" />
        </Field>
      </div>
      <div className="actions gap-above">
        <Button variant="primary" disabled={busy || note.trim() === ""} onClick={() => onPublish(note.trim())}>
          Publish as v{nextVersion}
        </Button>
        <Button onClick={onCancel} disabled={busy}>
          Back to editing
        </Button>
      </div>
    </section>
  );
}
