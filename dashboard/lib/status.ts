import type { Tone } from "@/components/ui/Badge";

/** The governor heartbeats at least every 5 s; older than this and the picture is stale. */
export const HEARTBEAT_STALE_S = 15;
export const HEARTBEAT_DEAD_S = 60;

export interface StatusView {
  word: string;
  detail: string;
  tone: Tone;
}

export function statusView(status: string | null | undefined): StatusView {
  switch (status) {
    case "RUNNING":
      return { word: "RUNNING", detail: "trading normally", tone: "ok" };
    case "PAUSED_MANUAL":
      return { word: "PAUSED", detail: "paused by the operator", tone: "warn" };
    case "PAUSED_RISK_LIMIT":
      return { word: "PAUSED", detail: "paused by a risk limit", tone: "warn" };
    case "ERROR":
      return { word: "ERROR", detail: "no new entries; needs attention", tone: "fail" };
    case "BOOTING":
      return { word: "BOOTING", detail: "boot checks running", tone: "info" };
    case "SHUTDOWN":
      return { word: "SHUTDOWN", detail: "stopped", tone: "muted" };
    default:
      return { word: "UNKNOWN", detail: "no state reported yet", tone: "muted" };
  }
}

export function heartbeatTone(ageS: number | null): Tone {
  if (ageS === null || ageS > HEARTBEAT_DEAD_S) return "fail";
  return ageS > HEARTBEAT_STALE_S ? "warn" : "ok";
}

export function checkTone(status: "ok" | "warn" | "fail"): Tone {
  return status;
}

export const CHECK_WORD: Record<"ok" | "warn" | "fail", string> = { ok: "OK", warn: "CHECK", fail: "FAIL" };
