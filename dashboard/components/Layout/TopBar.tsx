"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { Badge } from "@/components/ui/Badge";
import { useLive } from "@/components/Live/LiveProvider";
import { leave } from "@/lib/api/browser";
import { age, ageSeconds } from "@/lib/format";
import { heartbeatTone, statusView } from "@/lib/status";

const PAGES = [
  ["/", "Overview"],
  ["/checklist", "Checklist"],
  ["/trades", "Trades"],
  ["/signals", "Signals"],
  ["/config", "Config"],
  ["/logs", "Logs"],
  ["/controls", "Controls"],
] as const;

function StatusPill() {
  const { state, now } = useLive();
  const view = statusView(state?.status);
  const beat = ageSeconds(state?.heartbeat_at, now);
  return (
    <span className="actions" data-testid="topbar-status">
      <Badge tone={view.tone}>{view.word}</Badge>
      <Badge tone={heartbeatTone(beat)} title="governor heartbeat">
        ♥ {age(state?.heartbeat_at, now)}
      </Badge>
    </span>
  );
}

export function TopBar() {
  const path = usePathname();
  const { streaming } = useLive();
  return (
    <header className="topbar">
      <div className="topbar-row">
        <Link href="/" className="brand">
          liqfade
        </Link>
        <StatusPill />
        <span className="spacer" />
        <span className="live-dot" data-testid="live-mode" title={streaming ? "live stream connected" : "polling every 4 s"}>
          {streaming ? "●" : "○"}<span className="live-word">{streaming ? " live" : " polling"}</span>
        </span>
        <form action="/bff/auth/logout" method="post" onSubmit={leave}>
          <button type="submit" className="btn btn-ghost">
            Log out
          </button>
        </form>
      </div>
      <nav className="nav" aria-label="Screens">
        {PAGES.map(([href, label]) => (
          <Link key={href} href={href} aria-current={path === href ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
    </header>
  );
}
