import { Num } from "@/components/ui/Num";
import type { Trade } from "@/lib/api/types";
import { feesCharged } from "@/lib/format";

/** The fees in USDT, and as charged when some were paid in another asset: "0.6300 (0.00105 BNB)". */
export function FeesCell({ trade }: { trade: Trade }) {
  const charged = feesCharged(trade.fees_by_asset);
  return (
    <span data-testid="trade-fees">
      <Num value={trade.fees} digits={4} />
      {charged ? <span className="muted small"> ({charged})</span> : null}
    </span>
  );
}
