import { humanize } from "@/lib/format";

const LABELS: Record<string, string> = {
  general: "General",
  feature_flags: "Feature flags",
  "feature_flags.enable_sol": "Enable SOLUSDT",
  "feature_flags.enable_momentum_variant": "Momentum variant (velocity-decay check)",
  day_boundary_tz: "Day boundary time zone",
  "display.zar_per_usdt": "ZAR per USDT",
  "display.zar_rate_source": "ZAR rate source",
  "signal.min_liq_usd": "Min liquidations per window (USD)",
  "signal.max_spread_bps": "Max spread (bps)",
  "signal.volume_mult": "Volume multiple",
  "execution.tp_pct": "Take profit (fraction)",
  "execution.sl_pct": "Stop loss (fraction)",
  "paper.slippage_bps": "Paper slippage (bps)",
  retention: "Retention",
  "retention.replay_window_days": "Replay window (days of market data kept)",
};

export function labelFor(path: string): string {
  const known = LABELS[path];
  if (known) return known;
  const name = path.split(".").pop() ?? path;
  return isFraction(path) ? `${humanize(name.replace(/_pct$/, ""))} (fraction)` : humanize(name);
}

/** Fractions are stored as fractions (0.0025); show the percentage next to them. */
export function isFraction(path: string): boolean {
  return /(_pct|_rate)$/.test(path);
}
