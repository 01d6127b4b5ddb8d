import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { login } from "./helpers";

test.beforeEach(async ({ page }) => {
  await login(page);
  await page.getByRole("link", { name: "Trades" }).click();
  await expect(page.getByTestId("trades-table")).toBeVisible();
});

test("filters narrow the table: side, result and exit reason", async ({ page }) => {
  await page.getByLabel("Side").selectOption("SHORT");
  await expect(page.getByTestId("trades-table").locator("tbody tr").first()).toContainText("SHORT");
  const rows = page.getByTestId("trades-table").locator("tbody tr");
  await expect(rows.filter({ hasNotText: "SHORT" })).toHaveCount(0);
  await page.getByLabel("Result").selectOption("loss");
  await page.getByLabel("Exit reason").selectOption("SL");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("SL");
  await page.getByLabel("Exit reason").selectOption("TP");
  await expect(page.getByText("No trades match these filters.")).toBeVisible();
});

test("a trade closed outside the bot shows its funding and the fees as charged in BNB", async ({ page }) => {
  await page.getByLabel("Exit reason").selectOption("EXTERNAL");
  const rows = page.getByTestId("trades-table").locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("ETHUSDT");
  await expect(rows.first().locator('td[data-label="Funding USDT"]')).toHaveText("-0.0412");
  await expect(rows.first().getByTestId("trade-fees")).toHaveText("0.1986 (0.00033095 BNB)");
  for (const reason of ["LIQUIDATION", "ADL"]) {
    await page.getByLabel("Exit reason").selectOption(reason);
    await expect(page.getByText("No trades match these filters.")).toBeVisible();
  }
  await page.getByLabel("Exit reason").selectOption("TIME_STOP");
  await expect(rows.first().getByTestId("trade-fees")).toHaveText("0.2075"); // paid in USDT: no asset note
  await expect(rows.first().locator('td[data-label="Funding USDT"]')).toHaveText("0.0000");
});

test("a date range in the future finds nothing; today finds the trades", async ({ page }) => {
  await page.getByLabel(/^From/).fill("2030-01-01");
  await expect(page.getByText("No trades match these filters.")).toBeVisible();
  await page.getByLabel(/^From/).fill("");
  await expect(page.getByTestId("trades-table")).toBeVisible();
});

test("the trades export as CSV with the seed's columns", async ({ page }) => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const text = readFileSync((await download.path()) ?? "", "utf8");
  const [header, ...rows] = text.trim().split("\r\n");
  expect(header).toBe(
    "timestamp,symbol,side,entry,exit,pnl_usdt,pnl_pct,duration_s,fees,slippage_est,setup_id,reason,qty,opened_at,funding_usdt,fees_by_asset",
  );
  expect(rows.length).toBeGreaterThanOrEqual(4);
  expect(rows.find((r) => r.includes(",EXTERNAL,"))).toMatch(/,-0\.0412,0\.00033095 BNB$/);
});
