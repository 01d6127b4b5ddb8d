// Runs the private test back end in the foreground (Ctrl-C stops it and drops its database), e.g. to
// point `npm run dev` at it: API_URL=<printed> ADMIN_PASSWORD=<printed> npm run dev
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARD, startStack, stopStack } from "./stack.mjs";

const stack = await startStack();
mkdirSync(join(DASHBOARD, "test-results"), { recursive: true });
writeFileSync(join(DASHBOARD, "test-results", "stack.json"), JSON.stringify(stack, null, 2));
console.log(JSON.stringify({ API_URL: stack.apiUrl, ...stack.env }, null, 2));
const stop = async () => {
  await stopStack(stack);
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
setInterval(() => undefined, 1 << 30);
