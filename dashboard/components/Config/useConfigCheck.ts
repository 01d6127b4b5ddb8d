"use client";

import { useEffect, useState } from "react";
import { api } from "@/lib/api/browser";
import type { ApiErrorBody, ConfigCheck, FieldError } from "@/lib/api/types";
import type { JsonObject } from "@/lib/config-schema";

export interface ServerCheck {
  check: ConfigCheck | null;
  errors: FieldError[];
  pending: boolean;
}

export function fieldErrors(body: unknown): FieldError[] {
  const errors = (body as ApiErrorBody | undefined)?.errors;
  if (Array.isArray(errors)) return errors;
  const detail = (body as ApiErrorBody | undefined)?.detail;
  return [{ field: "config", message: typeof detail === "string" ? detail : "the server refused this config" }];
}

export async function validateOnServer(config: JsonObject): Promise<{ check: ConfigCheck | null; errors: FieldError[] }> {
  const answer = await api.POST("/api/config/validate", { body: { config, note: "" } });
  if (answer.data) return { check: answer.data, errors: [] };
  return { check: null, errors: fieldErrors(answer.error) };
}

/** The server's verdict on the draft, asked again 400 ms after the last edit. */
export function useConfigCheck(draft: JsonObject | null, skip: boolean): ServerCheck {
  const [result, setResult] = useState<ServerCheck>({ check: null, errors: [], pending: false });
  useEffect(() => {
    if (draft === null || skip) return;
    let live = true;
    setResult((r) => ({ ...r, pending: true }));
    const id = setTimeout(() => {
      validateOnServer(draft)
        .then((r) => live && setResult({ ...r, pending: false }))
        .catch(() => live && setResult((r) => ({ ...r, pending: false })));
    }, 400);
    return () => {
      live = false;
      clearTimeout(id);
    };
  }, [draft, skip]);
  return result;
}
