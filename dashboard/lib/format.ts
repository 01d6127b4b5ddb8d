/** Formatting shared by every screen: numbers with units, times in the bot's day-boundary time zone. */

export type Numeric = string | number | null | undefined;

export function toNumber(value: Numeric): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Fixed decimals with thousands separators; `sign` adds "+" to positive values. */
export function decimal(value: Numeric, digits = 2, sign = false): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return sign && n > 0 ? `+${text}` : text;
}

/** A price: as many decimals as it came with (at least 2, at most 8). */
export function price(value: Numeric): string {
  const n = toNumber(value);
  if (n === null) return "—";
  // the precision the value carries, not its storage scale: numeric(20,8) "107570.10000000" → 1
  const given = String(value).split(".")[1]?.replace(/0+$/, "").length ?? 0;
  return decimal(n, Math.min(8, Math.max(2, given)));
}

/** A size in decimal units: 1234567 → "1.2 MB". */
export function bytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A fraction shown as a percentage: 0.0035 → "0.35". */
export function percent(fraction: Numeric, digits = 2, sign = false): string {
  const n = toNumber(fraction);
  return n === null ? "—" : decimal(n * 100, digits, sign);
}

export function duration(seconds: Numeric): string {
  const s = toNumber(seconds);
  if (s === null) return "—";
  const total = Math.max(0, Math.round(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m ${String(rest).padStart(2, "0")}s`;
  return `${rest}s`;
}

/** "5s ago", "3m ago": how old a timestamp is at `now`. */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return "never";
  const seconds = (now - Date.parse(iso)) / 1000;
  return seconds < 1 ? "just now" : `${duration(seconds)} ago`;
}

export function ageSeconds(iso: string | null | undefined, now: number): number | null {
  return iso ? Math.max(0, (now - Date.parse(iso)) / 1000) : null;
}

/** The short name of a zone at an instant, e.g. "SAST" or "UTC". */
export function zoneName(tz: string, at = new Date()): string {
  const part = new Intl.DateTimeFormat("en-GB", { timeZone: tz, timeZoneName: "short" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  const name = part?.value ?? tz;
  return name === "GMT+2" && tz === "Africa/Johannesburg" ? "SAST" : name;
}

/** "2026-11-27 14:05:09" in `tz` (24-hour, sortable). */
export function dateTime(iso: string | null | undefined, tz: string, seconds = true): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  const time = seconds ? `${parts.hour}:${parts.minute}:${parts.second}` : `${parts.hour}:${parts.minute}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time}`;
}

export function timeOnly(iso: string | null | undefined, tz: string): string {
  return dateTime(iso, tz).slice(11) || "—";
}

/** Turns snake_case keys into words: "max_trades_per_day" → "Max trades per day". */
export function humanize(key: string): string {
  const words = key.replace(/_/g, " ").replace(/\busd\b/gi, "USD").replace(/\bpct\b/gi, "%");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Milliseconds `tz` is ahead of UTC at instant `ms`. */
function zoneOffsetMs(ms: number, tz: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const asUtc = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Midnight starting calendar day `date` ("YYYY-MM-DD") in `tz`, plus `days`, as an ISO instant. */
export function zonedMidnight(date: string, tz: string, days = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return new Date(guess - zoneOffsetMs(guess, tz)).toISOString();
}

/** Commissions as charged, per asset: "0.00105 BNB + 0.02 USDT" ("" when none). Amounts are the API's
 *  decimal strings, unchanged. */
export function feeAssets(byAsset: Readonly<Record<string, string>>): string {
  return Object.keys(byAsset)
    .sort()
    .map((a) => `${byAsset[a]} ${a}`)
    .join(" + ");
}

/** The same, only when some fee was paid in an asset other than USDT (else the USDT value says it all). */
export function feesCharged(byAsset: Readonly<Record<string, string>>): string | null {
  return Object.keys(byAsset).some((a) => a !== "USDT") ? feeAssets(byAsset) : null;
}
