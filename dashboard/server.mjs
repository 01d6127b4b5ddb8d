// The dashboard's production entry point: Next's standalone server (.next/standalone/server.js, run as
// is, so PORT, HOSTNAME and KEEP_ALIVE_TIMEOUT mean what they always did) behind a request filter.
//
// Why: the API limits failed logins per client address, and only this process knows that address (the
// API sees the dashboard's). Every request gets `x-liqfade-client` set here, never taken from the client:
//   TRUSTED_PROXY_HOPS=0 or unset  the socket's peer address (nothing trusted in front of us);
//   TRUSTED_PROXY_HOPS=N           the address N entries from the right of X-Forwarded-For, which the N
//                                  proxies in front of us append to (Railway's edge: 1); the socket's
//                                  address when the header is shorter.
// Next trusts forwarded headers a client sends (it only fills them in when absent), so a client-sent
// X-Forwarded-Host is dropped unless TRUST_FORWARDED_HOST=1, and with no trusted proxy a client-sent
// X-Forwarded-Proto too: Next then sets both from the Host header and the socket.
//
// Next's start-server calls http.createServer(listener) once it starts, so the filter wraps
// http.createServer before server.js is loaded; there is no public hook in front of Next's own listener.
import http from "node:http";
import { createRequire } from "node:module";
import { isIP } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CLIENT_HEADER = "x-liqfade-client";
const hops = Number.parseInt(process.env.TRUSTED_PROXY_HOPS ?? "0", 10) || 0;
const trustForwardedHost = process.env.TRUST_FORWARDED_HOST === "1";

/** "::ffff:203.0.113.7" (an IPv4 peer on a dual-stack socket) reads as "203.0.113.7". */
function plainAddress(address) {
  return address?.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function clientAddress(request) {
  const peer = plainAddress(request.socket.remoteAddress) ?? "unknown";
  if (hops <= 0) return peer;
  const forwarded = String(request.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const candidate = forwarded.length >= hops ? plainAddress(forwarded[forwarded.length - hops]) : undefined;
  return candidate && isIP(candidate) ? candidate : peer;
}

function filter(request) {
  request.headers[CLIENT_HEADER] = clientAddress(request);
  if (!trustForwardedHost) delete request.headers["x-forwarded-host"];
  if (hops <= 0) delete request.headers["x-forwarded-proto"];
}

const createServer = http.createServer;
http.createServer = function createFilteredServer(...args) {
  const at = args.findIndex((arg) => typeof arg === "function");
  if (at >= 0) {
    const listener = args[at];
    args[at] = function filteredListener(request, response) {
      filter(request);
      return listener.call(this, request, response);
    };
  }
  return createServer.apply(this, args);
};

const here = dirname(fileURLToPath(import.meta.url));
createRequire(import.meta.url)(join(here, ".next", "standalone", "server.js"));
