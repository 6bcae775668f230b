"""What every page of the web UI shares: the signed-in viewer, CSRF on forms, rendering with
the layout, redirects that carry a one-time message, and the Chinese date filters.

Pages are thin, like the JSON routes: parse the form, call a service, render. A page that
changes something opens its own unit of work (:func:`gkcase.db.unit_of_work`) so that a refusal
can be shown on the same form, with everything typed kept, after the transaction rolled back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session
from starlette.datastructures import FormData

from api.deps import SESSION_COOKIE, CsrfFailed, engine_of, report_engine_of
from gkcase.calendar.zh import zh_date
from gkcase.db import read_session, report_session
from gkcase.errors import GkcaseError
from gkcase.models import Agency, User
from gkcase.services import auth
from gkcase.services.cases import CHINA, china_today
from gkcase.states.machine import PermissionDenied, Role

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
FLASH_COOKIE = "gkcase_flash"
CSRF_FIELD = "csrf_token"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


class LoginRequired(Exception):
    """The page needs a signed-in user; the handler redirects to the login page."""

    def __init__(self, next_path: str, message: str = ""):
        super().__init__(next_path)
        self.next_path = next_path
        self.message = message


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of a page, with the CSRF token their forms must carry."""

    user: User
    agency: Agency
    csrf_token: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return any(r.value in self.roles for r in roles)

    @property
    def role_labels(self) -> list[str]:
        return [r.label for r in Role if r.value in self.roles]


def current_viewer(request: Request) -> Viewer:
    """The viewer, from the session cookie; anyone else is sent to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise LoginRequired(target)
    with read_session(engine_of(request)) as session:
        try:
            caller = auth.from_session_token(session, token)
        except auth.NotAuthenticated as exc:
            raise LoginRequired(target, exc.message) from None
        return viewer_of(session, caller)


def viewer_of(session: Session, caller: auth.Caller) -> Viewer:
    """The viewer, detached from ``session`` with every column loaded (it outlives it)."""
    agency = session.get(Agency, caller.user.agency_id)
    session.expunge(caller.user)
    session.expunge(agency)
    return Viewer(caller.user, agency, caller.csrf_token, frozenset(caller.user.role_set))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def require(viewer: Viewer, *roles: Role) -> None:
    """Refuse a page to a viewer with none of ``roles`` (shown as a 403 page)."""
    if not viewer.has(*roles):
        names = "、".join(r.label for r in roles)
        raise PermissionDenied(f"此页面须由{names}使用")


async def read_form(request: Request, viewer: Viewer) -> FormData:
    """The posted form, after checking its CSRF token against the viewer's session."""
    form = await request.form()
    sent = str(form.get(CSRF_FIELD, "")) or request.headers.get("X-CSRF-Token", "")
    if not sent or not secrets.compare_digest(sent, viewer.csrf_token):
        raise CsrfFailed("页面已过期，请刷新后重试", field=CSRF_FIELD)
    return form


def form_values(form: FormData) -> dict[str, Any]:
    """Every posted field, to put back into the form after a refusal (lists for repeats)."""
    values: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        values[key] = items if len(items) > 1 else (items[0] if items else "")
    return values


def errors_of(exc: GkcaseError) -> dict[str, str]:
    """A refusal as {field: message}; ``_`` holds a message that belongs to no single field."""
    return {exc.field or "_": exc.message}


# --- rendering -------------------------------------------------------------------------------

#: The navigation: (path, label, roles that see it). Pages check roles themselves as well.
NAV: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    (
        "/inbox",
        "我的待办",
        (Role.REGISTRAR, Role.CASEWORKER, Role.OFFICE_HEAD, Role.LEGAL_REVIEWER),
    ),
    ("/register", "登记申请", (Role.REGISTRAR,)),
    ("/review", "法制审核", (Role.LEGAL_REVIEWER,)),
    ("/cases", "案件查询", tuple(Role)),
    ("/supervision", "督查统计", (Role.SUPERVISOR,)),
    ("/reports/annual", "年度报表", (Role.SUPERVISOR, Role.OFFICE_HEAD, Role.ADMIN)),
    ("/admin", "系统管理", (Role.ADMIN,)),
)


def nav_for(viewer: Viewer | None) -> list[tuple[str, str]]:
    if viewer is None:
        return []
    return [(path, label) for path, label, roles in NAV if viewer.has(*roles)]


def home_for(viewer: Viewer) -> str:
    """Where a viewer lands after signing in: their first navigation entry."""
    entries = nav_for(viewer)
    return entries[0][0] if entries else "/cases"


def render(
    request: Request,
    template: str,
    viewer: Viewer | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page in the layout, with the viewer, the navigation and any one-time message."""
    flash = request.cookies.get(FLASH_COOKIE)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    response = templates.TemplateResponse(
        request,
        template,
        {
            "viewer": viewer,
            "nav": nav_for(viewer),
            "current_path": request.url.path,
            "csrf_token": viewer.csrf_token if viewer else "",
            "flash": unquote(flash) if flash else "",
            "today": china_today(),
            **context,
        },
        status_code=status_code,
    )
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, flash: str = "") -> RedirectResponse:
    """303 to ``url`` (POST → redirect → GET), with a message shown once on the next page."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), httponly=True, samesite="strict", path="/")
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def with_read(request: Request) -> Session:
    """A read-only session for a page (use as a context manager)."""
    return read_session(engine_of(request))


def with_report(request: Request) -> Session:
    """A read-only snapshot on the report database for a supervision or report page (use as a
    context manager; ``report_session``)."""
    return report_session(report_engine_of(request))


# --- Jinja filters ---------------------------------------------------------------------------


def date_zh(value: date | datetime | None, weekday: bool = False) -> str:
    """2026年3月2日 (optionally with 星期一); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return zh_date(value, weekday=weekday)


def datetime_zh(value: datetime | None) -> str:
    """A recorded moment in Beijing time: 2026-03-02 10:05."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def workdays_left(value: int | None) -> str:
    """剩余 N 个工作日 / 今日到期 / 逾期 N 个工作日."""
    if value is None:
        return "—"
    if value > 0:
        return f"剩 {value} 个工作日"
    if value == 0:
        return "今日到期"
    return f"逾期 {-value} 个工作日"


templates.env.filters["date_zh"] = date_zh
templates.env.filters["datetime_zh"] = datetime_zh
templates.env.filters["workdays_left"] = workdays_left
