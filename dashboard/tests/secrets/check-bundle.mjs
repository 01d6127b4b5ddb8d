// No secret may reach the browser. Builds the dashboard with sentinel values for every secret the
// deployment has (JWT secret, Binance key and secret, admin password, dashboard secret) and for the API's address, then
// fails if any sentinel appears in any file of the client bundle (.next/static) or the public folder.
//   node tests/secrets/check-bundle.mjs            build with sentinels, then scan
//   node tests/secrets/check-bundle.mjs --no-build scan the existing build (built with these sentinels)
import { execSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dashboard = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SENTINELS = {
  JWT_SECRET: "SENTINEL-jwt-7f3c1d0e9b",
  BINANCE_API_KEY: "SENTINEL-binance-key-41ad9",
  BINANCE_API_SECRET: "SENTINEL-binance-secret-c88e2",
  ADMIN_PASSWORD: "SENTINEL-admin-password-5e0b7",
  DASHBOARD_SECRET: "SENTINEL-dashboard-secret-9a61f",
  API_URL: "http://sentinel-api-host.invalid:8123",
};
const env = { ...process.env, ...SENTINELS };

if (!process.argv.includes("--no-build")) {
  execSync("npm run build", { cwd: dashboard, env, stdio: "inherit" });
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const roots = [join(dashboard, ".next", "static"), join(dashboard, "public")].filter(existsSync);
if (!existsSync(join(dashboard, ".next", "static"))) {
  console.error("no .next/static: build first");
  process.exit(2);
}
const needles = Object.entries(SENTINELS).flatMap(([name, value]) => {
  const out = [[name, value]];
  if (name === "API_URL") out.push([`${name} host`, new URL(value).host]);
  return out;
});
let scanned = 0;
let sawClientCode = false; // proves the scan read the real client code, not an empty folder
const leaks = [];
for (const root of roots) {
  for (const file of files(root)) {
    const text = readFileSync(file).toString("latin1");
    scanned += 1;
    if (text.includes("/bff/auth/login")) sawClientCode = true;
    for (const [name, value] of needles) if (text.includes(value)) leaks.push(`${name} in ${relative(dashboard, file)}`);
  }
}
if (!sawClientCode) {
  console.error("the scan did not find the login code in .next/static: wrong folder?");
  process.exit(2);
}
if (leaks.length) {
  console.error(`SECRET LEAK in the client bundle:\n  ${leaks.join("\n  ")}`);
  process.exit(1);
}
console.log(`ok: none of ${needles.length} sentinels in ${scanned} client files (${roots.map((r) => relative(dashboard, r)).join(", ")})`);
