import { api, idempotencyKey } from "@/lib/api/browser";
import { errorText } from "@/components/Live/useLiveQuery";
import type { ControlResult, HealthCheckReport } from "@/lib/api/types";

export type ControlName = "pause" | "resume" | "flatten" | "reset-daily";

export type Outcome =
  | { kind: "control"; action: string; at: number; key: string; result: ControlResult }
  | { kind: "health"; action: string; at: number; key: string; report: HealthCheckReport }
  | { kind: "error"; action: string; at: number; key: string; message: string };

const PATHS = {
  pause: "/api/control/pause",
  resume: "/api/control/resume",
  flatten: "/api/control/flatten",
  "reset-daily": "/api/control/reset-daily",
} as const;

/** One control POST with a fresh idempotency key; a retry of the same click would reuse nothing. */
export async function sendControl(name: ControlName, label: string, reason: string): Promise<Outcome> {
  const key = idempotencyKey();
  const at = Date.now();
  try {
    const params = { header: { "Idempotency-Key": key } };
    const answer =
      name === "pause" || name === "flatten"
        ? await api.POST(PATHS[name], { params, body: { reason } })
        : await api.POST(PATHS[name], { params });
    if (answer.data) return { kind: "control", action: label, at, key, result: answer.data };
    return { kind: "error", action: label, at, key, message: errorText(answer.error, answer.response.status) };
  } catch {
    return { kind: "error", action: label, at, key, message: "the dashboard server is unreachable" };
  }
}

export async function runHealthCheck(): Promise<Outcome> {
  const key = idempotencyKey();
  const at = Date.now();
  try {
    const answer = await api.POST("/api/control/health-check", { params: { header: { "Idempotency-Key": key } } });
    if (answer.data) return { kind: "health", action: "Health check", at, key, report: answer.data };
    return { kind: "error", action: "Health check", at, key, message: errorText(answer.error, answer.response.status) };
  } catch {
    return { kind: "error", action: "Health check", at, key, message: "the dashboard server is unreachable" };
  }
}
