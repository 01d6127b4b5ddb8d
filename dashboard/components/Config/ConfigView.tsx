"use client";

import { useMemo, useState } from "react";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Notice } from "@/components/ui/Notice";
import { useLive } from "@/components/Live/LiveProvider";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api, idempotencyKey } from "@/lib/api/browser";
import type { ConfigVersion, FieldError } from "@/lib/api/types";
import { diffConfig, setAt, validateLocal, type Json, type JsonObject, type JsonSchema } from "@/lib/config-schema";
import { CheckSummary } from "./CheckSummary";
import { PublishPanel } from "./PublishPanel";
import { SchemaForm } from "./SchemaForm";
import { VersionHistory } from "./VersionHistory";
import { fieldErrors, useConfigCheck, validateOnServer } from "./useConfigCheck";

type Page = { data: ConfigVersion[]; count: number };

function byField(errors: ReadonlyArray<FieldError>): Record<string, string> {
  return Object.fromEntries(errors.map((e) => [e.field, e.message]));
}

export function ConfigView({ schema, initialCurrent, initialVersions }: { schema: JsonSchema; initialCurrent: ConfigVersion | null; initialVersions: Page | null }) {
  const { tz, zone } = useLive();
  const [reload, setReload] = useState(0);
  const current = useLiveQuery(`config-current-${reload}`, () => api.GET("/api/config/current"), initialCurrent).data;
  const versions = useLiveQuery(`config-versions-${reload}`, () => api.GET("/api/config/versions", { params: { query: { limit: 50 } } }), initialVersions).data;
  const base = (current?.config ?? null) as JsonObject | null;
  const [edited, setEdited] = useState<JsonObject | null>(null);
  const draft = edited ?? base;
  const [reviewing, setReviewing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: "ok" | "fail"; text: string } | null>(null);
  const [publishErrors, setPublishErrors] = useState<FieldError[]>([]);
  const server = useConfigCheck(edited, edited === null);

  const local = useMemo(() => (draft ? validateLocal(schema, schema, draft) : {}), [schema, draft]);
  const changes = useMemo(() => (base && draft ? diffConfig(base, draft) : []), [base, draft]);
  const serverErrors = publishErrors.length ? publishErrors : server.errors;
  const errors = { ...byField(serverErrors), ...local };
  const general = serverErrors.filter((e) => e.field === "config" || e.field === "");

  const change = (path: string[], value: Json | undefined) => {
    if (!draft) return;
    setEdited(setAt(draft, path, value));
    setPublishErrors([]);
    setReviewing(false);
    setMessage(null);
  };
  const done = (text: string) => {
    setMessage({ tone: "ok", text });
    setEdited(null);
    setReviewing(false);
    setReload((r) => r + 1);
  };

  async function review() {
    if (!draft) return;
    setBusy(true);
    const verdict = await validateOnServer(draft).catch(() => ({ check: null, errors: [{ field: "config", message: "the bot API is unreachable" }] }));
    setBusy(false);
    setPublishErrors(verdict.errors);
    if (verdict.errors.length) setMessage({ tone: "fail", text: "Not publishable: the server rejected this config. Fix the fields marked ✕." });
    else setReviewing(true);
  }

  async function publish(note: string) {
    if (!draft) return;
    setBusy(true);
    const answer = await api.POST("/api/config/publish", { params: { header: { "Idempotency-Key": idempotencyKey() } }, body: { config: draft, note } });
    setBusy(false);
    if (answer.data) return done(`Published v${answer.data.version}; it is active now.`);
    setPublishErrors(fieldErrors(answer.error));
    setReviewing(false);
    setMessage({ tone: "fail", text: `Not published (${answer.response.status}): no new version was created.` });
  }

  async function rollback(version: number) {
    setBusy(true);
    const answer = await api.POST("/api/config/rollback/{version}", { params: { path: { version }, header: { "Idempotency-Key": idempotencyKey() } } });
    setBusy(false);
    if (answer.data) return done(`Rolled back to v${version}, now active as v${answer.data.version}.`);
    const why = fieldErrors(answer.error).map((e) => e.message).join("; ");
    setMessage({ tone: "fail", text: `Rollback refused (${answer.response.status}): ${why}` });
  }

  const localCount = Object.keys(local).length;
  return (
    <div className="stack">
      <Card title={`Config v${current?.version ?? "?"}`} aside={current ? `active · ${current.source === "db" ? `by ${current.author}` : `from ${current.source}`}` : null} testId="config-card">
        {message ? <Notice tone={message.tone} testId="config-message">{message.text}</Notice> : null}
        {general.map((e) => (
          <Notice key={e.message} tone="fail">{e.message}</Notice>
        ))}
        {draft ? <SchemaForm root={schema} value={draft} errors={errors} onChange={change} /> : <p className="empty">Loading the current config…</p>}
        <div className="actions gap-above-l">
          <Button variant="primary" onClick={review} disabled={busy || changes.length === 0 || localCount > 0}>
            Review &amp; publish ({changes.length} change{changes.length === 1 ? "" : "s"})
          </Button>
          <Button onClick={() => (setEdited(null), setReviewing(false), setPublishErrors([]), setMessage(null))} disabled={busy || edited === null}>
            Discard changes
          </Button>
          {edited ? <CheckSummary server={{ ...server, errors: serverErrors }} localErrors={localCount} /> : null}
        </div>
        {reviewing ? <PublishPanel changes={changes} nextVersion={(versions ? (versions.data[0]?.version ?? 0) : (current?.version ?? 0)) + 1} busy={busy} onPublish={publish} onCancel={() => setReviewing(false)} /> : null}
      </Card>
      <Card title="Version history" aside={versions ? `${versions.count} versions` : null}>
        <VersionHistory versions={versions?.data ?? []} tz={tz} zone={zone} busy={busy} onRollback={rollback} />
      </Card>
    </div>
  );
}
