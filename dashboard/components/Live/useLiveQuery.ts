"use client";

import { useEffect, useRef, useState } from "react";
import { useLive } from "./LiveProvider";

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export interface LiveQuery<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

export function errorText(error: unknown, status: number): string {
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
  }
  return status >= 500 ? `the bot API answered ${status}` : `request failed (${status})`;
}

/**
 * Data that stays fresh: loaded at once when `key` changes (new filters), then again on every live tick.
 * A failed refresh keeps the last good data (the stale banner says how old it is).
 */
export function useLiveQuery<T>(key: string, load: () => Promise<Answer<T>>, initial: T | null = null): LiveQuery<T> {
  const { tick, report } = useLive();
  const [data, setData] = useState<T | null>(initial);
  const [error, setError] = useState<string | null>(null);
  const [loadedKey, setLoadedKey] = useState<string | null>(initial === null ? null : key);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    let live = true;
    loader
      .current()
      .then(({ data: body, error: problem, response }) => {
        if (!live) return;
        report(response.status < 500);
        if (body !== undefined) {
          setData(body);
          setError(null);
        } else {
          setError(errorText(problem, response.status));
        }
        setLoadedKey(key);
      })
      .catch(() => {
        if (live) report(false);
      });
    return () => {
      live = false;
    };
  }, [key, tick, report]);

  return { data, error, loading: loadedKey !== key };
}
