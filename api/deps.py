"""Typed dependencies: the database session (one unit of work per request) and the caller."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import contextmanager_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session

from gkcase.db import get_engine, get_report_engine, read_session, report_session, unit_of_work
from gkcase.errors import GkcaseError
from gkcase.models import User
from gkcase.services import auth
from gkcase.states.machine import Role
from gkcase.states.payloads import MAX_ID

SESSION_COOKIE = "gkcase_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(GkcaseError):
    code = "auth.csrf"


def engine_of(request: Request) -> Engine:
    return getattr(request.app.state, "engine", None) or get_engine()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request that changes something (committed when the route returns,
    rolled back on error); a read-only session for GET, which never takes the write lock.

    A read session is opened and closed on the event loop: neither touches the database (its
    connection is taken by the first query, in the route's thread, and on PostgreSQL gives
    nothing back to roll back — see ``read_session``), and each hop to a worker thread costs
    more than the work (docs/performance.md, "HTTP load"). A unit of work begins and commits
    in a worker thread: both are round trips.
    """
    if request.method in _SAFE:
        with read_session(engine_of(request)) as session:
            yield session
        return
    async with contextmanager_in_threadpool(unit_of_work(engine_of(request))) as session:
        yield session


#: Scope "function": the unit of work commits when the route returns, *before* the response is
#: sent — so a client never reads stale data after a 2xx, and a failed commit is an error
#: response, not a success already on the wire (FastAPI ends "request"-scoped dependencies
#: after sending).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def report_engine_of(request: Request) -> Engine:
    """Where reports and supervision read: the report database (a replica) when configured."""
    return getattr(request.app.state, "report_engine", None) or get_report_engine()


def get_report_session(request: Request) -> Iterator[Session]:
    """A snapshot for a report or a supervision read, on the report database (``report_session``);
    the caller is still found on the primary, where a revoked token is revoked at once."""
    with report_session(report_engine_of(request)) as session:
        yield session


ReportSessionDep = Annotated[Session, Depends(get_report_session, scope="function")]


@dataclass(frozen=True)
class Credentials:
    """What a request presents to say who it is, read off it without the database: a bearer
    token, or a session cookie with the CSRF token sent beside it (``csrf`` is ``None`` when the
    request changes nothing and so needs none)."""

    token: str
    via: str  # "token" or "session"
    csrf: str | None = None


def credentials_of(request: Request) -> Credentials:
    """The request's credentials; a request that presents none is refused here (401)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return Credentials(header[7:].strip(), "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise auth.NotAuthenticated("请先登录")
    csrf = None if request.method in _SAFE else request.headers.get(CSRF_HEADER, "")
    return Credentials(cookie, "session", csrf)


def caller_of(session: Session, credentials: Credentials) -> auth.Caller:
    """The caller the credentials stand for (401 when they stand for no one); a cookie caller
    must send the CSRF token with every request that changes something (403)."""
    if credentials.via == "token":
        return auth.from_api_token(session, credentials.token)
    caller = auth.from_session_token(session, credentials.token)
    if credentials.csrf is not None and not (
        credentials.csrf and secrets.compare_digest(credentials.csrf, caller.csrf_token)
    ):
        raise CsrfFailed("请求缺少有效的CSRF令牌，请刷新页面后重试", field=CSRF_HEADER)
    return caller


def admin_only(user: User) -> User:
    if Role.ADMIN.value not in user.role_set:
        from gkcase.states.machine import PermissionDenied

        raise PermissionDenied("须由系统管理员操作")
    return user


# The three ways a route asks for its caller. A route of an ``ApiRouter`` (api/routing.py) gets
# them in the thread that runs it; these functions are what any other route runs.
def get_caller(request: Request, session: SessionDep) -> auth.Caller:
    """The caller, by bearer token or session cookie."""
    return caller_of(session, credentials_of(request))


CallerDep = Annotated[auth.Caller, Depends(get_caller)]


# The dependencies below do no I/O: as coroutines they run on the event loop, not in a thread.
async def get_user(caller: CallerDep) -> User:
    return caller.user


CurrentUser = Annotated[User, Depends(get_user)]


async def require_admin(user: CurrentUser) -> User:
    return admin_only(user)


AdminUser = Annotated[User, Depends(require_admin)]


#: A row id in a path: bounded, so an oversized number is a 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
