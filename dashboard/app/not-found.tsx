import Link from "next/link";

/** Our own 404: Next's default one styles itself inline, which the Content-Security-Policy refuses. */
export default function NotFound() {
  return (
    <main className="login">
      <section className="card">
        <h1>Not found</h1>
        <p className="muted">There is no such page.</p>
        <Link href="/">Back to the overview</Link>
      </section>
    </main>
  );
}
