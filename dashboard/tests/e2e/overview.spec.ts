import { expect, test } from "@playwright/test";
import { LOCAL_STACK, login, screenshots, seed } from "./helpers";

test.beforeEach(async ({ page }) => login(page));

test("the overview shows RUNNING with a fresh heartbeat", async ({ page }) => {
  await expect(page.getByTestId("bot-status")).toHaveText("RUNNING");
  await expect(page.getByTestId("heartbeat-age")).toHaveText(/♥ (just now|\d{1,2}s ago)/);
  const seconds = Number((await page.getByTestId("heartbeat-age").innerText()).match(/(\d+)s/)?.[1] ?? 0);
  expect(seconds).toBeLessThan(15);
  await expect(page.getByTestId("banner-stale")).toHaveCount(0);
});

test("the overview shows equity in USDT and ZAR with the rate's source, and the day boundary", async ({ page }) => {
  await expect(page.getByTestId("equity-usdt")).toContainText("USDT");
  await expect(page.getByTestId("equity-zar")).toContainText(/ZAR/);
  await expect(page.getByTestId("equity-zar")).toContainText(/rate: \w+/);
  await expect(page.getByTestId("day-boundary")).toContainText(/(Africa\/Johannesburg|UTC)/);
  await expect(page.getByTestId("pnl-today")).toContainText("USDT");
  await expect(page.getByTestId("drawdown-today")).toContainText("USDT");
  for (const id of ["loss-left", "trades-left", "loss-streak", "pause-until"]) await expect(page.getByTestId(id)).toBeVisible();
  await expect(page.getByTestId("checklist-summary")).toBeVisible();
});

test("an open position appears live with its stop and target, and goes when it closes", async ({ page }) => {
  test.skip(!LOCAL_STACK, "seeds a position through the local stack's streams");
  await expect(page.getByTestId("no-position")).toBeVisible();
  const setup = seed("open-position").trim().split(" ").pop() ?? "";
  const position = page.getByTestId("open-position");
  await expect(position).toContainText("ETHUSDT");
  await expect(position).toContainText("LONG");
  await expect(position).toContainText("3,084.31"); // stop
  await expect(position).toContainText("3,109.09"); // target
  await screenshots(page, "overview-with-position");
  seed("close-position", setup);
  await expect(page.getByTestId("no-position")).toBeVisible();
});
