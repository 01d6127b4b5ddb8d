import { readFileSync } from "node:fs";
import { STATE_FILE } from "./global-setup";
import { stopStack } from "./stack.mjs";

export default async function globalTeardown(): Promise<void> {
  const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as { nextPid?: number; stack?: Parameters<typeof stopStack>[0] };
  if (state.nextPid) {
    try {
      process.kill(-state.nextPid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  if (state.stack && !process.env.KEEP_STACK) await stopStack(state.stack);
}
