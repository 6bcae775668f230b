"""登记申请 — the registrar enters an application from any channel (Art 29, 31).

While the registrar types, two fragments follow the form: the legal receipt date with the Art 31
rule that fixes it and the reply due date it leads to (``/register/receipt``), and the same
applicant's earlier, similar requests (``/register/similar``: a warning of a possible 重复申请,
never a refusal). The form carries an idempotency key, so a double submit registers once.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import ImmutableMultiDict

from api.deps import engine_of
from api.web.core import (
    Viewer,
    ViewerDep,
    form_values,
    read_form,
    redirect,
    render,
    require,
    with_read,
)
from gkcase.calendar.clock import (
    REPLY_WORKDAYS,
    Channel,
    ReplyClockFacts,
    correction_notice_deadline,
    receipt_date,
    reply_deadline,
)
from gkcase.db import unit_of_work
from gkcase.errors import GkcaseError
from gkcase.models import ApplicantType
from gkcase.services import cases as service
from gkcase.services.calendar import current_calendar
from gkcase.services.similar import SIMILAR_THRESHOLD, SimilarCase, similar_requests
from gkcase.states.machine import Role
from gkcase.states.payloads import validate_model

router = APIRouter()

DATE_FIELDS = ("arrived_on", "signed_for_on", "confirmed_on")
APPLICANT_FIELDS = (
    "kind",
    "name",
    "id_type",
    "id_number",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
)
TEXT_FIELDS = ("information_requested", "form_requested", "delivery_requested")
FIELDS = (
    "channel",
    *DATE_FIELDS,
    *(f"applicant.{name}" for name in APPLICANT_FIELDS),
    *TEXT_FIELDS,
    "idempotency_key",
)
#: The identity documents offered; the service checks the first two's numbers.
ID_TYPES = (
    "居民身份证",
    "统一社会信用代码",
    "护照",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
)
FORMS = ("纸质", "电子数据", "其他")
DELIVERIES = ("邮寄", "电子邮件", "当面领取", "传真", "网上获取")
#: Which fact each channel needs beyond the arrival date (Art 31).
CHANNEL_FACTS = {
    Channel.SIGNED_MAIL: "signed_for_on",
    Channel.ORDINARY_LETTER: "confirmed_on",
    Channel.INTERNET: "confirmed_on",
    Channel.FAX: "confirmed_on",
}
SIMILAR_LIMIT = 5


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _channel(value: str) -> Channel | None:
    try:
        return Channel(value)
    except ValueError:
        return None


# --- the receipt date (Art 31) and what follows from it ----------------------------------------


def receipt_view(session: Any, values: dict[str, Any]) -> dict[str, Any]:
    """What ``_receipt.html`` shows for the channel and dates typed so far."""
    channel = _channel(str(values.get("channel", "")))
    if channel is None:
        return {"problem": "请选择申请渠道"}
    view: dict[str, Any] = {"channel": channel, "fact": CHANNEL_FACTS.get(channel)}
    typed = {name: str(values.get(name, "") or "") for name in DATE_FIELDS}
    dates = {name: _date(text) for name, text in typed.items()}
    bad = [name for name, text in typed.items() if text.strip() and dates[name] is None]
    if bad:
        view["problem"] = "日期格式不正确（应为 YYYY-MM-DD）"
        return view
    try:
        result = receipt_date(channel, **dates)
    except GkcaseError as exc:
        view["problem"] = exc.message
        return view
    view["rule"] = result.rule
    view["needs"] = result.needs
    if result.day is not None:
        cal = current_calendar(session)
        try:
            reply = reply_deadline(cal, ReplyClockFacts(receipt=result.day))
            notice = correction_notice_deadline(cal, result.day)
        except GkcaseError as exc:
            view["problem"] = exc.message
            return view
        view["day"] = result.day
        view["reply_due"] = reply.due
        view["provisional"] = reply.provisional
        view["explanation"] = reply.explain()
        view["correction_notice_due"] = notice.due
    view["reply_workdays"] = REPLY_WORKDAYS
    return view


# --- the same applicant's similar requests -----------------------------------------------------


class _Who:
    """The applicant as typed, for :func:`similar_requests`."""

    def __init__(self, values: dict[str, Any]):
        get = lambda name: str(values.get(f"applicant.{name}", "") or "").strip()  # noqa: E731
        self.name, self.id_type, self.id_number = get("name"), get("id_type"), get("id_number")
        self.phone, self.email = get("phone"), get("email")


def similar_to(session: Any, viewer: Viewer, values: dict[str, Any]) -> list[SimilarCase]:
    text = str(values.get("information_requested", "") or "")
    try:
        return similar_requests(session, viewer.agency.id, _Who(values), text, SIMILAR_LIMIT)
    except GkcaseError:
        return []


def _fragment_values(request: Request) -> dict[str, Any]:
    params: ImmutableMultiDict = request.query_params
    return {name: params.get(name, "")[:10_000] for name in FIELDS}


@router.get("/register/receipt")
def receipt_fragment(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, Role.REGISTRAR)
    with with_read(request) as session:
        receipt = receipt_view(session, _fragment_values(request))
    return render(request, "_receipt.html", viewer, receipt=receipt)


@router.get("/register/similar")
def similar_fragment(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, Role.REGISTRAR)
    with with_read(request) as session:
        similar = similar_to(session, viewer, _fragment_values(request))
    return render(request, "_similar.html", viewer, similar=similar)


# --- the form ----------------------------------------------------------------------------------


def _page(
    request: Request,
    viewer: Viewer,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with with_read(request) as session:
        receipt = receipt_view(session, values)
        similar = similar_to(session, viewer, values)
    return render(
        request,
        "register.html",
        viewer,
        status_code=status_code,
        title="登记申请",
        values=values,
        errors=errors or {},
        receipt=receipt,
        similar=similar,
        channels=[(c.value, c.label) for c in Channel],
        channel_facts={c.value: fact for c, fact in CHANNEL_FACTS.items()},
        applicant_types=[(t.value, t.label) for t in ApplicantType],
        id_types=[(t, t) for t in ID_TYPES],
        forms=FORMS,
        deliveries=DELIVERIES,
        threshold=SIMILAR_THRESHOLD,
    )


def _fresh_values() -> dict[str, Any]:
    return {
        "channel": Channel.IN_PERSON.value,
        "arrived_on": service.china_today().isoformat(),
        "applicant.kind": ApplicantType.NATURAL_PERSON.value,
        "applicant.id_type": ID_TYPES[0],
        "idempotency_key": secrets.token_urlsafe(18),
    }


@router.get("/register")
def register_form(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, Role.REGISTRAR)
    return _page(request, viewer, _fresh_values())


def registration_of(values: dict[str, Any]) -> dict[str, Any]:
    """The form as the service's RegistrationIn: dates left empty are absent."""
    text = {name: str(values.get(name, "") or "") for name in FIELDS}
    data: dict[str, Any] = {
        "channel": text["channel"],
        "applicant": {name: text[f"applicant.{name}"] for name in APPLICANT_FIELDS},
        **{name: text[name] for name in TEXT_FIELDS},
    }
    for name in DATE_FIELDS:
        if text[name].strip():
            data[name] = text[name].strip()
    if text["idempotency_key"].strip():
        data["idempotency_key"] = text["idempotency_key"].strip()
    return data


