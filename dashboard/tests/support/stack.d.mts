export interface Stack {
  env: Record<string, string> & { ADMIN_EMAIL: string; ADMIN_PASSWORD: string; REDIS_URL: string; DASHBOARD_SECRET: string };
  database: string;
  adminUrl: string;
  pids: number[];
  apiUrl: string;
}
export const DASHBOARD: string;
export const REPO: string;
export function freePort(): Promise<number>;
export function waitFor(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
export function seed(env: Record<string, string | undefined>, ...args: string[]): string;
export function login(apiUrl: string, email: string, password: string): Promise<string>;
export function startStack(): Promise<Stack>;
export function stopStack(stack: Stack): Promise<void>;
