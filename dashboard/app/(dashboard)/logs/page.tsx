import type { Metadata } from "next";
import { LastErrorCard } from "@/components/Logs/LastErrorCard";
import { LogsView } from "@/components/Logs/LogsView";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const metadata: Metadata = { title: "Logs" };

export default async function LogsPage() {
  const api = await serverApi();
  const logs = await safely(async () => orLogin(await api.GET("/api/logs", { params: { query: { limit: 200 } } })));
  return (
    <div className="stack">
      <LastErrorCard />
      <LogsView initial={logs} />
    </div>
  );
}
