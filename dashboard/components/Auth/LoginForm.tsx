"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { Notice } from "@/components/ui/Notice";

const MESSAGES: Record<string, string> = {
  expired: "Your session has expired. Please sign in again.",
  "signed-out": "You have signed out.",
};

/** `next` is already one of our pages (the login page checks it); the server checks it again and answers where to go. */
export function LoginForm({ reason, next }: { reason?: string; next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const response = await fetch("/bff/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: form.get("email"), password: form.get("password"), next }),
      });
      const body = (await response.json().catch(() => ({}))) as { next?: string; detail?: string };
      if (response.ok) {
        window.location.assign(body.next ?? "/");
        return;
      }
      setError(body.detail ?? `sign-in failed (${response.status})`);
    } catch {
      setError("the dashboard server is unreachable");
    }
    setBusy(false);
  }

  const info = reason ? MESSAGES[reason] : undefined;
  return (
    <form onSubmit={submit} noValidate>
      {info ? (
        <Notice tone={reason === "expired" ? "warn" : "info"} testId="login-reason">
          {info}
        </Notice>
      ) : null}
      <Field label="Email" htmlFor="email">
        <input id="email" name="email" type="email" autoComplete="username" required />
      </Field>
      <Field label="Password" htmlFor="password">
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </Field>
      {error ? <Notice tone="fail" testId="login-error">{error}</Notice> : null}
      <Button type="submit" variant="primary" disabled={busy} className="wide">
        {busy ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
