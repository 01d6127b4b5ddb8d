import { NextResponse, type NextRequest } from "next/server";
import { apiUrl } from "@/lib/env";
import { csvRow } from "@/lib/csv";
import { feeAssets } from "@/lib/format";
import { jsonError } from "@/lib/proxy";
import { withSession } from "@/lib/session";
import type { Trade } from "@/lib/api/types";

export const dynamic = "force-dynamic";

const COLUMNS = [
  "timestamp", "symbol", "side", "entry", "exit", "pnl_usdt", "pnl_pct", "duration_s", "fees",
  "slippage_est", "setup_id", "reason", "qty", "opened_at", "funding_usdt",
] as const satisfies ReadonlyArray<keyof Trade>;
const FILTERS = ["from", "to", "symbol", "side", "result", "reason"];
const PAGE = 1000;
const MAX_ROWS = 100_000;

/** Every trade matching the filters as CSV, fetched from the API page by page. */
export async function GET(request: NextRequest): Promise<Response> {
  return withSession(request, (token) => exportTrades(request, token));
}

async function exportTrades(request: NextRequest, token: string): Promise<NextResponse> {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = request.nextUrl.searchParams.get(name);
    if (value) query.set(name, value);
  }
  let body = csvRow([...COLUMNS, "fees_by_asset"]);
  for (let offset = 0; offset < MAX_ROWS; offset += PAGE) {
    query.set("limit", String(PAGE));
    query.set("offset", String(offset));
    let upstream: Response;
    try {
      upstream = await fetch(`${apiUrl()}/api/trades?${query}`, {
        headers: { Authorization: `Bearer ${token}` },
        cache: "no-store",
      });
    } catch {
      return jsonError(502, "the bot API is unreachable");
    }
    if (!upstream.ok) return jsonError(upstream.status, `export failed: API answered ${upstream.status}`);
    const page = (await upstream.json()) as { data: Trade[]; count: number };
    for (const trade of page.data) body += csvRow([...COLUMNS.map((c) => trade[c]), feeAssets(trade.fees_by_asset)]);
    if (page.data.length < PAGE || offset + PAGE >= page.count) break;
  }
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return new NextResponse(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="liqfade-trades-${stamp}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
