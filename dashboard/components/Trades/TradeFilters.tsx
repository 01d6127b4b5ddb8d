import { SIDE_OPTIONS, SYMBOL_OPTIONS, dateSpecs, type FilterSpec } from "@/components/ui/FilterBar";
import type { ExitReason } from "@/lib/api/types";

/** Every exit reason the API knows (a new one fails the type check until it is labelled here). */
const EXIT_REASONS: Record<ExitReason, string> = {
  TP: "Take profit (TP)",
  SL: "Stop loss (SL)",
  TIME_STOP: "Time stop",
  FLATTEN: "Flatten",
  INCIDENT: "Incident",
  LIQUIDATION: "Liquidated by the exchange",
  ADL: "Auto-deleveraged (ADL)",
  EXTERNAL: "Closed outside the bot",
};

export function tradeFilterSpecs(tz: string): FilterSpec[] {
  return [
    ...dateSpecs(tz),
    { key: "symbol", label: "Symbol", type: "select", options: SYMBOL_OPTIONS },
    { key: "side", label: "Side", type: "select", options: SIDE_OPTIONS },
    { key: "result", label: "Result", type: "select", options: [["", "All results"], ["win", "Wins"], ["loss", "Losses"], ["breakeven", "Break-even"]] },
    { key: "reason", label: "Exit reason", type: "select", options: [["", "Any exit"], ...Object.entries(EXIT_REASONS)] },
  ];
}
