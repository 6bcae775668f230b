"""The public status page: an applicant looks up their case by its number and the code printed
on the receipt, without logging in. It says the coarse stage and the reply due date, nothing
else; a wrong number and a wrong code get the same answer; each client address may look up a
limited number of times a minute (counted in the database, shared by every worker)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from api.deps import engine_of
from api.routing import ApiRouter
from gkcase.db import read_session, unit_of_work
from gkcase.errors import GkcaseError
from gkcase.models import Case, PublicLookupWindow
from gkcase.services.cases import NotFound
from gkcase.states.machine import State

router = ApiRouter(prefix="/api/public", tags=["public"])

#: Lookups per client address per window.
LOOKUP_LIMIT = 10

_NOT_FOUND = "未找到该申请，请核对申请编号和查询码"

#: The coarse stage an applicant sees: no internal step, no outcome.
STAGES = {
    State.RECEIVED: "已收到",
    State.REGISTERED: "已受理",
    State.REVIEWING: "已受理",
    State.AWAITING_CORRECTION: "待补正",
    State.HANDLING: "办理中",
    State.CONSULTING: "办理中",
    State.AWAITING_FEE: "待缴费",
    State.DRAFTING: "办理中",
    State.LEGAL_REVIEW: "办理中",
    State.SIGNING: "办理中",
    State.REPLIED: "已答复",
    State.DELIVERED: "已答复",
    State.CLOSED: "已办结",
    State.ARCHIVED: "已办结",
}


class LookupThrottled(GkcaseError):
    code = "auth.throttled"


class StatusOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": "FGW-2026-00012",
                    "stage": "办理中",
                    "reply_due": "2026-03-30",
                    "due_provisional": False,
                }
            ]
        }
    )

    number: str
    stage: str = Field(description="已收到、已受理、待补正、办理中、待缴费、已答复或已办结")
    reply_due: date | None = Field(description="答复期限; null once answered or while not running")
    due_provisional: bool = Field(description="the due date rests on an estimated holiday year")


def _count_lookup(request: Request) -> None:
    """Count this lookup against the client's window; refuse over the limit."""
    client = (request.client.host if request.client else "")[:64] or "unknown"
    start = datetime.now(UTC).replace(second=0, microsecond=0)  # fixed one-minute windows
    table = PublicLookupWindow.__table__
    with unit_of_work(engine_of(request)) as session:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(table).values(client=client, window_start=start, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.client, table.c.window_start],
            set_={"count": table.c.count + 1},
        ).returning(table.c.count)
        count = session.execute(statement).scalar_one()
        # old windows are of no further use
        session.execute(delete(table).where(table.c.window_start < start - timedelta(hours=1)))
    if count > LOOKUP_LIMIT:
        raise LookupThrottled("查询过于频繁，请稍后再试")


class StatusQuery(BaseModel):
    """The case number and lookup code from the receipt. Sent in the body, never in the URL, so
    the code stays out of access logs and browser history."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"number": "FGW-2026-00012", "code": "7K3Q9XWA"}]},
    )

    number: str = Field(min_length=1, max_length=60, description="申请编号（见登记回执）")
    code: str = Field(min_length=1, max_length=16, description="查询码（见登记回执）")


@router.post(
    "/status",
    response_model=StatusOut,
    summary="申请办理进度查询（无需登录）",
    responses={
        404: {"description": "wrong number or code: the same answer either way"},
        429: {"description": f"more than {LOOKUP_LIMIT} lookups a minute from one address"},
    },
)
def status(request: Request, query: StatusQuery) -> StatusOut:
    number, code = query.number, query.code
    _count_lookup(request)
    wanted = number.strip().upper()
    with read_session(engine_of(request)) as session:
        case = session.exec(select(Case).where(Case.number == wanted)).first()
        # compare the code even for an unknown number, so timing says nothing either
        stored = case.lookup_code if case is not None else secrets.token_urlsafe(8)
        if not secrets.compare_digest(stored.encode(), code.strip().encode()) or case is None:
            raise NotFound(_NOT_FOUND)
        state = State(case.state)
        due = case.reply_due if state.is_open else None
        return StatusOut(
            number=case.number,
            stage=STAGES[state],
            reply_due=due,
            due_provisional=bool(due and case.due_provisional),
        )
