"""The daily 30-minute checklist (seed §7.2): each item ok / warn / fail, with the evidence behind it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from api.models import CheckItem
from api.queries import EXPECTED_PROCESSES, Conn, day_window, fetch_all, fetch_one, processes, trade_pnls
from schemas.config import BotConfig
from schemas.risk import Heartbeat

DAY = timedelta(hours=24)
REPEATED = 3  # the same error this often in 24 h is "repeated"


async def services_online(db: Conn, now: datetime) -> CheckItem:
    seen = {p.process: p for p in await processes(db, now)}
    missing = [name for name in EXPECTED_PROCESSES if name not in seen]
    offline = [f"{p.process} ({p.age_s:.0f}s ago)" for p in seen.values() if not p.online]
    online = [f"{p.process} {p.age_s:.0f}s ago" for p in seen.values() if p.online]
    evidence = f"online: {', '.join(online) or 'none'}"
    if missing or offline:
        gone = ", ".join([*offline, *(f"{m} (never seen)" for m in missing)])
        return CheckItem(
            key="services_online",
            title="All services online",
            status="fail",
            evidence=f"not online: {gone}; {evidence}",
        )
    return CheckItem(key="services_online", title="All services online", status="ok", evidence=evidence)


async def risk_limits(db: Conn, now: datetime, status: str | None) -> CheckItem:
    hits = await fetch_all(
        db,
        "SELECT ts, outcome, detail FROM risk_events WHERE type = 'RiskLimitHit'"
        " AND ts >= %s ORDER BY ts DESC",
        (now - DAY,),
    )
    listed = "; ".join(f"{h['outcome']} at {h['ts']:%Y-%m-%d %H:%M}Z ({h['detail']})" for h in hits[:5])
    if status == "PAUSED_RISK_LIMIT":
        return CheckItem(
            key="no_risk_limits_hit",
            title="No risk limits hit",
            status="fail",
            evidence=f"bot is PAUSED_RISK_LIMIT; {listed or 'no limit event in 24h'}",
        )
    if hits:
        return CheckItem(
            key="no_risk_limits_hit",
            title="No risk limits hit",
            status="warn",
            evidence=f"{len(hits)} in 24h: {listed}",
        )
    return CheckItem(
        key="no_risk_limits_hit",
        title="No risk limits hit",
        status="ok",
        evidence="no risk limit hit in the last 24h",
    )


async def repeated_errors(db: Conn, now: datetime, status: str | None) -> CheckItem:
    rows = await fetch_all(
        db,
        "SELECT process, message, count(*) AS n, max(ts) AS last FROM logs"
        " WHERE level_no >= 40 AND ts >= %s GROUP BY process, message ORDER BY n DESC"
        " LIMIT 5",
        (now - DAY,),
    )
    listed = "; ".join(f"{r['process']}: {r['message'][:120]} x{r['n']}" for r in rows)
    if status == "ERROR" or (rows and rows[0]["n"] >= REPEATED):
        prefix = "bot is in ERROR; " if status == "ERROR" else ""
        return CheckItem(
            key="no_repeated_errors",
            title="No repeated errors",
            status="fail",
            evidence=prefix + (listed or "no error logs in 24h"),
        )
    if rows:
        return CheckItem(
            key="no_repeated_errors",
            title="No repeated errors",
            status="warn",
            evidence=f"errors in 24h, none repeated: {listed}",
        )
    return CheckItem(
        key="no_repeated_errors",
        title="No repeated errors",
        status="ok",
        evidence="no errors in the last 24h",
    )


async def pnl_band(
    db: Conn, now: datetime, config: BotConfig, heartbeat: Heartbeat | None
) -> CheckItem:
    day, start, end = day_window(config.day_boundary_tz, now)
    pnl = sum(await trade_pnls(db, start, end), Decimal(0))
    equity = heartbeat.day_start_equity if heartbeat else config.paper.starting_equity_usdt
    limit = equity * config.risk.daily_max_loss_pct
    evidence = (
        f"today ({day}, {config.day_boundary_tz}) {pnl:+.2f} USDT; daily loss limit -{limit:.2f}, "
        f"warn below -{limit / 2:.2f}"
    )
    state = "fail" if pnl <= -limit else "warn" if pnl < -limit / 2 else "ok"
    return CheckItem(key="pnl_within_band", title="PnL within expected band", status=state, evidence=evidence)


async def open_positions(db: Conn, now: datetime, config: BotConfig) -> CheckItem:
    rows = await fetch_all(db, "SELECT symbol, side, opened_at FROM positions WHERE status = 'OPEN'")
    title = "Open positions: none / manageable"
    if not rows:
        return CheckItem(key="open_positions", title=title, status="ok", evidence="none")
    allowed = config.execution.time_stop_seconds + 60
    ages = [(r, (now - r["opened_at"]).total_seconds() if r["opened_at"] else 0.0) for r in rows]
    listed = ", ".join(f"{r['symbol']} {r['side']} for {age:.0f}s" for r, age in ages)
    if len(rows) > 1 or any(age > allowed for _, age in ages):
        return CheckItem(
            key="open_positions",
            title=title,
            status="fail",
            evidence=f"{listed} (at most 1, closed by the {config.execution.time_stop_seconds}s time stop)",
        )
    return CheckItem(
        key="open_positions",
        title=title,
        status="ok",
        evidence=f"{listed} (time stop {config.execution.time_stop_seconds}s)",
    )


async def last_day_trades(db: Conn, now: datetime) -> CheckItem:
    row = await fetch_one(
        db,
        "SELECT count(*) AS n, count(*) FILTER (WHERE pnl_usdt > 0) AS wins,"
        ' coalesce(sum(pnl_usdt), 0) AS pnl FROM trades WHERE "timestamp" >= %s',
        (now - DAY,),
    )
    n, wins, pnl = (row["n"], row["wins"], row["pnl"]) if row else (0, 0, Decimal(0))
    rate = wins / n if n else None
    evidence = (
        f"{n} trades, {wins} wins" + (f" ({rate:.0%})" if rate is not None else "") + f", PnL {pnl:+.2f} USDT"
    )
    low = rate is not None and n >= 5 and rate < 0.3
    return CheckItem(
        key="last_24h_trades",
        title="Last 24h trade count and win rate",
        status="warn" if low else "ok",
        evidence=evidence,
    )


async def notifications_ok(db: Conn, now: datetime) -> CheckItem:
    title = "Notifications ok"
    started = await fetch_one(
        db,
        "SELECT ts, status, channel, detail FROM notifications"
        " WHERE kind = 'notifier_started' ORDER BY ts DESC LIMIT 1",
    )
    if started is None:
        return CheckItem(
            key="notifications_ok",
            title=title,
            status="warn",
            evidence="the notifier has never reported (is it running?)",
        )
    if started["status"] == "disabled":
        return CheckItem(
            key="notifications_ok",
            title=title,
            status="warn",
            evidence="disabled: no ALERT_WEBHOOK_URL configured",
        )
    last = await fetch_all(
        db,
        "SELECT DISTINCT ON (status) status, ts, detail FROM notifications"
        " WHERE status IN ('sent', 'failed') AND ts >= %s ORDER BY status, ts DESC",
        (now - DAY,),
    )
    by = {r["status"]: r for r in last}
    counts = await fetch_one(
        db,
        "SELECT count(*) FILTER (WHERE status = 'sent') AS sent,"
        " count(*) FILTER (WHERE status = 'failed') AS failed FROM notifications"
        " WHERE ts >= %s",
        (now - DAY,),
    )
    sent, failed = (counts["sent"], counts["failed"]) if counts else (0, 0)
    evidence = f"channel {started['channel']}; 24h: {sent} sent, {failed} failed"
    if "failed" in by and ("sent" not in by or by["sent"]["ts"] < by["failed"]["ts"]):
        return CheckItem(
            key="notifications_ok",
            title=title,
            status="fail",
            evidence=f"{evidence}; last send failed: {by['failed']['detail'][:200]}",
        )
    return CheckItem(
        key="notifications_ok", title=title, status="warn" if failed else "ok", evidence=evidence
    )
