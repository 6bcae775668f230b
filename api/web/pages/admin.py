"""系统管理 — the admin's pages: users and roles, agencies, letter-template overrides, the
working-day calendar and API tokens.

Every page is scoped exactly as the JSON admin API (``api/routes/admin.py``) scopes it — the
admin's own agency and its subtree — by calling the same route functions and services; the
calendar pages call ``api/routes/calendar.py`` and ``gkcase/services/calendar.py``.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from typing import Any, Literal, TypeVar

import pydantic
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select
from starlette.datastructures import FormData, UploadFile

from api.deps import RowId, engine_of
from api.routes import admin as admin_api
from api.routes import calendar as calendar_api
from api.web.core import (
    Viewer,
    ViewerDep,
    errors_of,
    form_values,
    read_form,
    redirect,
    render,
    require,
    with_read,
)
from gkcase.calendar.arrangement import parse_arrangement, parse_override
from gkcase.calendar.clock import (
    CONFIRMATION_DEFAULT_WORKDAYS,
    EXPLANATION_PERIOD_DEFAULT_WORKDAYS,
    GRANTED_PERIOD_MAX_WORKDAYS,
)
from gkcase.db import unit_of_work
from gkcase.errors import ArrangementError, GkcaseError, ValidationError
from gkcase.letters.catalogue import CATALOGUE, Recipient, letter_spec
from gkcase.models import Agency, User
from gkcase.services import letters as letters_service
from gkcase.services import recompute as recompute_service
from gkcase.services.calendar import load_notice, mark_day, unmark_day
from gkcase.services.cases import NotFound
from gkcase.services.org import create_agency
from gkcase.services.recompute import Recomputed
from gkcase.states.machine import SERVICE_ACCOUNT_ROLES, Role
from gkcase.states.outcomes import (
    LEGAL_REVIEW_CHOICES,
    LEGAL_REVIEW_MINIMUM,
    OUTCOMES,
    Outcome,
    legal_review_outcomes,
)

router = APIRouter(prefix="/admin")

M = TypeVar("M", bound=BaseModel)

#: Calendar changes listed on the calendar page, and moved cases listed on a change's page (the
#: rest through GET /api/calendar/recomputes/{id}, paged).
RECOMPUTES_LISTED = 10
RECOMPUTE_ROWS_SHOWN = 500
#: An uploaded or pasted holiday notice is small (the 2026 example is under 2 KB).
MAX_NOTICE_BYTES = 200_000

RECIPIENT_LABELS = {
    Recipient.APPLICANT: "申请人",
    Recipient.THIRD_PARTY: "第三方",
    Recipient.CO_PRODUCER: "共同制作机关",
}
YEAR_STATUS_LABELS = {"official": "正式", "estimated": "预估"}
PAUSE_FROM_OPTIONS = [("dispatch", "征求意见书发出之日"), ("receipt", "对方收到之日")]

_MESSAGES = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "too_short": "至少选择一项",
    "string_too_long": "过长",
    "string_pattern_mismatch": "只能使用英文字母、数字和 _ - .",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "bool_parsing": "应为是或否",
}
#: Where one field's rule needs its own words.
_FIELD_MESSAGES = {
    ("email", "string_pattern_mismatch"): "电子邮箱格式不正确，如 name@example.gov.cn"
}


def _checked(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """Validate a form against ``model``; every field at fault gets its message in Chinese."""
    try:
        return model.model_validate(data), {}
    except pydantic.ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "_"
            minimum = (err.get("ctx") or {}).get("min_length", 0)
            if (field, err["type"]) in _FIELD_MESSAGES:
                message = _FIELD_MESSAGES[field, err["type"]]
            elif err["type"] == "string_too_short" and minimum > 1:
                message = f"至少 {minimum} 个字符"
            else:
                message = _MESSAGES.get(err["type"], err["msg"].removeprefix("Value error, "))
            errors.setdefault(field, message)
        return None, errors


def _admin(viewer: Viewer) -> User:
    require(viewer, Role.ADMIN)
    return viewer.user


def _optional_id(value: Any) -> Any:
    return None if value in ("", None) else value


# --- overview --------------------------------------------------------------------------------


@router.get("")
def overview(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    with with_read(request) as session:
        agencies = admin_api.list_agencies(session, admin)
        users = admin_api.list_users(session, admin)
        tokens = admin_api.list_tokens(session, admin)
        overrides = sum(
            letters_service.template_in_use(session, admin.agency_id, kind).origin == "agency"
            for kind in CATALOGUE
        )
        years = calendar_api.years(session, admin, None, None)
    counts = {
        "users": sum(u.active for u in users),
        "agencies": len(agencies),
        "overrides": overrides,
        "estimated": [y.year for y in years.years if y.status == "estimated"],
        "marks": len(years.marks),
        "tokens": sum(t.revoked_at is None for t in tokens),
    }
    return render(request, "admin.html", viewer, title="系统管理", counts=counts)


# --- users -----------------------------------------------------------------------------------


def _tree(agencies: list[Any]) -> list[tuple[Any, int]]:
    """The agencies (ordered by path, so parents first) with their depth below the admin's."""
    depth: dict[int, int] = {}
    rows = []
    for agency in agencies:
        depth[agency.id] = depth[agency.parent_id] + 1 if agency.parent_id in depth else 0
        rows.append((agency, depth[agency.id]))
    return rows


