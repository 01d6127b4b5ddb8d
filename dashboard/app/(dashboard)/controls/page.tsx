import type { Metadata } from "next";
import { ControlsView } from "@/components/Controls/ControlsView";

export const metadata: Metadata = { title: "Controls" };

export default function ControlsPage() {
  return <ControlsView />;
}
