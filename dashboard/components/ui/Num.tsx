import { decimal, percent, price, toNumber, type Numeric } from "@/lib/format";

type Kind = "money" | "price" | "percent" | "plain";

interface Props {
  value: Numeric;
  unit?: string;
  kind?: Kind;
  digits?: number;
  sign?: boolean;
  /** colour gains and losses (always alongside the sign) */
  signed?: boolean;
}

/** A right-aligned, tabular number with its unit. */
export function Num({ value, unit, kind = "money", digits = 2, sign = false, signed = false }: Props) {
  const text =
    kind === "price" ? price(value) : kind === "percent" ? percent(value, digits, sign) : decimal(value, digits, sign);
  const n = toNumber(value);
  const tone = signed && n !== null ? (n > 0 ? "gain" : n < 0 ? "loss" : "") : "";
  return (
    <span className={`num ${tone}`}>
      {text}
      {unit && n !== null ? <span className="unit"> {unit}</span> : null}
    </span>
  );
}
