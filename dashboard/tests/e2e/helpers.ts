import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";

const DASHBOARD = join(__dirname, "..", "..");
const REPO = join(DASHBOARD, "..");
export const SCREENSHOTS = join(DASHBOARD, "test-results", "screenshots");
export const WIDTHS = [375, 1280] as const;

/** True when global setup started its own seeded back end (tests may then seed more events). */
export const LOCAL_STACK = process.env.LIQFADE_LOCAL_STACK === "1";

export function credentials(): { email: string; password: string } {
  const email = process.env.ADMIN_EMAIL ?? "admin@liqfade.local";
  const password = process.env.ADMIN_PASSWORD;
  if (!password) throw new Error("set ADMIN_PASSWORD (and ADMIN_EMAIL) for the dashboard under test");
  return { email, password };
}

export async function login(page: Page): Promise<void> {
  const { email, password } = credentials();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** Seeds events through the local stack's streams (tests/support/seed.py). */
export function seed(...args: string[]): string {
  return execFileSync(join(REPO, ".venv", "bin", "python"), [join(DASHBOARD, "tests", "support", "seed.py"), ...args], {
    cwd: REPO,
    env: process.env,
    encoding: "utf8",
  });
}

/** Full-page screenshots of the current route at phone and desktop width. */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await page.evaluate(() => window.scrollTo(0, 0)); // else the sticky top bar lands mid-page
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
