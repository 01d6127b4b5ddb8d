import type { Metadata } from "next";
import { LoginForm } from "@/components/Auth/LoginForm";
import { safeNext } from "@/lib/redirect";

export const metadata: Metadata = { title: "Sign in" };

type Search = Promise<{ reason?: string; next?: string }>;

export default async function LoginPage({ searchParams }: { searchParams: Search }) {
  const { reason, next } = await searchParams;
  return (
    <main className="login">
      <section className="card">
        <h1>liqfade</h1>
        <p className="muted small">Operations dashboard. Administrator sign-in.</p>
        <LoginForm reason={reason} next={safeNext(next)} />
      </section>
    </main>
  );
}
