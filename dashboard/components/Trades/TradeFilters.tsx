import { SIDE_OPTIONS, SYMBOL_OPTIONS, dateSpecs, type FilterSpec } from "@/components/ui/FilterBar";

export function tradeFilterSpecs(tz: string): FilterSpec[] {
  return [
    ...dateSpecs(tz),
    { key: "symbol", label: "Symbol", type: "select", options: SYMBOL_OPTIONS },
    { key: "side", label: "Side", type: "select", options: SIDE_OPTIONS },
    { key: "result", label: "Result", type: "select", options: [["", "All results"], ["win", "Wins"], ["loss", "Losses"], ["breakeven", "Break-even"]] },
    {
      key: "reason",
      label: "Exit reason",
      type: "select",
      options: [["", "Any exit"], ["TP", "Take profit (TP)"], ["SL", "Stop loss (SL)"], ["TIME_STOP", "Time stop"], ["FLATTEN", "Flatten"], ["INCIDENT", "Incident"]],
    },
  ];
}
