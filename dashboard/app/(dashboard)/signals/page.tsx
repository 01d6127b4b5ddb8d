import type { Metadata } from "next";
import { SignalsView } from "@/components/Signals/SignalsView";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const metadata: Metadata = { title: "Signals" };

export default async function SignalsPage() {
  const api = await serverApi();
  const events = await safely(async () => orLogin(await api.GET("/api/events", { params: { query: { limit: 25 } } })));
  return <SignalsView initial={events} />;
}
