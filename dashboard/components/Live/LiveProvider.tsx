"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { api, bffUrl } from "@/lib/api/browser";
import type { BotState, TodayMetrics } from "@/lib/api/types";
import { zoneName } from "@/lib/format";

/** Polling period while the live stream is down (the brief: every 3-5 s). */
export const POLL_MS = 4000;
/** Even with a live stream, refresh this often: the stream only reports what changed. */
const SAFETY_MS = 15000;
/** Stream events arrive in bursts; refresh at most this often because of them. */
const THROTTLE_MS = 1000;
/** A refused or ended stream is opened again after this long (at once after an end, unless it was short). */
const RETRY_MS = 5000;

export interface Live {
  tick: number;
  streaming: boolean;
  reachable: boolean;
  lastOkAt: number | null;
  now: number;
  state: BotState | null;
  metrics: TodayMetrics | null;
  tz: string;
  /** the short name of tz now, e.g. SAST */
  zone: string;
  report: (ok: boolean) => void;
  refresh: () => void;
}

const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (live === null) throw new Error("useLive outside <LiveProvider>");
  return live;
}

function useStream(onEvent: () => void): boolean {
  const [streaming, setStreaming] = useState(false);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let openedAt = 0;
    const fire = () => handler.current();
    const connect = () => {
      const current = new EventSource(bffUrl("/api/stream"));
      source = current;
      current.onopen = () => {
        openedAt = Date.now();
        setStreaming(true);
      };
      current.onerror = () => {
        setStreaming(false);
        // The browser retries a dropped connection by itself, but not a refused one (a 401 or 502 answer).
        if (current.readyState === EventSource.CLOSED) retry = setTimeout(connect, RETRY_MS);
      };
      current.addEventListener("state", fire);
      current.addEventListener("event", fire);
      // The API ends a stream when its access token expires or is revoked. A new stream goes through the
      // BFF, which refreshes the token; a session that is over gets a 401, and the next poll goes to login.
      current.addEventListener("end", () => {
        current.close();
        retry = setTimeout(connect, Date.now() - openedAt > RETRY_MS ? 0 : RETRY_MS);
      });
    };
    connect();
    return () => {
      clearTimeout(retry);
      source?.close();
    };
  }, []);
  return streaming;
}

function useTicker(streaming: boolean): [number, () => void] {
  const [tick, setTick] = useState(0);
  const last = useRef(0);
  const bump = useCallback(() => {
    last.current = Date.now();
    setTick((t) => t + 1);
  }, []);
  useEffect(() => {
    const id = setInterval(() => {
      if (Date.now() - last.current >= (streaming ? SAFETY_MS : POLL_MS)) bump();
    }, 500);
    return () => clearInterval(id);
  }, [streaming, bump]);
  const throttled = useCallback(() => {
    if (Date.now() - last.current >= THROTTLE_MS) bump();
  }, [bump]);
  return [tick, throttled];
}

function useClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}

interface Props {
  initialState: BotState | null;
  initialMetrics: TodayMetrics | null;
  children: ReactNode;
}

/** Live data for every screen: the SSE stream (proxied) drives refreshes, polling covers its outages. */
export function LiveProvider({ initialState, initialMetrics, children }: Props) {
  const streamRef = useRef<() => void>(() => undefined);
  const streaming = useStream(() => streamRef.current());
  const [tick, onStreamEvent] = useTicker(streaming);
  streamRef.current = onStreamEvent;
  const now = useClock();
  const [reachable, setReachable] = useState(initialState !== null);
  const [lastOkAt, setLastOkAt] = useState<number | null>(initialState ? Date.now() : null);
  const [state, setState] = useState(initialState);
  const [metrics, setMetrics] = useState(initialMetrics);
  const [forced, setForced] = useState(0);

  const report = useCallback((ok: boolean) => {
    setReachable(ok);
    if (ok) setLastOkAt(Date.now());
  }, []);

  useEffect(() => {
    let live = true;
    Promise.all([api.GET("/api/state"), api.GET("/api/metrics/today")])
      .then(([s, m]) => {
        if (!live) return;
        const ok = s.response.ok && m.response.ok;
        report(ok);
        if (s.data) setState(s.data);
        if (m.data) setMetrics(m.data);
      })
      .catch(() => live && report(false));
    return () => {
      live = false;
    };
  }, [tick, forced, report]);

  const refresh = useCallback(() => setForced((f) => f + 1), []);
  const value = useMemo<Live>(
    () => ({
      tick: tick + forced,
      streaming,
      reachable,
      lastOkAt,
      now,
      state,
      metrics,
      tz: metrics?.tz ?? "UTC",
      zone: zoneName(metrics?.tz ?? "UTC"),
      report,
      refresh,
    }),
    [tick, forced, streaming, reachable, lastOkAt, now, state, metrics, report, refresh],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}
