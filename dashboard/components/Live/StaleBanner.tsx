"use client";

import { useLive } from "./LiveProvider";
import { age, ageSeconds, dateTime } from "@/lib/format";
import { HEARTBEAT_STALE_S } from "@/lib/status";

/** One clear line when what is on screen cannot be trusted: the API is unreachable, or the bot is silent. */
export function StaleBanner() {
  const { reachable, lastOkAt, state, now, tz } = useLive();
  if (!reachable) {
    const since = lastOkAt ? `showing data from ${dateTime(new Date(lastOkAt).toISOString(), tz)} (${age(new Date(lastOkAt).toISOString(), now)})` : "no data loaded yet";
    return (
      <div className="banner tone-fail" role="alert" data-testid="banner-unreachable">
        <div className="banner-inner">✕ Cannot reach the bot API — {since}. Retrying every 4 s.</div>
      </div>
    );
  }
  const beat = ageSeconds(state?.heartbeat_at, now);
  if (state && (beat === null || beat > HEARTBEAT_STALE_S)) {
    return (
      <div className="banner tone-warn" role="alert" data-testid="banner-stale">
        <div className="banner-inner">
          ! Data is stale: the bot&apos;s last heartbeat was {age(state.heartbeat_at, now)}
          {state.heartbeat_at ? ` (${dateTime(state.heartbeat_at, tz)})` : ""}. Is the governor running?
        </div>
      </div>
    );
  }
  return null;
}
