import type { Metadata } from "next";
import { ChecklistView } from "@/components/Checklist/ChecklistView";
import { orLogin, safely, serverApi } from "@/lib/api/server";

export const metadata: Metadata = { title: "Checklist" };

export default async function ChecklistPage() {
  const api = await serverApi();
  const checklist = await safely(async () => orLogin(await api.GET("/api/checklist")));
  return (
    <>
      <h1 className="sr-only">Daily checklist</h1>
      <ChecklistView initial={checklist} />
    </>
  );
}
