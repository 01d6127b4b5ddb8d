import { readFileSync } from "node:fs";
import { STATE_FILE, stackModule } from "./global-setup";
import type { Stack } from "./stack.mjs";

export default async function globalTeardown(): Promise<void> {
  const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as { nextPid?: number; stack?: Stack };
  if (state.nextPid) {
    try {
      process.kill(-state.nextPid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  if (state.stack && !process.env.KEEP_STACK) await (await stackModule()).stopStack(state.stack);
}
