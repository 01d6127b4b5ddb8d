import { expect, test } from "@playwright/test";
import { login, screenshots } from "./helpers";

const SCREENS = [
  ["/", "overview", "status-card"],
  ["/checklist", "checklist", "checklist-card"],
  ["/trades", "trades", "trades-table"],
  ["/signals", "signals", "signals-table"],
  ["/config", "config", "config-card"],
  ["/logs", "logs", "last-error"],
  ["/controls", "controls", "controls-card"],
] as const;

test("every screen at 375 px and 1280 px", async ({ page }) => {
  await page.goto("/login");
  await screenshots(page, "login");
  await login(page);
  for (const [path, name, ready] of SCREENS) {
    await page.goto(path);
    await expect(page.getByTestId(ready)).toBeVisible();
    await page.waitForTimeout(800); // the SSE stream keeps the network busy, so no "networkidle"
    await screenshots(page, name);
  }
});
