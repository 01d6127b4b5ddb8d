import { expect, test } from "@playwright/test";
import { LOCAL_STACK, login } from "./helpers";

test.beforeEach(async ({ page }) => login(page));

test("the checklist shows the seven items, each with a status word and evidence", async ({ page }) => {
  await page.getByRole("link", { name: "Checklist" }).click();
  const items = page.getByTestId("checklist").locator("li");
  await expect(items).toHaveCount(7);
  for (const title of ["All services online", "No risk limits hit", "No repeated errors", "PnL within expected band", "Open positions", "Last 24h trade count", "Notifications ok"]) {
    await expect(page.getByTestId("checklist")).toContainText(title);
  }
  for (const item of await items.all()) {
    await expect(item).toHaveAttribute("data-status", /^(ok|warn|fail)$/);
    await expect(item.locator(".badge")).toHaveText(/OK|CHECK|FAIL/);
    await expect(item.locator(".evidence")).not.toBeEmpty();
  }
});

test("logs: the last error with its stack snippet, a level filter and a search", async ({ page }) => {
  await page.getByRole("link", { name: "Logs" }).click();
  await expect(page.getByTestId("last-error")).toContainText(/\w/);
  await expect(page.getByTestId("stack-snippet")).toContainText("Traceback");
  await page.getByLabel("Minimum level").selectOption("ERROR");
  const rows = page.getByTestId("logs-table").locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  await expect(rows.filter({ hasNotText: /ERROR|CRITICAL/ })).toHaveCount(0);
  await page.getByLabel("Minimum level").selectOption("");
  await page.getByLabel("Search messages").fill("recvWindow");
  await expect(rows.first()).toContainText("recvWindow");
  await page.getByLabel("Search messages").fill("no-such-text-zzz");
  await expect(page.getByText("No log lines match.")).toBeVisible();
});

test("the checklist page shows the database size, the event log's growth and retention per family, and the prune", async ({ page }) => {
  await page.getByRole("link", { name: "Checklist" }).click();
  await expect(page.getByTestId("storage-total")).toContainText(/Database \d+(\.\d)? (kB|MB|GB)/);
  const families = page.getByTestId("storage-families");
  await expect(families).toContainText("Decisions and money");
  await expect(families).toContainText("Heartbeats");
  // the policy, per family: market data for the replay window (the default config: 7 days), the rest for good
  const kept = (name: string) => families.locator("tbody tr").filter({ hasText: name }).locator('td[data-label="Kept"]');
  await expect(kept("Book tickers")).toHaveText("7 days");
  await expect(kept("Forming candles")).toHaveText("7 days");
  await expect(kept("Liquidations")).toHaveText("for good");
  await expect(kept("Decisions and money")).toHaveText("for good");
  await expect(families.locator("tbody tr").filter({ hasText: "Liquidations" })).toContainText("Binance keeps no history of them");
  // what is stored now: today's window partition (yesterday's too after midnight UTC), and the kept tier
  const day = String.raw`\d{4}-\d{2}-\d{2}`;
  const size = String.raw`[\d.]+ [kMGT]?B`;
  const stored = String.raw`^Stored now: window tier (1 day, ${day}|\d+ days, ${day} → ${day})( \(and \d+ made ahead\))?, ${size}; kept tier ${size}`;
  await expect(page.getByTestId("storage-retention")).toHaveText(new RegExp(stored));
  // how far the prune has gone: a fresh database (a day of seeded history) has nothing older than the window
  const pruned = String.raw`^(Nothing pruned yet|Pruned through ${day}: a replay from the database starts after it\. Latest prune: .+ UTC)\. Days before ${day} go at the next prune`;
  await expect(page.getByTestId("storage-pruned")).toHaveText(new RegExp(LOCAL_STACK ? String.raw`^Nothing pruned yet\. Days before ${day} go at the next prune` : pruned));
});
