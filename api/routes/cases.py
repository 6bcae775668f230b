"""Cases: intake (any channel, idempotent), the list with its filters, the detail (clock,
history, letters, permitted actions), firing a trigger, and asking what a trigger would do.

Another agency's case is always 404, never 403 (a supervisor reads its subtree); writes are the
caller's own agency only. Every action has its own route so the OpenAPI shows the exact payload
of each trigger (gkcase.states.payloads.PAYLOADS).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Header, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import func, not_
from sqlmodel import Session, col, select

from api.deps import CurrentUser, SessionDep
from api.routing import ApiRouter
from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR
from gkcase.calendar.clock import Channel, receipt_date
from gkcase.errors import GkcaseError, ValidationError
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    Consultation,
    Delivery,
    FeeNotice,
    Letter,
    Remedy,
    User,
)
from gkcase.privacy import mask_address, mask_id_number, mask_phone
from gkcase.services import cases as service
from gkcase.services import urgency
from gkcase.services.calendar import CALENDAR_REVISION, current_calendar
from gkcase.services.repeats import handles_cases, repeat_candidates
from gkcase.states.machine import Role, State, Trigger
from gkcase.states.outcomes import spec
from gkcase.states.payloads import MAX_ID, PAYLOADS

router = ApiRouter(prefix="/api/cases", tags=["cases"])

CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="案件ID")]
_INFO_PREVIEW = 60  # characters of the information requested shown in the list


def _check_as_of(value: date | None, field: str = "as_of") -> None:
    """A business date the calendar can count in (the service would refuse it deeper down)."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(f"日期须在{MIN_YEAR}年至{MAX_YEAR}年之间", field=field)


def _today(as_of: date | None) -> date:
    _check_as_of(as_of)
    return as_of or service.china_today()


def _state_label(state: str) -> str:
    try:
        return State(state).label
    except ValueError:
        return state


def _outcome_label(outcome: str | None) -> str | None:
    if not outcome:
        return None
    try:
        return spec(outcome).label
    except (KeyError, ValueError):
        return outcome


def _applicant_label(kind: str) -> str:
    try:
        return ApplicantType(kind).label
    except ValueError:
        return kind


# --- intake -----------------------------------------------------------------------------------