def _agency_options(tree: list[tuple[Any, int]]) -> list[tuple[str, str]]:
    return [(str(a.id), "　" * d + a.name) for a, d in tree]


def _users_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    admin = viewer.user
    with with_read(request) as session:
        tree = _tree(admin_api.list_agencies(session, admin))
        users = admin_api.list_users(session, admin)
    names = {a.id: a.short_name or a.name for a, _ in tree}
    labels = {r.value: r.label for r in Role}
    rows = [
        {
            "user": u,
            "agency": names.get(u.agency_id, ""),
            "roles": [labels.get(r, r) for r in sorted(u.roles, key=list(labels).index)],
        }
        for u in users
    ]
    values = values if values is not None else {"agency_id": str(admin.agency_id), "roles": []}
    return render(
        request,
        "admin_users.html",
        viewer,
        title="用户与角色",
        rows=rows,
        agency_options=_agency_options(tree),
        roles=list(Role),
        values=values,
        errors=errors or {},
        status_code=status_code,
    )


@router.get("/users")
def users_page(request: Request, viewer: ViewerDep) -> Response:
    _admin(viewer)
    return _users_page(request, viewer)


@router.post("/users")
async def add_user(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    values = form_values(form)
    values.pop("password", None)  # never sent back to the browser
    values["roles"] = [str(r) for r in form.getlist("roles")]
    data = {
        "username": str(form.get("username", "")).strip(),
        "full_name": str(form.get("full_name", "")).strip(),
        "agency_id": _optional_id(form.get("agency_id")),
        "roles": values["roles"],
        "password": str(form.get("password", "")),
        "email": str(form.get("email", "")).strip(),
    }
    checked, errors = _checked(admin_api.UserIn, data)
    if checked is None:
        return _users_page(request, viewer, values=values, errors=errors, status_code=422)
    try:
        with unit_of_work(engine_of(request)) as session:
            added = admin_api.add_user(checked, session, admin)
    except GkcaseError as exc:
        return _users_page(request, viewer, values=values, errors=errors_of(exc), status_code=422)
    return redirect("/admin/users", f"已添加用户 {added.username}（{added.full_name}）")


@router.post("/users/{user_id}/deactivate")
async def deactivate_user(request: Request, viewer: ViewerDep, user_id: RowId) -> Response:
    admin = _admin(viewer)
    await read_form(request, viewer)
    with unit_of_work(engine_of(request)) as session:
        done = admin_api.deactivate_user(user_id, session, admin)
    return redirect("/admin/users", f"已停用用户 {done.username}，其登录已全部失效")


# --- agencies --------------------------------------------------------------------------------


class AgencyForm(admin_api.AgencyIn):
    """The JSON API's agency fields, and the agency's policies where the law is silent
    (docs/policies.md); the model's defaults apply when left as they are."""

    fee_window_pauses_clock: bool = True
    consultation_pause_from: Literal["dispatch", "receipt"] = "dispatch"
    correction_period_workdays: int = Field(default=10, ge=1, le=GRANTED_PERIOD_MAX_WORKDAYS)
    explanation_period_workdays: int = Field(
        default=EXPLANATION_PERIOD_DEFAULT_WORKDAYS, ge=1, le=GRANTED_PERIOD_MAX_WORKDAYS
    )
    confirmation_workdays: int = Field(default=CONFIRMATION_DEFAULT_WORKDAYS, ge=0, le=5)
    at_risk_workdays: int = Field(default=3, ge=0, le=20)


AGENCY_DEFAULTS = {
    "fee_window_pauses_clock": "1",
    "consultation_pause_from": "dispatch",
    "correction_period_workdays": "10",
    "explanation_period_workdays": str(EXPLANATION_PERIOD_DEFAULT_WORKDAYS),
    "confirmation_workdays": str(CONFIRMATION_DEFAULT_WORKDAYS),
    "at_risk_workdays": "3",
}


def _agencies_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    review_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    values = (
        values
        if values is not None
        else {
            "parent_id": str(viewer.user.agency_id),
            **AGENCY_DEFAULTS,
        }
    )
    with with_read(request) as session:
        scoped = admin_api.list_agencies(session, viewer.user)
        # the whole rows, for the policies the JSON API's AgencyOut leaves out
        full = session.exec(select(Agency).where(col(Agency.id).in_([a.id for a in scoped])))
        by_id = {a.id: a for a in full}
        tree = _tree([by_id[a.id] for a in scoped])
        return render(
            request,
            "admin_agencies.html",
            viewer,
            title="机关设置",
            tree=tree,
            agency_options=_agency_options(tree),
            pause_from_options=PAUSE_FROM_OPTIONS,
            values=values,
            errors=errors or {},
            review_errors=review_errors or {},
            review_rows=[(a, legal_review_outcomes(a.legal_review_outcomes)) for a, _depth in tree],
            review_choices=[
                (o, OUTCOMES[o].label, o in LEGAL_REVIEW_MINIMUM)
                for o in Outcome
                if o in LEGAL_REVIEW_CHOICES
            ],
            status_code=status_code,
        )


@router.get("/agencies")
def agencies_page(request: Request, viewer: ViewerDep) -> Response:
    _admin(viewer)
    return _agencies_page(request, viewer)


@router.post("/agencies")
async def add_agency(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    values = form_values(form)
    data = {name: str(form.get(name, "")).strip() for name in AgencyForm.model_fields}
    data["parent_id"] = _optional_id(data["parent_id"])
    data["vertical"] = "vertical" in form
    data["fee_window_pauses_clock"] = "fee_window_pauses_clock" in form
    checked, errors = _checked(AgencyForm, data)
    if checked is None:
        return _agencies_page(request, viewer, values=values, errors=errors, status_code=422)
    fields = checked.model_dump(exclude={"parent_id"})
    fields["code"] = fields["code"].upper()  # as the JSON API stores it
    try:
        with unit_of_work(engine_of(request)) as session:
            parent_id = checked.parent_id or admin.agency_id
            parent = admin_api.agency_in_scope(session, admin, parent_id, "parent_id")
            added = create_agency(session, parent=parent, **fields)
            name = added.name
    except GkcaseError as exc:
        return _agencies_page(
            request, viewer, values=values, errors=errors_of(exc), status_code=422
        )
    return redirect("/admin/agencies", f"已添加机关：{name}")


@router.post("/agencies/{agency_id}/legal-review")
async def set_legal_review(request: Request, viewer: ViewerDep, agency_id: RowId) -> Response:
    """法制审核范围: the floor is always kept (its boxes cannot be unticked, and the service
    refuses a list without it)."""
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    chosen = [str(v) for v in form.getlist("outcomes")]
    try:
        with unit_of_work(engine_of(request)) as session:
            done = admin_api.set_legal_review(
                agency_id, admin_api.LegalReviewIn(outcomes=chosen), session, admin
            )
    except GkcaseError as exc:
        errors = {f"{agency_id}.{exc.field or '_'}": exc.message}
        return _agencies_page(request, viewer, review_errors=errors, status_code=422)
    return redirect("/admin/agencies", f"已更新「{done.name}」的法制审核范围")


# --- letter templates ------------------------------------------------------------------------


@router.get("/templates")
def templates_page(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    with with_read(request) as session:
        rows = [
            (spec, letters_service.template_in_use(session, admin.agency_id, spec.kind))
            for spec in CATALOGUE.values()
        ]
    return render(
        request,
        "admin_templates.html",
        viewer,
        title="文书模板",
        rows=rows,
        recipients=RECIPIENT_LABELS,
    )


def _template_page(
    request: Request,
    viewer: Viewer,
    kind: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    spec = letter_spec(kind)
    with with_read(request) as session:
        used = letters_service.template_in_use(session, viewer.user.agency_id, kind)
    return render(
        request,
        "admin_template.html",
        viewer,
        title=f"文书模板：{spec.title}",
        spec=spec,
        used=used,
        recipients=RECIPIENT_LABELS,
        values=values if values is not None else {"source": used.source},
        errors=errors or {},
        status_code=status_code,
    )


@router.get("/templates/{kind}")
def template_page(request: Request, viewer: ViewerDep, kind: str) -> Response:
    _admin(viewer)
    return _template_page(request, viewer, kind)


@router.post("/templates/{kind}")
async def save_template(request: Request, viewer: ViewerDep, kind: str) -> Response:
    admin = _admin(viewer)
    spec = letter_spec(kind)
    form = await read_form(request, viewer)
    values = form_values(form)
    checked, errors = _checked(
        admin_api.TemplateIn,
        {"source": str(form.get("source", "")), "note": str(form.get("note", "")).strip()},
    )
    if checked is None:
        return _template_page(request, viewer, kind, values=values, errors=errors, status_code=422)
    try:
        with unit_of_work(engine_of(request)) as session:
            row = letters_service.save_template(
                session, admin.agency_id, kind, checked.source, admin, checked.note
            )
            version = row.version
    except GkcaseError as exc:
        # the template's own problems (letter.template: field "template") belong to the editor
        field = "source" if exc.field in ("source", "template") else exc.field
        return _template_page(
            request,
            viewer,
            kind,
            values=values,
            errors={field or "_": exc.message},
            status_code=422,
        )
    return redirect(f"/admin/templates/{kind}", f"已保存「{spec.title}」模板第 {version} 版")


# --- calendar --------------------------------------------------------------------------------


def _calendar_page(
    request: Request,
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with with_read(request) as session:
        years = calendar_api.years(session, viewer.user, None, None)
        runs = recompute_service.history(session, limit=RECOMPUTES_LISTED)
        latest = recompute_service.moved_cases(session, runs[0].id)[1] if runs else []
    return render(
        request,
        "admin_calendar.html",
        viewer,
        title="工作日历",
        years=years,
        runs=runs,
        latest=latest,
        status_labels=YEAR_STATUS_LABELS,
        values=values if values is not None else {"working": "0"},
        errors=errors or {},
        status_code=status_code,
    )


@router.get("/calendar")
def calendar_page(request: Request, viewer: ViewerDep) -> Response:
    _admin(viewer)
    return _calendar_page(request, viewer)


def _decode_notice(raw: bytes, filename: str, field: str) -> dict[str, Any]:
    """A notice file's content as data: JSON or TOML, by the file's suffix or, when pasted,
    by its first character (a JSON notice is an object)."""
    if len(raw) > MAX_NOTICE_BYTES:
        raise ArrangementError("文件过大（通知文件通常不足 10 KB）", field=field)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArrangementError("文件须为 UTF-8 编码", field=field) from None
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix not in ("", "toml", "json"):
        raise ArrangementError("文件须为 .toml 或 .json", field=field)
    as_json = suffix == "json" or (not suffix and text.lstrip().startswith("{"))
    try:
        data = json.loads(text) if as_json else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ArrangementError(f"格式错误：{exc}", field=field) from None
    if not isinstance(data, dict):
        raise ArrangementError("顶层须为对象", field=field)
    return data


async def _notice_source(form: FormData) -> tuple[bytes, str, str, str]:
    """(content, filename, form field, source label) of the notice: the upload, else the paste."""
    upload = form.get("notice_file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_NOTICE_BYTES + 1)
        return raw, upload.filename, "notice_file", f"web upload {upload.filename}"[:200]
    pasted = str(form.get("notice_text", ""))
    if not pasted.strip():
        raise ValidationError("请选择通知文件，或粘贴通知内容", field="notice_file")
    return pasted.encode("utf-8"), "", "notice_text", "web paste"


@router.post("/calendar/notices")
async def load_arrangement(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    values = {"notice_text": str(form.get("notice_text", "")), "working": "0"}
    field = "notice_file"
    try:
        raw, filename, field, source = await _notice_source(form)
        data = _decode_notice(raw, filename, field)
        try:
            arrangement = parse_arrangement(data)
        except ArrangementError as exc:  # name the notice's own field at fault
            where = f"{exc.field}：" if exc.field else ""
            raise ArrangementError(where + exc.message, field=field) from None
        with unit_of_work(engine_of(request)) as session:
            change = load_notice(session, arrangement, loaded_by=admin.username, source=source)
            year, title = change.row.year, change.row.title
    except GkcaseError as exc:
        return _calendar_page(
            request,
            viewer,
            values=values,
            errors={exc.field or field: exc.message},
            status_code=422,
        )
    if not change.new:
        return redirect("/admin/calendar", f"{year} 年的这份通知已在使用，未作改动")
    return redirect(
        "/admin/calendar", f"已导入 {year} 年节假日安排：{title}。{_moved(change.recomputed)}"
    )


def _moved(recomputed: Recomputed | None) -> str:
    return recomputed.summary_zh() + "。" if recomputed is not None else ""


@router.post("/calendar/marks")
async def mark(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    values = form_values(form)
    try:
        override = parse_override(
            {
                "day": str(form.get("day", "")).strip(),
                "working": form.get("working") == "1",
                "name": str(form.get("name", "")).strip(),
                "reason": str(form.get("reason", "")).strip(),
            }
        )
        with unit_of_work(engine_of(request)) as session:
            change = mark_day(session, override, marked_by=admin.username)
    except GkcaseError as exc:
        return _calendar_page(
            request, viewer, values=values, errors=errors_of(exc), status_code=422
        )
    kind = "工作日" if override.working else "停工"
    return redirect(
        "/admin/calendar",
        f"已将 {override.day} 标记为{kind}：{override.name}。{_moved(change.recomputed)}",
    )


@router.post("/calendar/marks/{day}/unmark")
async def unmark(request: Request, viewer: ViewerDep, day: date) -> Response:
    admin = _admin(viewer)
    await read_form(request, viewer)
    with unit_of_work(engine_of(request)) as session:
        change = unmark_day(session, day, revoked_by=admin.username)
    return redirect("/admin/calendar", f"已取消 {day} 的标记。{_moved(change.recomputed)}")


@router.get("/calendar/recomputes/{record_id}")
def recompute_page(request: Request, viewer: ViewerDep, record_id: RowId) -> Response:
    """The cases one calendar change moved: old and new dates, and the letters to correct."""
    _admin(viewer)
    with with_read(request) as session:
        record, rows = recompute_service.moved_cases(session, record_id, limit=RECOMPUTE_ROWS_SHOWN)
    if record is None:
        raise NotFound("没有这次重新计算的记录", field="record_id")
    return render(
        request,
        "admin_recompute.html",
        viewer,
        title="重新计算的期限",
        run=record,
        rows=rows,
        shown=RECOMPUTE_ROWS_SHOWN,
    )


# --- API tokens ------------------------------------------------------------------------------


def _tokens_page(
    request: Request,
    viewer: Viewer,
    *,
    issued: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    service_values: dict[str, Any] | None = None,
    service_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    admin = viewer.user
    with with_read(request) as session:
        tokens = admin_api.list_tokens(session, admin)
        users = admin_api.list_users(session, admin)
        holders = _usernames(session, {t.user_id for t in tokens})
    return render(
        request,
        "admin_tokens.html",
        viewer,
        title="API令牌",
        tokens=tokens,
        holders=holders,
        # a token is the admin's own or a service account's: never another person's
        user_options=[
            (str(u.id), f"{u.username}（{u.full_name}）{'（本人）' if u.id == admin.id else ''}")
            for u in users
            if u.active and (u.id == admin.id or u.service_account)
        ],
        service_values=service_values or {},
        service_errors=service_errors or {},
        role_options=[
            (r.value, r.label) for r in sorted(SERVICE_ACCOUNT_ROLES, key=list(Role).index)
        ],
        issued=issued,
        values=values if values is not None else {"user_id": str(admin.id)},
        errors=errors or {},
        status_code=status_code,
    )


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(User.id, User.username).where(col(User.id).in_(ids)))
    return dict(rows.all())


@router.get("/tokens")
def tokens_page(request: Request, viewer: ViewerDep) -> Response:
    _admin(viewer)
    return _tokens_page(request, viewer)


@router.post("/tokens")
async def issue_token(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    values = form_values(form)
    checked, errors = _checked(
        admin_api.TokenIn,
        {
            "name": str(form.get("name", "")).strip(),
            "user_id": _optional_id(form.get("user_id")),
        },
    )
    if checked is None:
        return _tokens_page(request, viewer, values=values, errors=errors, status_code=422)
    try:
        with unit_of_work(engine_of(request)) as session:
            issued = admin_api.issue_token(checked, session, admin)
    except GkcaseError as exc:
        return _tokens_page(request, viewer, values=values, errors=errors_of(exc), status_code=422)
    # shown on this response only: the token is never stored, so no redirect can show it again
    return _tokens_page(request, viewer, issued=issued.token)


@router.post("/service-accounts")
async def add_service_account(request: Request, viewer: ViewerDep) -> Response:
    admin = _admin(viewer)
    form = await read_form(request, viewer)
    values = form_values(form)
    checked, errors = _checked(
        admin_api.ServiceAccountIn,
        {
            "username": str(form.get("username", "")).strip(),
            "full_name": str(form.get("full_name", "")).strip(),
            "roles": [str(r) for r in form.getlist("roles")],
        },
    )
    if checked is None:
        return _tokens_page(
            request, viewer, service_values=values, service_errors=errors, status_code=422
        )
    try:
        with unit_of_work(engine_of(request)) as session:
            account = admin_api.add_service_account(checked, session, admin)
    except GkcaseError as exc:
        return _tokens_page(
            request, viewer, service_values=values, service_errors=errors_of(exc), status_code=422
        )
    return redirect("/admin/tokens", f"已新增服务账户「{account.full_name}」")


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, viewer: ViewerDep, token_id: RowId) -> Response:
    admin = _admin(viewer)
    await read_form(request, viewer)
    with unit_of_work(engine_of(request)) as session:
        row = admin_api.revoke_token(token_id, session, admin)
    return redirect("/admin/tokens", f"已吊销令牌「{row.name}」")
