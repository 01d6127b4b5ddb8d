"use client";

import { ChecklistSummary } from "@/components/Checklist/ChecklistView";
import { useLiveQuery } from "@/components/Live/useLiveQuery";
import { api } from "@/lib/api/browser";
import type { Checklist, ConfigVersion } from "@/lib/api/types";
import { toNumber } from "@/lib/format";
import { EquityCard } from "./EquityCard";
import { LimitsCard } from "./LimitsCard";
import { PositionCard } from "./PositionCard";
import { StatusCard } from "./StatusCard";
import { TodayCard } from "./TodayCard";

function pick(config: Record<string, unknown> | undefined, section: string, key: string): unknown {
  const part = config?.[section];
  return part && typeof part === "object" ? (part as Record<string, unknown>)[key] : undefined;
}

/** The operations view: status, money, limits, position and the checklist, all on one screen. */
export function OverviewView({ initialConfig, initialChecklist }: { initialConfig: ConfigVersion | null; initialChecklist: Checklist | null }) {
  const { data: config } = useLiveQuery("config-current", () => api.GET("/api/config/current"), initialConfig);
  const c = config?.config;
  const limits = {
    maxTrades: toNumber(pick(c, "risk", "max_trades_per_day") as number | undefined),
    maxLosses: toNumber(pick(c, "risk", "max_consecutive_losses") as number | undefined),
    dailyLossPct: toNumber(pick(c, "risk", "daily_max_loss_pct") as number | undefined),
  };
  const source = pick(c, "display", "zar_rate_source");
  return (
    <div className="grid">
      <StatusCard mode={typeof c?.["mode"] === "string" ? c["mode"] : null} />
      <TodayCard />
      <LimitsCard limits={limits} />
      <ChecklistSummary initial={initialChecklist} />
      <PositionCard />
      <EquityCard rateSource={typeof source === "string" ? source : null} />
    </div>
  );
}