@router.post("/register")
async def register(request: Request, viewer: ViewerDep) -> Response:
    require(viewer, Role.REGISTRAR)
    form = await read_form(request, viewer)
    values = form_values(form)
    if not str(values.get("arrived_on", "")).strip():
        return _page(request, viewer, values, {"arrived_on": "请填写申请到达日期"}, 422)
    try:
        data = validate_model(service.RegistrationIn, registration_of(values))
        with unit_of_work(engine_of(request)) as session:
            similar = similar_to(session, viewer, values)
            done = service.register(session, viewer.agency.id, data, viewer.user)
            case_id, number, code = done.case.id, done.case.number, done.case.lookup_code
    except GkcaseError as exc:
        field = exc.field if exc.field in FIELDS else "_"
        return _page(request, viewer, values, {field: exc.message}, 422)
    if done.duplicate:
        flash = f"该申请已登记过（重复提交未再次登记）：案件编号 {number}，查询码 {code}"
    else:
        flash = f"已登记：案件编号 {number}，查询码 {code}（请告知申请人，用于查询办理进度）"
        if done.needs:
            flash += f"。收到申请之日待定：{done.needs}"
        if similar:
            earlier = "、".join(s.number for s in similar)
            flash += f"。注意：该申请人此前提出过相似申请（{earlier}），请承办人审核是否属重复申请"
    return redirect(f"/cases/{case_id}", flash)