class IntakeIn(service.RegistrationIn):
    """An application as it arrives, from any channel (Art 29, 31)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "channel": "in_person",
                    "arrived_on": "2026-03-02",
                    "applicant": {
                        "kind": "natural_person",
                        "name": "张三",
                        "id_type": "居民身份证",
                        "id_number": "11010119900307002X",
                        "phone": "13812341234",
                        "address": "某市东湖区解放路128号502室",
                    },
                    "information_requested": "2025年某项目的环境影响评价批复文件",
                    "form_requested": "纸质",
                    "delivery_requested": "邮寄",
                    "idempotency_key": "counter-2026-03-02-0001",
                },
                {
                    "channel": "internet",
                    "arrived_on": "2026-03-06",
                    "applicant": {"kind": "business", "name": "某某科技有限公司"},
                    "information_requested": "2025年度本市新能源补贴发放名单",
                },
            ]
        },
    )

    as_of: date | None = Field(
        default=None, description="登记的办理日期（默认：北京时间今天）；补录时填实际日期"
    )


class IntakeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "number": "FGW-2026-00007",
                    "state": "registered",
                    "state_label": "已登记",
                    "receipt_date": "2026-03-02",
                    "needs": None,
                    "reply_due": "2026-03-30",
                    "lookup_code": "9F2C41AB",
                    "duplicate": False,
                    "version": 1,
                }
            ]
        }
    )

    id: int
    number: str = Field(description="案件编号")
    state: str
    state_label: str
    receipt_date: date | None = Field(description="收到申请之日；未确定时为空，见 needs")
    needs: str | None = Field(description="确定收到之日还需要什么（如：与申请人确认）")
    reply_due: date | None
    lookup_code: str = Field(description="查询码：只在登记回执中出现，请告知申请人")
    duplicate: bool = Field(description="同一 idempotency_key 已登记过：这是先前的案件")
    version: int


@router.post(
    "",
    response_model=IntakeOut,
    status_code=201,
    summary="登记申请（任一渠道）",
    responses={200: {"model": IntakeOut, "description": "重复提交：返回先前登记的案件"}},
)
def intake(data: IntakeIn, session: SessionDep, user: CurrentUser, response: Response) -> IntakeOut:
    _check_as_of(data.as_of)
    for name in ("arrived_on", "signed_for_on", "confirmed_on"):
        _check_as_of(getattr(data, name), name)
    registration = service.RegistrationIn.model_validate(data.model_dump(exclude={"as_of"}))
    done = service.register(session, user.agency_id, registration, user, as_of=data.as_of)
    case = done.case
    needs = done.needs
    if done.duplicate:
        response.status_code = 200
        if case.receipt_date is None:
            needs = receipt_date(
                Channel(case.channel),
                arrived_on=case.arrived_on,
                signed_for_on=case.signed_for_on,
                confirmed_on=case.confirmed_on,
            ).needs
    return IntakeOut(
        id=case.id,
        number=case.number,
        state=case.state,
        state_label=_state_label(case.state),
        receipt_date=case.receipt_date,
        needs=needs,
        reply_due=case.reply_due,
        lookup_code=case.lookup_code,
        duplicate=done.duplicate,
        version=case.version,
    )


# --- the list -----------------------------------------------------------------------------------


class PersonOut(BaseModel):
    id: int
    name: str


class CaseRowOut(BaseModel):
    id: int
    number: str
    agency_id: int
    state: str
    state_label: str
    applicant_type: str
    applicant_type_label: str
    information: str = Field(description="申请内容（截断）")
    receipt_date: date | None
    reply_due: date | None
    projected_due: date | None
    workdays_left: int | None = Field(description="距答复期限的工作日数；逾期为负")
    clock_status: str = Field(description="waiting / running / paused / deferred / stopped")
    urgency: str = Field(
        description="overdue / at_risk / paused / waiting / finished, or empty: running, not yet "
        "near its due date (gkcase.services.urgency, the list's own filters)"
    )
    outcome: str | None
    assignee: PersonOut | None


class CaseListOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "total": 1,
                    "page": 1,
                    "page_size": 20,
                    "items": [
                        {
                            "id": 7,
                            "number": "FGW-2026-00007",
                            "agency_id": 2,
                            "state": "handling",
                            "state_label": "办理中",
                            "applicant_type": "natural_person",
                            "applicant_type_label": "自然人",
                            "information": "2025年某项目的环境影响评价批复文件",
                            "receipt_date": "2026-03-02",
                            "reply_due": "2026-03-30",
                            "projected_due": "2026-03-30",
                            "workdays_left": 12,
                            "clock_status": "running",
                            "urgency": "",
                            "outcome": None,
                            "assignee": {"id": 3, "name": "承办人甲"},
                        }
                    ],
                }
            ]
        }
    )

    total: int
    page: int
    page_size: int
    items: list[CaseRowOut]


def agencies_for(session: Session, user: User, agency_id: int | None, subtree: bool) -> list[int]:
    """The agencies a list covers: own by default; a supervisor may name any agency of its
    subtree and include what lies below. Anything else is 'not found'."""
    supervisor = Role.SUPERVISOR.value in user.role_set
    if agency_id in (None, user.agency_id) and not (subtree and supervisor):
        return [user.agency_id]  # the everyday case: one's own agency, nothing to look up
    own = session.get(Agency, user.agency_id)
    target = own if agency_id is None else session.get(Agency, agency_id)
    visible = target is not None and (
        target.id == own.id or (supervisor and target.path.startswith(own.path))
    )
    if not visible:
        raise service.NotFound("机关不存在", field="agency_id")
    if not (subtree and supervisor):
        return [target.id]  # only a supervisor sees below its own agency
    rows = session.exec(select(Agency.id).where(col(Agency.path).startswith(target.path))).all()
    return list(rows)


#: What a row of the list shows: plain rows of these columns, not ``Case`` objects.
_ROW_COLUMNS = tuple(
    Case.__table__.c[name]
    for name in (
        "id",
        "number",
        "agency_id",
        "state",
        "applicant_kind",
        "information_requested",
        "receipt_date",
        "reply_due",
        "projected_due",
        "clock_status",
        "outcome",
        "assignee_id",
    )
)


@router.get("", response_model=CaseListOut, summary="案件列表（筛选、分页）")
def list_cases(
    session: SessionDep,
    user: CurrentUser,
    agency_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="机关（默认本机关；督查可选下级）")
    ] = None,
    subtree: Annotated[bool, Query(description="含下级机关（督查）")] = False,
    state: Annotated[list[State] | None, Query(description="状态，可重复")] = None,
    assignee_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    due_before: Annotated[date | None, Query(description="答复期限不晚于")] = None,
    due_after: Annotated[date | None, Query(description="答复期限不早于")] = None,
    overdue: Annotated[bool | None, Query(description="已逾期（或按最长暂停推算将逾期）")] = None,
    at_risk: Annotated[
        bool | None, Query(description="临近期限：答复期限在 risk_workdays 个工作日内")
    ] = None,
    risk_workdays: Annotated[
        int | None, Query(ge=0, le=60, description="默认：本机关的预警工作日数")
    ] = None,
    paused: Annotated[bool | None, Query(description="计时暂停中")] = None,
    outcome: Annotated[str | None, Query(max_length=40)] = None,
    applicant_type: Annotated[ApplicantType | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="在申请内容中查找")] = None,
    as_of: Annotated[date | None, Query(description="以哪天为今天（默认北京时间今天）")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CaseListOut:
    today = _today(as_of)
    agencies = agencies_for(session, user, agency_id, subtree)
    conditions: list[Any] = [col(Case.agency_id).in_(agencies)]
    if state:
        conditions.append(col(Case.state).in_([s.value for s in state]))
    if assignee_id is not None:
        conditions.append(Case.assignee_id == assignee_id)
    if due_before is not None:
        conditions.append(col(Case.reply_due) <= due_before)
    if due_after is not None:
        conditions.append(col(Case.reply_due) >= due_after)
    if outcome:
        conditions.append(Case.outcome == outcome)
    if applicant_type is not None:
        conditions.append(Case.applicant_kind == applicant_type.value)
    if q and q.strip():
        conditions.append(col(Case.information_requested).contains(q.strip(), autoescape=True))
    if paused is not None:
        is_paused = urgency.paused_condition()
        conditions.append(is_paused if paused else not_(is_paused))
    if overdue is not None:
        late = urgency.overdue_condition(today)
        conditions.append(late if overdue else not_(late))
    if risk_workdays is None:
        risk_workdays = session.get(Agency, user.agency_id).at_risk_workdays
    # The calendar's revision comes with the count, unless the at-risk filter needs it first.
    cal = current_calendar(session) if at_risk is not None else None
    if at_risk is not None:
        try:
            risky = urgency.at_risk_condition(cal, today, risk_workdays)
        except GkcaseError:
            raise
        except (OverflowError, ValueError):
            raise ValidationError("日期超出日历范围", field="as_of") from None
        conditions.append(risky if at_risk else not_(risky))
    counted = select(func.count(), CALENDAR_REVISION.scalar_subquery()).select_from(Case)
    total, revision = session.connection().execute(counted.where(*conditions)).one()
    if cal is None:
        cal = current_calendar(session, revision=revision or 0)
    order = (col(Case.reply_due).is_(None), col(Case.reply_due), col(Case.id))
    # The page's ids first, then their rows: the ids come from the open-case index alone
    # (ix_gk_case_open_agency covers the overdue, at-risk and paused filters), which SQLite
    # otherwise passes over for the agency index and reads every case (docs/performance.md).
    page_ids = (
        select(Case.id)
        .where(*conditions)
        .order_by(*order)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    listed = select(*_ROW_COLUMNS).where(col(Case.id).in_(page_ids)).order_by(*order)
    rows = session.connection().execute(listed).all()
    names = _names(session, {r.assignee_id for r in rows if r.assignee_id})
    items = []
    for case in rows:
        info = case.information_requested
        if len(info) > _INFO_PREVIEW:
            info = info[:_INFO_PREVIEW] + "…"
        items.append(
            CaseRowOut(
                id=case.id,
                number=case.number,
                agency_id=case.agency_id,
                state=case.state,
                state_label=_state_label(case.state),
                applicant_type=case.applicant_kind,
                applicant_type_label=_applicant_label(case.applicant_kind),
                information=info,
                receipt_date=case.receipt_date,
                reply_due=case.reply_due,
                projected_due=case.projected_due,
                workdays_left=_workdays_left(cal, today, case),
                clock_status=case.clock_status,
                urgency=_urgency(cal, today, case, risk_workdays),
                outcome=case.outcome,
                assignee=_person(case.assignee_id, names),
            )
        )
    return CaseListOut(total=total, page=page, page_size=page_size, items=items)


def _workdays_left(cal: Any, today: date, case: Case) -> int | None:
    if case.reply_due is None or case.clock_status == "stopped":
        return None
    try:
        return cal.workdays_between(today, case.reply_due)
    except (GkcaseError, OverflowError, ValueError, IndexError):
        return None


def _urgency(cal: Any, today: date, case: Any, risk_workdays: int) -> str:
    try:
        return urgency.urgency_of(case, cal, today, risk_workdays)
    except (GkcaseError, OverflowError, ValueError, IndexError):
        return ""  # today at the calendar's edge: no working days to count


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all()
    return dict(rows)


def _person(user_id: int | None, names: dict[int, str]) -> PersonOut | None:
    if user_id is None:
        return None
    return PersonOut(id=user_id, name=names.get(user_id, ""))


# --- the detail ------------------------------------------------------------------------------


class ApplicantOut(BaseModel):
    kind: str
    kind_label: str
    name: str
    id_type: str
    id_number: str
    contact_person: str
    phone: str
    email: str
    address: str
    postcode: str
    masked: bool = Field(description="个人信息已脱敏（非本机关登记员、承办人）")


class StepOut(BaseModel):
    kind: str
    first: date | None
    last: date | None
    text: str


class PeriodOut(BaseModel):
    kind: str = Field(description="correction_period / explanation / fee_payment / consultation")
    label: str
    sent_on: date
    received_on: date | None = Field(description="收到告知书之日；为空表示送达尚未登记")
    ends: date | None = Field(description="期限届满日，自登记的收到之日起算")
    ends_if_received: date | None = Field(description="送达未登记时：如今日收到，期限届满日")
    over: bool = Field(description="期限已届满")
    consultation_id: int | None = None


class ClockOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "due": "2026-03-30",
                    "provisional": False,
                    "status": "running",
                    "projected_due": "2026-03-30",
                    "remaining_workdays": None,
                    "paused_since": None,
                    "next_window": "correction_notice",
                    "next_window_due": "2026-03-11",
                    "explanation": "收到申请之日：2026年3月2日（星期一）\n…",
                    "steps": [
                        {
                            "kind": "start",
                            "first": "2026-03-02",
                            "last": "2026-03-02",
                            "text": "收到申请之日：2026年3月2日（星期一）",
                        }
                    ],
                }
            ]
        }
    )

    due: date | None = Field(description="答复期限；暂停中或待补正时为空")
    provisional: bool = Field(description="期限跨入尚未公布放假安排的年份（在办案件）")
    status: str = Field(description="waiting / running / paused / deferred; stopped once finished")
    projected_due: date | None = None
    remaining_workdays: int | None = None
    paused_since: date | None = None
    next_window: str | None = Field(
        default=None, description="最近的在途期限：补正、征求意见、缴费"
    )
    next_window_due: date | None = None
    periods: list[PeriodOut] = Field(
        default_factory=list,
        description="自收到告知书之日起计算的在途期限（补正、说明理由、缴费、征求意见）",
    )
    correction_notice_due: date | None = Field(
        default=None, description="补正告知的最后一日（第三十条：收到申请之日起7个工作日）"
    )
    correction_late: bool = Field(
        default=False, description="补正告知逾期发出：答复期限不重新计算，不能视为放弃"
    )
    explanation: str = Field(description="期限计算过程（中文，一步一行）")
    steps: list[StepOut]


class EventOut(BaseModel):
    seq: int
    on: date = Field(description="办理日期")
    at: datetime = Field(description="记录时间（UTC）")
    actor: str
    trigger: str
    label: str
    from_state: str | None
    to_state: str
    reason: str
    payload: dict[str, Any]


class LetterRef(BaseModel):
    id: int
    kind: str
    number: str
    issued_on: date


class ConsultationOut(BaseModel):
    id: int
    kind: str
    party_name: str
    matters: str
    sent_on: date
    party_received_on: date | None
    window_due: date | None
    opinion: str | None
    opinion_received_on: date | None
    closed: bool


class FeeNoticeOut(BaseModel):
    id: int
    basis: str
    quantity: int
    amount: int = Field(description="元")
    sent_on: date
    received_on: date
    window_due: date
    paid_on: date | None
    receipt_number: str
    lapsed: bool


class DeliveryOut(BaseModel):
    id: int
    method: str
    delivered_on: date
    posted_on: date | None
    tracking_number: str
    recipient: str


class RemedyOut(BaseModel):
    id: int
    kind: str
    filed_on: date
    body: str
    reference: str
    result: str
    result_on: date | None


class PermittedOut(BaseModel):
    trigger: str
    label: str
    allowed: bool
    reason: str | None = Field(description="不能操作的原因（法律或数据条件）")


class CaseOut(BaseModel):
    id: int
    number: str
    agency_id: int
    version: int
    channel: str
    arrived_on: date | None
    signed_for_on: date | None
    confirmed_on: date | None
    receipt_date: date | None
    applicant: ApplicantOut
    information_requested: str
    form_requested: str
    delivery_requested: str
    state: str
    state_label: str
    assignee: PersonOut | None
    outcome: str | None
    outcome_label: str | None
    decision: dict[str, Any]
    draft_version: int
    approved_draft_version: int | None
    replied_on: date | None
    closed_on: date | None


class RepeatCandidateOut(BaseModel):
    """An earlier, answered case of the same applicant for the same information: a candidate
    for 不予重复处理 (Art 36(六)), for the caseworker to decide (gkcase.services.repeats)."""

    case_id: int
    number: str
    outcome: str
    outcome_label: str
    replied_on: date
    score: float = Field(description="申请内容的文字相似度，0–1")
    reason: str
    text: str


class CaseDetailOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case": {
                        "id": 7,
                        "number": "FGW-2026-00007",
                        "agency_id": 2,
                        "version": 3,
                        "channel": "in_person",
                        "arrived_on": "2026-03-02",
                        "signed_for_on": None,
                        "confirmed_on": None,
                        "receipt_date": "2026-03-02",
                        "applicant": {
                            "kind": "natural_person",
                            "kind_label": "自然人",
                            "name": "张三",
                            "id_type": "居民身份证",
                            "id_number": "1101**********0021",
                            "contact_person": "",
                            "phone": "138****1234",
                            "email": "",
                            "address": "某市东湖区****",
                            "postcode": "",
                            "masked": True,
                        },
                        "information_requested": "2025年某项目的环境影响评价批复文件",
                        "form_requested": "",
                        "delivery_requested": "",
                        "state": "reviewing",
                        "state_label": "审核中",
                        "assignee": None,
                        "outcome": None,
                        "outcome_label": None,
                        "decision": {},
                        "draft_version": 0,
                        "approved_draft_version": None,
                        "replied_on": None,
                        "closed_on": None,
                    },
                    "version": 3,
                    "clock": None,
                    "events": [
                        {
                            "seq": 1,
                            "on": "2026-03-02",
                            "at": "2026-03-02T02:00:00Z",
                            "actor": "登记员甲",
                            "trigger": "register",
                            "label": "登记",
                            "from_state": None,
                            "to_state": "registered",
                            "reason": "",
                            "payload": {"channel": "in_person"},
                        }
                    ],
                    "letters": [],
                    "consultations": [],
                    "fee_notices": [],
                    "deliveries": [],
                    "remedies": [],
                    "permitted_events": [
                        {"trigger": "accept", "label": "受理", "allowed": True, "reason": None}
                    ],
                }
            ]
        }
    )

    case: CaseOut
    version: int = Field(description="send it back as expected_version with an action")
    clock: ClockOut | None = Field(description="收到申请之日确定前为空")
    events: list[EventOut]
    letters: list[LetterRef]
    consultations: list[ConsultationOut]
    fee_notices: list[FeeNoticeOut]
    deliveries: list[DeliveryOut]
    remedies: list[RemedyOut]
    permitted_events: list[PermittedOut]
    repeat_candidates: list[RepeatCandidateOut] | None = Field(
        default=None,
        description="同一申请人此前已答复的相同申请（第三十六条第（六）项候选）；"
        "null：仅办理本机关案件的人员可见",
    )


def _sees_personal_data(user: User, case: Case) -> bool:
    roles = user.role_set
    return user.agency_id == case.agency_id and bool(
        roles & {Role.REGISTRAR.value, Role.CASEWORKER.value}
    )


def _mask_email(email: str) -> str:
    name, at, domain = email.partition("@")
    if not at:
        return mask_phone(email) if email else ""
    return f"{name[:1]}***@{domain}"


def _applicant_out(applicant: Applicant | None, case: Case, clear: bool) -> ApplicantOut:
    if applicant is None:
        applicant = Applicant(kind=case.applicant_kind, name="", created_at=datetime.min)
    id_number, phone, email, address = (
        applicant.id_number,
        applicant.phone,
        applicant.email,
        applicant.address,
    )
    if not clear:
        id_number, phone = mask_id_number(id_number), mask_phone(phone)
        email, address = _mask_email(email), mask_address(address)
    return ApplicantOut(
        kind=applicant.kind,
        kind_label=_applicant_label(applicant.kind),
        name=applicant.name,
        id_type=applicant.id_type,
        id_number=id_number,
        contact_person=applicant.contact_person,
        phone=phone,
        email=email,
        address=address,
        postcode=applicant.postcode,
        masked=not clear,
    )


def _clock_out(view: Any, state: State | None = None) -> ClockOut | None:
    """The clock as the API shows it; for a case in ``state``: a finished case's clock is
    ``stopped`` and its due date no longer provisional, whatever its events fold to."""
    if view is None or view.reply is None:
        return None
    reply = view.reply
    summary = view.summary
    running = state is None or state.is_open
    return ClockOut(
        due=reply.due,
        provisional=reply.provisional and running,
        status=view.status if state is None else urgency.clock_status(state, view.status),
        projected_due=summary.projected_due if summary is not None else reply.projected_due,
        remaining_workdays=reply.remaining_workdays,
        paused_since=reply.paused_since,
        next_window=view.next_window,
        next_window_due=view.next_window_due,
        periods=[
            PeriodOut(
                kind=p.kind.value,
                label=p.label,
                sent_on=p.sent_on,
                received_on=p.received_on,
                ends=p.ends,
                ends_if_received=p.ends_if_received,
                over=p.over,
                consultation_id=p.consultation_id,
            )
            for p in view.periods
        ],
        correction_notice_due=view.correction_notice_due,
        correction_late=view.correction_late,
        explanation=reply.explain(),
        steps=[
            StepOut(kind=str(s.kind), first=s.first, last=s.last, text=s.text) for s in reply.steps
        ],
    )


def _trigger_label(trigger: str) -> str:
    try:
        return Trigger(trigger).label
    except ValueError:
        return "登记" if trigger == "register" else trigger


@router.get("/{case_id}", response_model=CaseDetailOut, summary="案件详情")
def case_detail(
    case_id: CaseId,
    session: SessionDep,
    user: CurrentUser,
    as_of: Annotated[date | None, Query(description="以哪天为今天（默认北京时间今天）")] = None,
) -> CaseDetailOut:
    today = _today(as_of)
    seen = service.case_page(session, case_id, user, today)
    case, applicant, records = seen.case, seen.applicant, seen.records
    names = _names(session, {case.assignee_id} if case.assignee_id else set())
    try:
        decision = json.loads(case.decision or "{}")
    except ValueError:
        decision = {}
    out = CaseOut(
        id=case.id,
        number=case.number,
        agency_id=case.agency_id,
        version=case.version,
        channel=case.channel,
        arrived_on=case.arrived_on,
        signed_for_on=case.signed_for_on,
        confirmed_on=case.confirmed_on,
        receipt_date=case.receipt_date,
        applicant=_applicant_out(applicant, case, _sees_personal_data(user, case)),
        information_requested=case.information_requested,
        form_requested=case.form_requested,
        delivery_requested=case.delivery_requested,
        state=case.state,
        state_label=_state_label(case.state),
        assignee=_person(case.assignee_id, names),
        outcome=case.outcome,
        outcome_label=_outcome_label(case.outcome),
        decision=decision if isinstance(decision, dict) else {},
        draft_version=case.draft_version,
        approved_draft_version=case.approved_draft_version,
        replied_on=case.replied_on,
        closed_on=case.closed_on,
    )
    events = [
        EventOut(
            seq=e.seq,
            on=e.on,
            at=e.at,
            actor=e.actor_name,
            trigger=e.trigger,
            label=_trigger_label(e.trigger),
            from_state=e.from_state,
            to_state=e.to_state,
            reason=e.reason,
            payload=payload,
        )
        for e, payload in zip(seen.events, seen.payloads, strict=True)
    ]
    permitted = [
        PermittedOut(trigger=t.value, label=t.label, allowed=reason is None, reason=reason)
        for t, reason in seen.permitted
    ]
    return CaseDetailOut(
        case=out,
        version=case.version,
        clock=_clock_out(seen.clock, State(case.state)),
        events=events,
        letters=[
            LetterRef(id=x.id, kind=x.kind, number=x.number, issued_on=x.issued_on)
            for x in records[Letter]
        ],
        consultations=[
            ConsultationOut.model_validate(c, from_attributes=True) for c in records[Consultation]
        ],
        fee_notices=[
            FeeNoticeOut.model_validate(f, from_attributes=True) for f in records[FeeNotice]
        ],
        deliveries=[DeliveryOut.model_validate(d, from_attributes=True) for d in records[Delivery]],
        remedies=[RemedyOut.model_validate(r, from_attributes=True) for r in records[Remedy]],
        permitted_events=permitted,
        repeat_candidates=[
            RepeatCandidateOut.model_validate(r, from_attributes=True)
            for r in repeat_candidates(session, case, applicant=applicant)
        ]
        if handles_cases(user, case.agency_id)
        else None,
    )


# --- actions -----------------------------------------------------------------------------------

#: One example payload per trigger, for the OpenAPI.
EXAMPLES: dict[Trigger, dict[str, Any]] = {
    Trigger.CONFIRM: {"confirmed_on": "2026-03-03", "how": "电话确认"},
    Trigger.START_REVIEW: {},
    Trigger.ASSIGN: {"assignee_id": 3},
    Trigger.REQUEST_CORRECTION: {
        "items": ["所需文件的年份"],
        "guidance": "请写明文件名称、文号或者其他特征性描述",
        "sent_on": "2026-03-04",
    },
    Trigger.CORRECTION_RECEIVED: {"received_on": "2026-03-09", "summary": "补充了文件年份"},
    Trigger.CORRECTION_LAPSED: {"note": "补正期限届满未补正"},
    Trigger.CONTINUE_WITHOUT_CORRECTION: {"note": "补正告知逾期发出，按原申请办理"},
    Trigger.REQUEST_REASONS: {"matters": "请说明申请理由的合理性", "sent_on": "2026-03-04"},
    Trigger.RECORD_EXPLANATION: {
        "finding": "unreasonable",
        "received_on": "2026-03-12",
        "summary": "申请人未说明所需信息的用途",
    },
    Trigger.RECORD_NOTICE_RECEIPT: {
        "notice": "correction_notice",
        "received_on": "2026-03-06",
        "method": "post",
        "proof": "EMS 回执 1234567890",
    },
    Trigger.ACCEPT: {},
    Trigger.DECIDE_WITHOUT_HANDLING: {
        "outcome": "already_published",
        "fields": {"access_method": "已在本机关门户网站政府信息公开专栏主动公开"},
    },
    Trigger.CONSULT: {
        "kind": "third_party",
        "party_name": "某某有限公司",
        "matters": "拟公开的合同文本",
        "sent_on": "2026-03-05",
    },
    Trigger.CONSULTATION_DONE: {
        "consultation_id": 1,
        "opinion": "agree",
        "opinion_received_on": "2026-03-12",
    },
    Trigger.ISSUE_FEE_NOTICE: {
        "basis": "per_page",
        "quantity": 50,
        "sent_on": "2026-03-05",
        "received_on": "2026-03-06",
        "payment_method": "转账至本机关非税收入账户，或到本机关政务服务窗口缴纳",
    },
    Trigger.FEE_PAID: {"paid_on": "2026-03-10", "receipt_number": "财政票据0001"},
    Trigger.FEE_LAPSED: {},
    Trigger.EXTEND: {"workdays": 20, "approved_on": "2026-03-25", "reason": "需要检索的档案较多"},
    Trigger.DEFER: {"until": "2026-05-29", "decided_on": "2026-03-20", "reason": "理由合理"},
    Trigger.DRAFT_DECISION: {
        "outcome": "not_exist",
        "fields": {"search_done": "经检索本机关档案及业务系统，未找到相关信息"},
    },
    Trigger.SUBMIT_FOR_LEGAL_REVIEW: {},
    Trigger.SUBMIT_FOR_SIGNING: {},
    Trigger.APPROVE: {"comments": "同意"},
    Trigger.RETURN_DRAFT: {"comments": "请补充不予公开的理由"},
    Trigger.SEND_BACK: {"comments": "请重新核实"},
    Trigger.SIGN: {"signed_on": "2026-03-20"},
    Trigger.DELIVER: {"method": "direct", "delivered_on": "2026-03-23", "recipient": "张三"},
    Trigger.ARCHIVE: {"file_number": "2026-永久-001"},
    Trigger.WITHDRAW: {"withdrawn_on": "2026-03-10", "how": "书面撤回"},
    Trigger.REOPEN: {
        "basis": "review_decision",
        "document_number": "某府复决〔2026〕12号",
        "received_on": "2026-06-01",
    },
    Trigger.RECORD_REMEDY: {"kind": "review", "filed_on": "2026-04-20", "body": "某市人民政府"},
    Trigger.ISSUE_RECEIPT: {"issued_on": "2026-03-03"},
    Trigger.CORRECT_LETTER: {"letter_id": 12, "reason": "申请人姓名有误"},
}
assert set(EXAMPLES) == set(Trigger), "every trigger needs an example"


def _camel(trigger: Trigger) -> str:
    return "".join(part.capitalize() for part in trigger.value.split("_"))


def _body_model(trigger: Trigger) -> type[BaseModel]:
    payload_model = PAYLOADS[trigger]
    required = any(f.is_required() for f in payload_model.model_fields.values())
    payload_field = (
        Field(description=f"「{trigger.label}」的内容")
        if required
        else Field(default_factory=payload_model, description=f"「{trigger.label}」的内容")
    )
    return create_model(
        f"{_camel(trigger)}Action",
        __config__=ConfigDict(
            extra="forbid",
            json_schema_extra={
                "examples": [
                    {"expected_version": 3, "payload": EXAMPLES[trigger], "as_of": "2026-03-05"}
                ]
            },
        ),
        expected_version=(int, Field(ge=1, le=2**31 - 1, description="详情中的 version")),
        payload=(payload_model, payload_field),
        as_of=(date | None, Field(default=None, description="办理日期（默认北京时间今天）")),
    )


class CaseSummary(BaseModel):
    id: int
    number: str
    version: int
    state: str
    state_label: str
    assignee_id: int | None
    outcome: str | None
    receipt_date: date | None
    reply_due: date | None
    projected_due: date | None
    next_window_due: date | None
    clock_status: str


class ActionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case": {
                        "id": 7,
                        "number": "FGW-2026-00007",
                        "version": 4,
                        "state": "handling",
                        "state_label": "办理中",
                        "assignee_id": 3,
                        "outcome": None,
                        "receipt_date": "2026-03-02",
                        "reply_due": "2026-03-30",
                        "projected_due": "2026-03-30",
                        "next_window_due": None,
                        "clock_status": "running",
                    },
                    "event": {
                        "seq": 4,
                        "on": "2026-03-05",
                        "at": "2026-03-05T02:00:00Z",
                        "actor": "承办人甲",
                        "trigger": "accept",
                        "label": "受理",
                        "from_state": "reviewing",
                        "to_state": "handling",
                        "reason": "",
                        "payload": {"note": ""},
                    },
                }
            ]
        }
    )

    case: CaseSummary
    event: EventOut


class WhatIfOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trigger": "extend",
                    "label": "延长答复期限",
                    "clock": {
                        "due": "2026-04-28",
                        "provisional": False,
                        "status": "running",
                        "projected_due": "2026-04-28",
                        "remaining_workdays": None,
                        "paused_since": None,
                        "next_window": None,
                        "next_window_due": None,
                        "explanation": "…\n延长20个工作日\n答复期限：2026年4月28日（星期二）",
                        "steps": [],
                    },
                }
            ]
        }
    )

    trigger: str
    label: str
    clock: ClockOut | None = Field(description="该操作之后的答复期限；什么都不保存")


def _summary(case: Any) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        number=case.number,
        version=case.version,
        state=case.state,
        state_label=_state_label(case.state),
        assignee_id=case.assignee_id,
        outcome=case.outcome,
        receipt_date=case.receipt_date,
        reply_due=case.reply_due,
        projected_due=case.projected_due,
        next_window_due=case.next_window_due,
        clock_status=case.clock_status,
    )


_INT_MAX = 2**31 - 1  # the database's INTEGER


def _payload_of(body: Any) -> dict[str, Any]:
    _check_as_of(body.as_of)
    payload = body.payload.model_dump(mode="json", exclude_unset=True)
    # Some payload ids (assignee_id, consultation_id, remedy_id) have no upper bound in their
    # models; PostgreSQL would refuse the look-up with a DataError (a 500). Refuse them here.
    for name, value in payload.items():
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _INT_MAX:
            raise ValidationError("数值过大", field=f"payload.{name}")
    return payload


def _guarded(call: Any) -> Any:
    """Dates the calendar cannot count (beyond year 9999 after adding days) are the client's."""
    try:
        return call()
    except OverflowError:
        raise ValidationError("日期超出可计算的范围", field="payload") from None


