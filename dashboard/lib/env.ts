import "server-only";

/** Where the FastAPI service listens. Read on the server only; the browser never learns it. */
export function apiUrl(): string {
  return (process.env.API_URL ?? "http://127.0.0.1:8000").replace(/\/+$/, "");
}
