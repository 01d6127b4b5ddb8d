export type Tone = "ok" | "warn" | "fail" | "info" | "muted";

const GLYPH: Record<Tone, string> = { ok: "✓", warn: "!", fail: "✕", info: "•", muted: "–" };

/** Status is always a word plus a shape, never colour alone. */
export function Badge({ tone, children, title }: { tone: Tone; children: React.ReactNode; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      <span aria-hidden="true" className="glyph">
        {GLYPH[tone]}
      </span>
      {children}
    </span>
  );
}
