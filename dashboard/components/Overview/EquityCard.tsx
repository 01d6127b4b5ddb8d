"use client";

import { Card } from "@/components/ui/Card";
import { Num } from "@/components/ui/Num";
import { Stat } from "@/components/ui/Stat";
import { useLive } from "@/components/Live/LiveProvider";

/** Equity in USDT and in rand, with the rate and where it comes from. */
export function EquityCard({ rateSource }: { rateSource: string | null }) {
  const { state, metrics } = useLive();
  return (
    <Card title="Equity" testId="equity-card">
      <dl className="stats">
        <Stat label="Equity" testId="equity-usdt">
          <Num value={state?.equity_usdt} unit="USDT" />
        </Stat>
        <Stat
          label="In rand"
          testId="equity-zar"
          note={
            <>
              at <Num value={state?.zar_per_usdt} unit="ZAR/USDT" digits={2} /> ({rateSource ? `rate: ${rateSource}` : "rate source unknown"})
            </>
          }
        >
          <Num value={state?.equity_zar} unit="ZAR" />
        </Stat>
        <Stat label="Equity at day start">
          <Num value={state?.heartbeat?.day_start_equity} unit="USDT" />
        </Stat>
        <Stat label="Fees today">
          <Num value={metrics?.fees_usdt} unit="USDT" />
        </Stat>
      </dl>
    </Card>
  );
}