#: The client's key for one request: sent again after it succeeded (a retry after a lost
#: answer), the action answers with the event it made — the same letters and 文号 — not 409.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="optional; a repeated request with the same key gets the same event",
    ),
]


def _make_action(trigger: Trigger, body_model: type[BaseModel]) -> Any:
    def action(
        case_id: CaseId,
        body: body_model,
        session: SessionDep,
        user: CurrentUser,
        idempotency_key: IdempotencyKey = None,
    ) -> ActionOut:
        payload = _payload_of(body)
        fired = _guarded(
            lambda: service.fire(
                session,
                case_id,
                trigger,
                user,
                payload,
                body.expected_version,
                as_of=body.as_of,
                request_key=idempotency_key,
            )
        )
        e = fired.event
        event = EventOut(
            seq=e.seq,
            on=e.on,
            at=e.at,
            actor=e.actor_name,
            trigger=e.trigger,
            label=trigger.label,
            from_state=e.from_state,
            to_state=e.to_state,
            reason=e.reason,
            payload=json.loads(e.payload),
        )
        return ActionOut(case=_summary(fired.case), event=event)

    action.__annotations__["body"] = body_model  # a closure's name cannot be resolved later
    action.__name__ = f"fire_{trigger.value}"
    return action


def _make_what_if(trigger: Trigger, body_model: type[BaseModel]) -> Any:
    def what_if(
        case_id: CaseId, body: body_model, session: SessionDep, user: CurrentUser
    ) -> WhatIfOut:
        payload = _payload_of(body)
        view = _guarded(
            lambda: service.what_if(
                session, case_id, trigger, user, payload, body.expected_version, as_of=body.as_of
            )
        )
        return WhatIfOut(trigger=trigger.value, label=trigger.label, clock=_clock_out(view))

    what_if.__annotations__["body"] = body_model
    what_if.__name__ = f"what_if_{trigger.value}"
    return what_if


for _trigger in Trigger:
    _model = _body_model(_trigger)
    router.add_api_route(
        f"/{{case_id}}/actions/{_trigger.value}",
        _make_action(_trigger, _model),
        methods=["POST"],
        response_model=ActionOut,
        summary=f"操作：{_trigger.label}",
        description=(
            "Fire the trigger. 409 case.stale when the case changed since `expected_version` "
            "(the body names who acted and when); 409 for an illegal transition or an unmet "
            "precondition; 403 when the caller's role may not; 404 for another agency's case."
        ),
    )
    router.add_api_route(
        f"/{{case_id}}/what-if/{_trigger.value}",
        _make_what_if(_trigger, _model),
        methods=["POST"],
        response_model=WhatIfOut,
        summary=f"试算：{_trigger.label}之后的期限（不保存）",
    )
