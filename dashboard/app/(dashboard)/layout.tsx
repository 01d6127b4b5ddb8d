import { LiveProvider } from "@/components/Live/LiveProvider";
import { StaleBanner } from "@/components/Live/StaleBanner";
import { TopBar } from "@/components/Layout/TopBar";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const api = await serverApi();
  const [state, metrics] = await Promise.all([
    safely(async () => orLogin(await api.GET("/api/state"))),
    safely(async () => orLogin(await api.GET("/api/metrics/today"))),
  ]);
  return (
    <LiveProvider initialState={state} initialMetrics={metrics}>
      <TopBar />
      <StaleBanner />
      <main>{children}</main>
    </LiveProvider>
  );
}
