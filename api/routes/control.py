"""Operator controls (seed §6.2): each becomes a command on `commands`; the governor decides.

The API never trades: it appends the command, waits briefly for the governor's ControlActionResult
(or the executor's HealthCheckResult), and reports what it saw. Every call runs once per key.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.commands import command_envelope, last_id, send, wait_for
from api.deps import AdminUser, DbDep, IdemKey, ServicesDep
from api.idempotency import run_once
from api.models import ControlBody, ControlResult, HealthCheck, HealthCheckReport
from api.queries import Conn
from schemas.commands import (
    DailyCountersResetRequested,
    FlattenRequested,
    HealthCheckRequested,
    PauseRequested,
    ResumeRequested,
)
from schemas.envelope import Envelope, Payload
from schemas.orders import HealthCheckResult
from schemas.risk import ControlActionResult
from schemas.streams import EXECUTIONS, STATE

router = APIRouter(prefix="/api/control", tags=["control"])


@router.post("/pause", response_model=ControlResult)
async def pause(
    db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey, body: ControlBody | None = None
) -> ControlResult:
    reason = body.reason if body else ""
    return await _submit(
        db, services, admin, key, "pause", PauseRequested(idempotency_key=key, actor=admin.email, reason=reason)
    )


@router.post("/resume", response_model=ControlResult)
async def resume(db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey) -> ControlResult:
    return await _submit(db, services, admin, key, "resume", ResumeRequested(idempotency_key=key, actor=admin.email))


@router.post("/flatten", response_model=ControlResult)
async def flatten(
    db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey, body: ControlBody | None = None
) -> ControlResult:
    reason = body.reason if body else ""
    return await _submit(
        db, services, admin, key, "flatten", FlattenRequested(idempotency_key=key, actor=admin.email, reason=reason)
    )


@router.post("/reset-daily", response_model=ControlResult)
async def reset_daily(db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey) -> ControlResult:
    return await _submit(
        db, services, admin, key, "reset-daily", DailyCountersResetRequested(idempotency_key=key, actor=admin.email)
    )


@router.post("/health-check", response_model=HealthCheckReport)
async def health_check(db: DbDep, services: ServicesDep, admin: AdminUser, key: IdemKey) -> HealthCheckReport:
    async def act(_conn: Conn) -> tuple[dict[str, Any], str]:
        envelope = command_envelope(HealthCheckRequested(idempotency_key=key, actor=admin.email), key)
        after = await last_id(services.redis, EXECUTIONS)
        await send(services.redis, envelope)
        reply = await wait_for(
            services.redis, EXECUTIONS, after, _answers(HealthCheckResult, key), services.health_wait_s
        )
        result = reply.payload if reply is not None else None
        report = HealthCheckReport(
            command_id=envelope.id,
            idempotency_key=key,
            status="timeout" if not isinstance(result, HealthCheckResult) else "ok" if result.ok else "failed",
            checks=[HealthCheck(name=c.name, ok=c.ok, detail=c.detail) for c in result.checks]
            if isinstance(result, HealthCheckResult)
            else [],
        )
        return report.model_dump(mode="json"), report.status

    return HealthCheckReport(
        **await run_once(db, key=key, endpoint="control.health-check", request={}, admin=admin, action=act)
    )


async def _submit(
    db: DbDep, services: ServicesDep, admin: AdminUser, key: str, name: str, payload: Payload
) -> ControlResult:
    async def act(_conn: Conn) -> tuple[dict[str, Any], str]:
        envelope = command_envelope(payload, key)
        after = await last_id(services.redis, STATE)
        await send(services.redis, envelope)
        reply = await wait_for(
            services.redis, STATE, after, _answers(ControlActionResult, key), services.control_wait_s
        )
        answer = reply.payload if reply is not None else None
        result = ControlResult(
            command=payload.TYPE,
            command_id=envelope.id,
            idempotency_key=key,
            actor=admin.email,
            status=answer.outcome if isinstance(answer, ControlActionResult) else "submitted",
            reason=answer.reason if isinstance(answer, ControlActionResult) else "",
        )
        return result.model_dump(mode="json"), result.status

    return ControlResult(
        **await run_once(
            db,
            key=key,
            endpoint=f"control.{name}",
            request=payload.model_dump(mode="json"),
            admin=admin,
            action=act,
        )
    )


def _answers(kind: type[Payload], key: str) -> Any:
    def match(envelope: Envelope) -> bool:
        return isinstance(envelope.payload, kind) and getattr(envelope.payload, "idempotency_key", None) == key

    return match
