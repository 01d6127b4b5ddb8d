import { defineConfig } from "@playwright/test";

/**
 * Full-stack dashboard tests. The target is, in order:
 *   DASHBOARD_URL set              → a running dashboard (the lead's stack harness); nothing is started;
 *   API_URL set                    → `next start` against that API;
 *   neither                        → tests/support/stack.mjs starts a private back end (redis, a fresh
 *                                    database, and `liqfade up --demo`: simulator, ingest, strategy,
 *                                    governor, executor, projector, api) with a day of seeded history,
 *                                    then the standalone server against it.
 * Chromium is Debian's (/usr/bin/chromium; `npx playwright install` is not used).
 */
export default defineConfig({
  testDir: "./tests/e2e",
  outputDir: "./test-results/artifacts",
  globalSetup: "./tests/support/global-setup.ts",
  globalTeardown: "./tests/support/global-teardown.ts",
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["json", { outputFile: "test-results/report.json" }]],
  // The real-spike trade comes first: the other tests pause, flatten and publish configs.
  projects: [
    { name: "spike", testMatch: /spike\.spec\.ts$/ },
    { name: "screens", testIgnore: /spike\.spec\.ts$/, dependencies: ["spike"] },
  ],
  use: {
    baseURL: process.env.DASHBOARD_URL ?? "http://127.0.0.1:3000",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
