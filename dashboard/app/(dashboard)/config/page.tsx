import type { Metadata } from "next";
import { ConfigView } from "@/components/Config/ConfigView";
import { orLogin, safely, serverApi } from "@/lib/api/server";
import type { JsonSchema } from "@/lib/config-schema";
import openapi from "@/openapi.json";

export const metadata: Metadata = { title: "Config" };

/** The form is generated from the BotConfig JSON Schema in the API's OpenAPI document (npm run gen:api). */
const schema = (openapi.components.schemas as unknown as Record<string, JsonSchema>)["BotConfig"] ?? {};

export default async function ConfigPage() {
  const api = await serverApi();
  const [current, versions] = await Promise.all([
    safely(async () => orLogin(await api.GET("/api/config/current"))),
    safely(async () => orLogin(await api.GET("/api/config/versions", { params: { query: { limit: 50 } } }))),
  ]);
  return <ConfigView schema={schema} initialCurrent={current} initialVersions={versions} />;
}
