import type { Metadata } from "next";
import { TradesView } from "@/components/Trades/TradesView";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const metadata: Metadata = { title: "Trades" };

export default async function TradesPage() {
  const api = await serverApi();
  const trades = await safely(async () => orLogin(await api.GET("/api/trades", { params: { query: { limit: 25 } } })));
  return <TradesView initial={trades} />;
}
