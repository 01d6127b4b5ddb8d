import type { ReactNode } from "react";
import type { Tone } from "./Badge";

const WORD: Record<Tone, string> = { ok: "OK", warn: "Warning", fail: "Error", info: "Note", muted: "Note" };

/** A one-line message box with its kind spelled out. */
export function Notice({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice tone-${tone}`} role={tone === "fail" || tone === "warn" ? "alert" : "status"} data-testid={testId}>
      <strong>{WORD[tone]}:</strong> {children}
    </div>
  );
}
