import type { Metadata } from "next";
import { OverviewView } from "@/components/Overview/OverviewView";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const api = await serverApi();
  const [config, checklist] = await Promise.all([
    safely(async () => orLogin(await api.GET("/api/config/current"))),
    safely(async () => orLogin(await api.GET("/api/checklist"))),
  ]);
  return (
    <>
      <h1 className="sr-only">Overview</h1>
      <OverviewView initialConfig={config} initialChecklist={checklist} />
    </>
  );
}
