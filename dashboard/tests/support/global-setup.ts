import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as StackModule from "./stack.mjs";

export const STATE_FILE = join(__dirname, "..", "..", "test-results", "e2e-stack.json");

/** stack.mjs is an ES module shared with run-stack.mjs; load it the ESM way. */
export const stackModule = (): Promise<typeof StackModule> => import("./stack.mjs");

/** Starts what DASHBOARD_URL does not already provide (see playwright.config.ts). */
export default async function globalSetup(): Promise<void> {
  const { DASHBOARD, freePort, startStack, waitFor } = await stackModule();
  mkdirSync(join(DASHBOARD, "test-results", "screenshots"), { recursive: true });
  if (process.env.DASHBOARD_URL) {
    writeFileSync(STATE_FILE, JSON.stringify({ mode: "external" }));
    return;
  }
  const state: Record<string, unknown> = {};
  let apiUrl = process.env.API_URL;
  if (!apiUrl) {
    const stack = await startStack();
    Object.assign(state, { stack });
    apiUrl = stack.apiUrl;
    process.env.ADMIN_EMAIL = stack.env.ADMIN_EMAIL;
    process.env.ADMIN_PASSWORD = stack.env.ADMIN_PASSWORD;
    process.env.REDIS_URL = stack.env.REDIS_URL;
    process.env.DASHBOARD_SECRET = stack.env.DASHBOARD_SECRET;
    process.env.LIQFADE_LOCAL_STACK = "1";
  }
  const port = process.env.PORT ?? String(await freePort());
  if (!existsSync(join(DASHBOARD, ".next", "standalone", "server.js"))) throw new Error("no build: run `npm run build` first");
  const log = openSync(join(DASHBOARD, "test-results", "next.log"), "a");
  // Default: server.mjs (the standalone server behind its client-address filter), which is what production
  // (the Procfile, the Dockerfile) runs. One trusted proxy hop: the tests play several client addresses
  // through X-Forwarded-For. DASHBOARD_SERVER=next-start uses `next start` instead (no such filter).
  const nextBin = join(DASHBOARD, "node_modules", "next", "dist", "bin", "next");
  const args = process.env.DASHBOARD_SERVER === "next-start" ? [nextBin, "start", "-p", port, "-H", "127.0.0.1"] : [join(DASHBOARD, "server.mjs")];
  const child = spawn(process.execPath, args, {
    cwd: DASHBOARD,
    env: { ...process.env, API_URL: apiUrl, PORT: port, HOSTNAME: "127.0.0.1", TRUSTED_PROXY_HOPS: "1" },
    stdio: ["ignore", log, log],
    detached: true,
  });
  child.unref();
  const url = `http://127.0.0.1:${port}`;
  Object.assign(state, { mode: apiUrl === process.env.API_URL ? "api" : "local", nextPid: child.pid, url, apiUrl });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  await waitFor("the dashboard", async () => (await fetch(`${url}/login`)).ok);
  process.env.DASHBOARD_URL = url;
}
