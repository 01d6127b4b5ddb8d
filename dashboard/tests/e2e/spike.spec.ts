import { expect, test } from "@playwright/test";
import { login, screenshots } from "./helpers";

/**
 * Runs first (the "spike" project in playwright.config.ts): the stack plays the simulator's demo scenario,
 * whose BTC long flush at scenario second 1250 is detected by ingest + strategy, confirmed at the close of
 * one exhaustion candle (78-140 s after the stack started), approved by the governor, entered by the paper
 * executor, and closed at its take-profit about 34 s later. Nothing here seeds a trade.
 */
test.setTimeout(300_000);

test("a scripted spike becomes a paper trade: open position with unrealized PnL, then a closed trade", async ({ page }) => {
  await login(page);
  await expect(page.getByTestId("bot-status")).toHaveText("RUNNING");

  const position = page.getByTestId("open-position");
  await expect(position).toContainText("BTCUSDT", { timeout: 220_000 });
  await expect(position).toContainText("LONG");
  await expect(page.getByTestId("unrealized-pnl")).toContainText("USDT");
  await screenshots(page, "overview-live-position");

  await page.getByRole("link", { name: "Trades" }).click();
  await page.getByLabel("Side").selectOption("LONG");
  await page.getByLabel("Exit reason").selectOption("TP");
  const rows = page.getByTestId("trades-table").locator("tbody tr");
  await expect(rows).toHaveCount(1); // the seeded one from earlier today
  await expect(rows).toHaveCount(2, { timeout: 120_000 }); // this one arrives live, without a reload
  await expect(rows.first()).toContainText("BTCUSDT");

  await page.getByRole("link", { name: "Signals" }).click();
  const setup = page.getByTestId("signals-table").locator("tbody tr", { hasText: "BTCUSDT" }).first();
  await expect(setup).toContainText("PASSED");
});
