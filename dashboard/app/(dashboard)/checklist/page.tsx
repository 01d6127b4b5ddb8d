import type { Metadata } from "next";
import { ChecklistView } from "@/components/Checklist/ChecklistView";
import { StorageCard } from "@/components/Checklist/StorageCard";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const metadata: Metadata = { title: "Checklist" };

export default async function ChecklistPage() {
  const api = await serverApi();
  const checklist = await safely(async () => orLogin(await api.GET("/api/checklist")));
  const storage = await safely(async () => orLogin(await api.GET("/api/storage", { params: { query: { days: 7 } } })));
  return (
    <>
      <h1 className="sr-only">Daily checklist</h1>
      <div className="stack">
        <ChecklistView initial={checklist} />
        <StorageCard report={storage} />
      </div>
    </>
  );
}
