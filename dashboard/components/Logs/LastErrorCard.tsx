"use client";

import { Card } from "@/components/ui/Card";
import { useLive } from "@/components/Live/LiveProvider";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api } from "@/lib/api/browser";
import { age, dateTime } from "@/lib/format";

const SNIPPET_LINES = 14;

/** The last stack lines are where the error happened; the head is framework noise. */
function snippet(stack: string): string {
  const lines = stack.trimEnd().split("\n");
  return lines.length > SNIPPET_LINES ? ["…", ...lines.slice(-SNIPPET_LINES)].join("\n") : lines.join("\n");
}

/** The last error with its stack snippet: the bot's own record, else the newest ERROR log line. */
export function LastErrorCard() {
  const { state, now, tz } = useLive();
  const { data } = useLiveQuery("last-error-log", () => api.GET("/api/logs", { params: { query: { level: "ERROR", limit: 1 } } }));
  const log = data?.data[0];
  const error = state?.last_error
    ? { message: state.last_error.message, at: state.last_error.at, source: state.last_error.source, stack: state.last_error.stack }
    : log
      ? { message: log.exc_message ? `${log.message}: ${log.exc_type ?? ""} ${log.exc_message}` : log.message, at: log.ts, source: log.process, stack: log.stack }
      : null;
  return (
    <Card title="Last error" aside={error ? `${age(error.at, now)}` : null} testId="last-error">
      {error ? (
        <>
          <p className="error-message">
            <strong>{error.message}</strong>
          </p>
          <p className="muted small flush">
            {error.source ?? "unknown source"} · {dateTime(error.at, tz)} ({tz})
          </p>
          {error.stack ? <pre className="stack" data-testid="stack-snippet">{snippet(error.stack)}</pre> : <p className="muted small">No stack trace recorded.</p>}
        </>
      ) : (
        <p className="empty">No errors recorded.</p>
      )}
    </Card>
  );
}
