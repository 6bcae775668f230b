"""Registering applications and moving cases through the machine, one transaction each.

``fire`` is the only way a case changes: it takes the case's write lock by bumping its version
(refusing if the caller saw an older one), checks the payload, the caller's role and the law's
preconditions, applies the trigger's effects, recomputes the clock from the case's events, and
appends one hash-chained event — all in the caller's unit of work, so nothing is half-written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, make_dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import bindparam, func, insert, literal, union_all, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from gkcase import audit
from gkcase.calendar.clock import (
    Channel,
    ClockPolicy,
    check_extensions,
    confirmation_due,
    consultation_window_end,
    correction_notice_due,
    correction_notice_late,
    correction_period_deadline,
    explanation_deadline,
    fee_payment_deadline,
    receipt_date,
)
from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.calendar.zh import zh_date
from gkcase.errors import GkcaseError, ValidationError
from gkcase.fees import FeeBasis, per_item_fee, per_page_fee
from gkcase.models import (
    Agency,
    Applicant,
    ApplicantType,
    Case,
    CaseEvent,
    Consultation,
    Counter,
    Delivery,
    FeeNotice,
    Letter,
    Remedy,
    User,
)
from gkcase.models.letter import LETTER_LISTED
from gkcase.services.calendar import CALENDAR_REVISION, current_calendar
from gkcase.states import machine, payloads
from gkcase.states.machine import CaseFacts, Role, State, Trigger
from gkcase.states.outcomes import (
    OUTCOMES,
    Outcome,
    legal_review_outcomes,
    over_objection,
    spec,
    validate_decision,
)
from gkcase.states.timeline import Timeline, clock_view, fold

CHINA = ZoneInfo("Asia/Shanghai")
GENESIS = "0" * 64

#: Decisions that can be made at review, without searching or consulting (design.md).
DECIDABLE_AT_REVIEW = frozenset(
    {
        Outcome.ALREADY_PUBLISHED,
        Outcome.NOT_THIS_AGENCY,
        Outcome.STILL_UNCLEAR,
        Outcome.PETITION,
        Outcome.REPEAT_APPLICATION,
        Outcome.PUBLICATION,
        Outcome.EXCESSIVE,
        Outcome.CONFIRM_OR_REISSUE,
    }
)
#: Outcomes the engine sets itself when a case closes without a reply.
CLOSING_OUTCOMES = frozenset(
    {Outcome.CLOSED_NO_CORRECTION, Outcome.CLOSED_FEE_UNPAID, Outcome.CLOSED_OTHER}
)


def china_today() -> date:
    """Today in Beijing time: the date every statutory period is counted in."""
    return datetime.now(CHINA).date()


def _now() -> datetime:
    return datetime.now(UTC)


class NotFound(GkcaseError):
    code = "not_found"


class StaleCase(GkcaseError):
    """Someone else changed the case after the caller loaded it."""

    code = "case.stale"

    def __init__(self, message: str, *, actor: str = "", at: datetime | None = None) -> None:
        super().__init__(message)
        self.actor = actor
        self.at = at


# --- registration -------------------------------------------------------------------------


class ApplicantIn(BaseModel):
    """申请人: name, identity proof and contact (Art 29 ¶2(一))."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ApplicantType
    name: str = Field(min_length=1, max_length=120)
    id_type: str = Field(default="", max_length=30)
    id_number: str = Field(default="", max_length=40)
    contact_person: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=10)


class RegistrationIn(BaseModel):
    """An application as it arrives (Art 29, 31)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel
    arrived_on: date
    signed_for_on: date | None = None
    confirmed_on: date | None = None
    applicant: ApplicantIn
    information_requested: str = Field(min_length=1, max_length=10_000)
    form_requested: str = Field(default="", max_length=200)
    delivery_requested: str = Field(default="", max_length=200)
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=100)

    @field_validator("information_requested")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("请填写申请公开的政府信息的名称、文号或特征性描述")
        return value


@dataclass(frozen=True)
class Registered:
    case: Any  # a CaseRow for a new registration, the stored Case for a duplicate
    duplicate: bool  # the idempotency key had been used: this is the earlier registration
    needs: str | None  # what is still needed to fix the receipt date, if anything


def identity_key(id_type: str, id_number: str) -> str:
    if not id_number:
        return ""
    normal = f"{id_type.strip()}|{id_number.strip().upper()}"
    return hashlib.sha256(normal.encode()).hexdigest()


def _check_identity(applicant: ApplicantIn) -> None:
    """Check an identity number's form and check digit (GB 11643 / GB 32100).

    The 居民身份证 check is deliberately not python-stdnum's full ``validate``: that one also
    requires the area code to have existed in the holder's birth year, but a card carries the code
    in force when it was issued, so real numbers fail it. Format, birth date and the ISO 7064
    check digit are what can be known.
    """
    from stdnum.cn import ric, uscc

    number = applicant.id_number.strip().upper()
    if not number:
        return
    field = "applicant.id_number"
    if applicant.id_type == "居民身份证":
        if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
            raise ValidationError("居民身份证号码应为18位（最后一位可为X）", field=field)
        try:
            ric.get_birth_date(number)
            check = ric.calc_check_digit(number)
        except Exception:  # any failure inside the library means the number is malformed
            raise ValidationError("居民身份证号码中的出生日期无效", field=field) from None
        if check != number[17]:
            raise ValidationError("居民身份证号码校验位不符", field=field)
    elif applicant.id_type == "统一社会信用代码":
        try:
            uscc.validate(number)
        except Exception:
            raise ValidationError("统一社会信用代码校验不通过", field=field) from None


_COUNTER = Counter.__table__.c
_ENSURE_COUNTER = {
    name: dialect_insert(Counter.__table__)
    .values(
        agency_id=bindparam("b_agency"), year=bindparam("b_year"), kind=bindparam("b_kind"), value=0
    )
    # On PostgreSQL DO NOTHING leaves an existing row unlocked; this no-op update locks it, so
    # the counter row serialises registrations (the idempotency check below relies on it).
    .on_conflict_do_update(
        index_elements=[_COUNTER.agency_id, _COUNTER.year, _COUNTER.kind],
        set_={"value": _COUNTER.value},
    )
    for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_NEXT_NUMBER = (
    update(Counter.__table__)
    .where(_COUNTER.agency_id == bindparam("b_agency"))
    .where(_COUNTER.year == bindparam("b_year"))
    .where(_COUNTER.kind == bindparam("b_kind"))
    .values(value=_COUNTER.value + 1)
    .returning(_COUNTER.value)
)


def _lock_counter(session: Session, agency_id: int, year: int, kind: str) -> None:
    """Make sure the counter row exists and lock it — the unit of work's first write."""
    statement = _ENSURE_COUNTER[session.get_bind().dialect.name]
    session.connection().execute(statement, {"b_agency": agency_id, "b_year": year, "b_kind": kind})


def next_number(
    session: Session, agency_id: int, year: int, kind: str, *, locked: bool = False
) -> int:
    """Allocate the next number of a sequence, once, safely under concurrency.

    ``locked``: the caller has already made sure of the counter row in this unit of work.
    """
    if not locked:
        _lock_counter(session, agency_id, year, kind)
    params = {"b_agency": agency_id, "b_year": year, "b_kind": kind}
    return int(session.connection().execute(_NEXT_NUMBER, params).scalar_one())


def register(
    session: Session,
    agency_id: int,
    data: RegistrationIn | Mapping[str, Any],
    actor: User,
    *,
    as_of: date | None = None,
) -> Registered:
    """Register an application; a repeated idempotency key returns the earlier case.

    ``as_of`` is the business date of the registration (default: today in Beijing), as for
    :func:`fire` — a paper application entered late keeps the dates it really had.
    """
    as_of = as_of or china_today()
    if not isinstance(data, RegistrationIn):
        data = payloads.validate_model(RegistrationIn, data)
    for name in ("arrived_on", "signed_for_on", "confirmed_on"):
        _not_future(getattr(data, name), as_of, name)
    agency, cal = _rules_and_calendar(session, agency_id)
    if agency is None:
        raise NotFound("机关不存在", field="agency_id")
    _require_roles(actor, {Role.REGISTRAR}, "登记申请")
    _require_agency(actor, agency_id)
    year = data.arrived_on.year
    _lock_counter(session, agency_id, year, "case")  # first write: serialises registrations
    if data.idempotency_key:
        earlier = session.exec(
            select(Case).where(
                Case.agency_id == agency_id, Case.idempotency_key == data.idempotency_key
            )
        ).first()
        if earlier is not None:
            return Registered(earlier, True, None)
    _check_identity(data.applicant)
    receipt = receipt_date(
        data.channel,
        arrived_on=data.arrived_on,
        signed_for_on=data.signed_for_on,
        confirmed_on=data.confirmed_on,
    )
    applicant_id = _applicant(session, data.applicant)
    seq = next_number(session, agency_id, year, "case", locked=True)
    now = _now()
    state = State.REGISTERED if receipt.day else State.RECEIVED
    case = CaseRow(
        **dict.fromkeys(_WRITABLE),
        id=None,
        version=1,
    )
    for name, value in {
        "agency_id": agency_id,
        "year": year,
        "seq": seq,
        "number": f"{agency.code}-{year}-{seq:05d}",
        "lookup_code": secrets.token_hex(4).upper(),
        "idempotency_key": data.idempotency_key,
        "channel": data.channel.value,
        "arrived_on": data.arrived_on,
        "signed_for_on": data.signed_for_on,
        "confirmed_on": data.confirmed_on,
        "receipt_date": receipt.day,
        "applicant_id": applicant_id,
        "applicant_kind": data.applicant.kind.value,
        "information_requested": data.information_requested,
        "form_requested": data.form_requested,
        "delivery_requested": data.delivery_requested,
        "state": state.value,
        "decision": "{}",
        "draft_version": 0,
        "event_count": 0,
        "last_event_hash": "",
        "chain_seal": "",
        "legacy_letters": "",
        "created_at": now,
        "updated_at": now,
        "registered_by": actor.id,
    }.items():
        setattr(case, name, value)
    payload = {
        "channel": data.channel.value,
        "arrived_on": data.arrived_on,
        "signed_for_on": data.signed_for_on,
        "confirmed_on": data.confirmed_on,
        "receipt_date": receipt.day,
        "receipt_rule": receipt.rule,
        "applicant_id": applicant_id,
    }
    _recompute(case, agency, fold([("register", payload)]), cal, as_of)
    connection = session.connection()
    case.id = connection.execute(
        _INSERT_CASE, {n: getattr(case, n) for n in _WRITABLE} | {"version": 1}
    ).scalar_one()
    event = _append_event(
        session, case, "register", None, case.state, actor, payload, "", None, as_of
    )
    _flag_locked_reports(session, case, None, event)
    connection.execute(
        _SET_CHAIN_HEAD,
        {
            "b_case_id": case.id,
            "v_count": case.event_count,
            "v_hash": case.last_event_hash,
            "v_seal": case.chain_seal,
        },
    )
    return Registered(case, False, receipt.needs)


_INSERT_CASE = insert(Case.__table__).returning(Case.__table__.c.id)
_SET_CHAIN_HEAD = (
    update(Case.__table__)
    .where(Case.__table__.c.id == bindparam("b_case_id"))
    .values(
        event_count=bindparam("v_count"),
        last_event_hash=bindparam("v_hash"),
        chain_seal=bindparam("v_seal"),
    )
)
_APPLICANT = Applicant.__table__.c
_FIND_APPLICANT = select(_APPLICANT.id).where(
    _APPLICANT.identity_key == bindparam("key"), _APPLICANT.name == bindparam("name")
)
_INSERT_APPLICANT = insert(Applicant.__table__).returning(_APPLICANT.id)
_CONTACT_FIELDS = ("phone", "email", "address", "postcode", "contact_person")


def _applicant(session: Session, data: ApplicantIn) -> int:
    """The applicant's id: the one already known by identity number and name (its contact
    details brought up to date), or a new one."""
    connection = session.connection()
    key = identity_key(data.id_type, data.id_number)
    if key:
        existing = connection.execute(_FIND_APPLICANT, {"key": key, "name": data.name}).scalar()
        if existing is not None:
            fresh = {name: getattr(data, name) for name in _CONTACT_FIELDS if getattr(data, name)}
            if fresh:
                connection.execute(
                    update(Applicant.__table__).where(_APPLICANT.id == existing).values(fresh)
                )
            return int(existing)
    values = data.model_dump(exclude={"kind"}) | {
        "kind": data.kind.value,
        "identity_key": key,
        "created_at": _now(),
    }
    return int(connection.execute(_INSERT_APPLICANT, values).scalar_one())


# --- firing triggers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fired:
    case: Any  # CaseRow: the case as fire() left it
    event: EventRecord
    replayed: bool = False  # a repeated request: the event it had already made


def fire(
    session: Session,
    case_id: int,
    trigger: Trigger | str,
    actor: User,
    payload: Mapping[str, Any] | None,
    expected_version: int,
    *,
    as_of: date | None = None,
    request_key: str | None = None,
) -> Fired:
    """Fire ``trigger`` on a case, in the caller's unit of work (see the module docstring).

    ``request_key`` is the client's key for this request (a form's hidden field, the API's
    ``Idempotency-Key``): sent again after it succeeded, the request gets the event it made."""
    try:
        trigger = Trigger(trigger)
    except ValueError:
        raise ValidationError(f"没有“{trigger}”这一操作", field="trigger") from None
    as_of = as_of or china_today()
    # The first statement writes: it takes the case's lock, refuses a stale version and another
    # agency's case, and returns the row it locked.
    connection = session.connection()
    row = connection.execute(
        _LOCK_CASE,
        {"b_case_id": case_id, "b_version": expected_version, "b_agency_id": actor.agency_id},
    ).first()
    if row is None:
        found = session.get(Case, case_id)
        if found is None or found.agency_id != actor.agency_id:
            raise NotFound("案件不存在", field="case_id")
        replayed = _replay(session, found, trigger, actor, request_key, expected_version)
        if replayed is not None:
            return replayed
        raise _stale(session, found, expected_version)
    case = CaseRow(**row._mapping)
    agency, cal = _rules_and_calendar(session, case.agency_id)
    parsed = payloads.parse_payload(trigger, payload)
    for name, value in parsed:
        if isinstance(value, date) and name not in payloads.FORWARD_DATES:
            _not_future(value, as_of, name)
    timeline = fold(_event_pairs(session, case.id))
    facts = _facts(
        session,
        case,
        agency,
        timeline,
        cal,
        as_of,
        with_delivery=trigger is Trigger.ARCHIVE,
        with_letter=trigger in _CARRY_REPLY,
    )
    before = _snapshot(case)
    source = State(case.state)
    target = machine.fire(source, trigger, _roles(actor), facts)
    rule = machine.rule_for(source, trigger, facts)
    stored, reason = _EFFECTS[trigger](
        _Context(session, case, agency, actor, timeline, facts, as_of, cal), parsed
    )
    case.state = target.value
    case.updated_at = _now()
    _recompute(case, agency, timeline.apply(trigger.value, stored), cal, as_of)
    if rule.letters:
        stored = stored | _issue_letters(session, case, trigger, rule.letters, stored, actor, as_of)
    event = _append_event(
        session,
        case,
        trigger.value,
        source.value,
        target.value,
        actor,
        stored,
        reason,
        before,
        as_of,
        request_key=request_key,
    )
    connection.execute(
        _WRITE_CASE, {"b_case_id": case.id} | {f"v_{n}": getattr(case, n) for n in _WRITABLE}
    )
    cached = session.identity_map.get(session.identity_key(Case, case.id))
    if cached is not None:  # an ORM copy loaded earlier in this session is now out of date
        session.expire(cached)
    session.flush()  # rows the effect added (consultation, delivery, …)
    _flag_locked_reports(session, case, before, event, parsed)
    return Fired(case, event)


def _issue_letters(
    session: Session,
    case: Any,
    trigger: Trigger,
    names: tuple[str, ...],
    stored: dict[str, Any],
    actor: User,
    as_of: date,
) -> dict[str, Any]:
    """The act's letters (its rule's ``letters``), issued in this unit of work and recorded in its
    event — so each letter's 文号, date and file hashes are in the case's hash chain."""
    from gkcase.services import letters  # letters builds on this module

    session.flush()  # rows the effect added (a fee notice, a consultation) are the letter's facts
    to_issue = letters.letters_of_act(session, case, names, stored)
    if not to_issue:
        return {}
    events = [*_event_pairs(session, case.id), (trigger.value, stored)]
    issued = letters.issue_for_act(
        session, case, trigger.value, stored, to_issue, actor, as_of=as_of, events=events
    )
    return {"letters": issued}


def _flag_locked_reports(
    session: Session,
    case: Any,
    before: Mapping[str, Any] | None,
    event: EventRecord,
    given: BaseModel | None = None,
) -> None:
    """A change to a fact a locked annual report counted is flagged on the lock, in this unit of
    work (docs/annual-report.md)."""
    from gkcase.services import annual_report  # the report builds on this module

    annual_report.flag_change(session, case, before, event, given)


_CASE = Case.__table__.c

#: The engine's working copy of a case row inside fire(): the same fields as Case, as a plain
#: slotted record — fire() reads and writes the row with two prebuilt Core statements instead of
#: the ORM's per-object machinery, which cost more than the rest of an action together.
CaseRow = make_dataclass("CaseRow", [(c.name, Any) for c in _CASE], slots=True)

_LOCK_CASE = (
    update(Case.__table__)
    .where(_CASE.id == bindparam("b_case_id"))
    .where(_CASE.version == bindparam("b_version"))
    .where(_CASE.agency_id == bindparam("b_agency_id"))  # writes: the actor's own agency only
    .values(version=_CASE.version + 1)
    .returning(*_CASE)
)
_WRITABLE = tuple(c.name for c in _CASE if c.name not in ("id", "version"))
_WRITE_CASE = (
    update(Case.__table__)
    .where(_CASE.id == bindparam("b_case_id"))
    .values({name: bindparam(f"v_{name}") for name in _WRITABLE})
)


def _replay(
    session: Session,
    case: Case,
    trigger: Trigger,
    actor: User,
    request_key: str | None,
    expected: int,
) -> Fired | None:
    """A request sent again after it succeeded (a double click, a client's retry), known by its
    key: the case moved on by exactly the event that request made. It gets that event — and so
    the same letters and 文号 — instead of a conflict; nothing is written again. Two requests
    without a key, or with different keys, are two requests: the second is stale."""
    if not request_key or case.version != expected + 1:
        return None
    last = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.seq).desc())
    ).first()
    if (
        last is None
        or last.request_key != request_key
        or last.trigger != trigger.value
        or last.actor_id != actor.id
    ):
        return None
    row = CaseRow(**{c.name: getattr(case, c.name) for c in _CASE})
    record = EventRecord(**{f.name: getattr(last, f.name) for f in dataclasses.fields(EventRecord)})
    return Fired(row, record, replayed=True)


def _stale(session: Session, case: Case, expected: int) -> StaleCase:
    last = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.seq).desc())
    ).first()
    if last is None:
        return StaleCase("案件已被他人修改，请刷新后重试")
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
    when = at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    message = f"案件已被{last.actor_name or '他人'}于{when}处理（{_trigger_zh(last.trigger)}），请刷新后重试"
    return StaleCase(message, actor=last.actor_name, at=last.at)


def _trigger_zh(trigger: str) -> str:
    try:
        return Trigger(trigger).label
    except ValueError:
        return "登记"


@dataclass
class _Context:
    session: Session
    case: Case
    agency: AgencyRules
    actor: User
    timeline: Timeline
    facts: CaseFacts
    as_of: date
    cal: WorkdayCalendar


def _facts(
    session: Session,
    case: Case,
    agency: AgencyRules,
    timeline: Timeline,
    cal: WorkdayCalendar,
    as_of: date,
    *,
    with_delivery: bool = True,
    delivered: bool | None = None,
    with_letter: bool = True,
) -> CaseFacts:
    """The guards' view of a case; the delivery look-up only when a guard will read it and the
    caller does not know already (``delivered``)."""
    decision = json.loads(case.decision)
    problem = None
    legal_review_required = False
    letter_problem = None
    if case.outcome:
        # Art 32: disclosure over an objection is always reviewed, like every refusal
        objected = bool(timeline.consultations) and bool(objections(session, case.id))
        reviewed = legal_review_outcomes(agency.legal_review_outcomes)
        legal_review_required = Outcome(case.outcome) in reviewed or over_objection(
            case.outcome, decision, objected
        )
        try:
            validate_decision(case.outcome, decision, objected=objected)
        except ValidationError as exc:
            problem = f"答复决定不完整：{exc}"
        if with_letter and problem is None and State(case.state) in _DECIDED_STATES:
            from gkcase.services import letters  # letters builds on this module

            letter_problem = letters.reply_problem(session, case, as_of)
    fee_due = None
    if timeline.fees and timeline.fees[-1].paid_on is None:
        fee_due = timeline.fees[-1].window_end(cal)
    correction = timeline.correction
    if delivered is None and with_delivery:
        found = session.connection().execute(_A_DELIVERY, {"case_id": case.id}).first()
        delivered = found is not None
    return CaseFacts(
        as_of=as_of,
        correction_requested=timeline.correction_requested_on is not None,
        correction_late=timeline.correction_late(cal),
        correction_period_due=correction.window_end(cal) if correction else None,
        reasons_requested=timeline.reasons_requested,
        explanation_due=timeline.reasons.window_end(cal) if timeline.reasons else None,
        explanation=timeline.explanation,
        notices_awaiting_receipt=len(timeline.awaiting_receipt()),
        open_consultations=len(timeline.open_consultations),
        fee_notice_issued=bool(timeline.fees),
        fee_window_due=fee_due,
        extension_workdays=sum(e.workdays for e in timeline.extensions),
        reply_due=case.reply_due,
        decision_drafted=case.outcome is not None,
        decision_problem=problem,
        legal_review_required=legal_review_required,
        legal_approved=(
            case.approved_draft_version is not None
            and case.approved_draft_version == case.draft_version
        ),
        delivered=bool(delivered),
        receipt_issued=timeline.receipt_issued,
        letters_issued=timeline.letters_issued > 0,
        letter_problem=letter_problem,
    )


#: States in which a drafted reply waits to be submitted, approved or signed: its letter is
#: linted at each of these steps (reply_letter_clean).
_DECIDED_STATES = (State.DRAFTING, State.LEGAL_REVIEW, State.SIGNING)
#: The steps that carry the drafted reply forward, and so need its lint (with_letter).
_CARRY_REPLY = frozenset(
    {Trigger.SUBMIT_FOR_LEGAL_REVIEW, Trigger.SUBMIT_FOR_SIGNING, Trigger.APPROVE, Trigger.SIGN}
)


def objections(session: Session, case_id: int) -> list[Consultation]:
    """The consulted third parties that objected to disclosure (Art 32), oldest first."""
    return list(
        session.exec(
            select(Consultation)
            .where(
                Consultation.case_id == case_id,
                Consultation.kind == "third_party",
                Consultation.opinion == "object",
            )
            .order_by(Consultation.id)
        )
    )


def policy_of(agency: Agency | AgencyRules) -> ClockPolicy:
    return _policy(
        agency.fee_window_pauses_clock,
        agency.consultation_pause_from,
        agency.correction_period_workdays,
        agency.explanation_period_workdays,
        agency.confirmation_workdays,
    )


@cache
def _policy(
    fee_pauses: bool, pause_from: str, correction_days: int, explanation_days: int, confirm: int
) -> ClockPolicy:
    return ClockPolicy(
        fee_window_pauses_clock=fee_pauses,
        consultation_pause_from=pause_from,
        correction_period_workdays=correction_days,
        explanation_period_workdays=explanation_days,
        confirmation_workdays=confirm,
    )


@dataclass(frozen=True, slots=True)
class AgencyRules:
    """The few facts of an agency an action needs: its code and its clock policies."""

    id: int
    code: str
    fee_window_pauses_clock: bool
    consultation_pause_from: str
    correction_period_workdays: int
    legal_review_outcomes: str  # the agency's 法制审核 list (outcomes.legal_review_outcomes)
    explanation_period_workdays: int
    confirmation_workdays: int


_AGENCY = Agency.__table__.c
#: An agency's rules (``AgencyRules``' fields, in order) and the calendar's revision.
_RULES_COLUMNS = (
    _AGENCY.id,
    _AGENCY.code,
    _AGENCY.fee_window_pauses_clock,
    _AGENCY.consultation_pause_from,
    _AGENCY.correction_period_workdays,
    _AGENCY.legal_review_outcomes,
    _AGENCY.explanation_period_workdays,
    _AGENCY.confirmation_workdays,
    CALENDAR_REVISION.scalar_subquery(),
)
_RULES_WIDTH = len(_RULES_COLUMNS) - 1  # AgencyRules' fields; the calendar revision follows
#: The columns of AgencyRules alone, in order (a bulk read of several agencies' rules).
AGENCY_RULES_COLUMNS = _RULES_COLUMNS[:_RULES_WIDTH]
_AGENCY_RULES = select(*_RULES_COLUMNS).where(_AGENCY.id == bindparam("agency_id"))


def agency_rules(session: Session, agency_id: int) -> AgencyRules | None:
    return _rules_and_calendar(session, agency_id)[0]


def _rules_and_calendar(
    session: Session, agency_id: int
) -> tuple[AgencyRules | None, WorkdayCalendar]:
    """The agency's rules and the calendar in force, with one read."""
    row = session.connection().execute(_AGENCY_RULES, {"agency_id": agency_id}).first()
    if row is None:
        return None, current_calendar(session)
    rules = AgencyRules(*row[:_RULES_WIDTH])
    return rules, current_calendar(session, revision=row[_RULES_WIDTH] or 0)


# --- effects: what each trigger does besides moving the state ---------------------------------

Effect = Callable[[_Context, Any], tuple[dict[str, Any], str]]


def _confirm(ctx: _Context, p: payloads.Confirm) -> tuple[dict, str]:
    case = ctx.case
    result = receipt_date(
        Channel(case.channel),
        arrived_on=case.arrived_on,
        signed_for_on=p.signed_for_on or case.signed_for_on,
        confirmed_on=p.confirmed_on or case.confirmed_on,
    )
    if result.day is None:
        raise ValidationError(result.needs or "无法确定收到申请之日", field=result.needs_field)
    case.signed_for_on = p.signed_for_on or case.signed_for_on
    case.confirmed_on = p.confirmed_on or case.confirmed_on
    case.receipt_date = result.day
    stored = p.model_dump(mode="json") | {"receipt_date": result.day, "receipt_rule": result.rule}
    # Art 31(二)(三): by when it had to be confirmed; a later confirmation is a lapse
    due = confirmation_due(ctx.cal, case.channel, case.arrived_on, policy_of(ctx.agency))
    if due is not None and case.confirmed_on is not None:
        stored |= {"confirmation_due": due, "late": case.confirmed_on > due}
    return stored, p.how


def _assign(ctx: _Context, p: payloads.Assign) -> tuple[dict, str]:
    user = ctx.session.get(User, p.assignee_id)
    if user is None or user.agency_id != ctx.case.agency_id or not user.active:
        raise ValidationError("承办人须为本机关在职人员", field="assignee_id")
    if Role.CASEWORKER not in user.role_set:
        raise ValidationError("被指定人员没有承办人角色", field="assignee_id")
    ctx.case.assignee_id = user.id
    return {"assignee_id": user.id, "assignee_name": user.full_name}, ""


def _request_correction(ctx: _Context, p: payloads.RequestCorrection) -> tuple[dict, str]:
    """补正告知 (Art 30). The period granted runs from the applicant's receipt of the notice,
    recorded now or later (record_notice_receipt). A notice after the 7th working day is still
    sent — the applicant must be told what to correct — but does not restart the reply period."""
    cal = ctx.cal
    sent_on = p.sent_on or ctx.as_of
    _not_before(sent_on, ctx.case.receipt_date, "sent_on", "收到申请之日")
    _not_before(p.received_on, sent_on, "received_on", "发出日期")
    period = p.period_workdays or ctx.agency.correction_period_workdays
    period_due = (
        correction_period_deadline(cal, p.received_on, period).due if p.received_on else None
    )
    stored = p.model_dump(mode="json") | {
        "sent_on": sent_on,
        "period_workdays": period,
        "period_due": period_due,
        "notice_due": correction_notice_due(cal, ctx.case.receipt_date),
        "late": correction_notice_late(cal, ctx.case.receipt_date, sent_on),
    }
    return stored, ""


def _correction_received(ctx: _Context, p: payloads.CorrectionReceived) -> tuple[dict, str]:
    _not_before(p.received_on, ctx.timeline.correction_requested_on, "received_on", "补正告知日期")
    return p.model_dump(mode="json"), p.summary


def _close(ctx: _Context, outcome: Outcome, fields: dict[str, Any]) -> None:
    ctx.case.outcome = outcome.value
    ctx.case.decision = _json(fields)
    ctx.case.closed_on = ctx.as_of


def _correction_lapsed(ctx: _Context, p: payloads.Empty) -> tuple[dict, str]:
    notice = ctx.timeline.correction_requested_on
    _close(ctx, Outcome.CLOSED_NO_CORRECTION, {"correction_notice": notice.isoformat()})
    return {"outcome": Outcome.CLOSED_NO_CORRECTION.value, "closed_on": ctx.as_of}, p.note


def _request_reasons(ctx: _Context, p: payloads.RequestReasons) -> tuple[dict, str]:
    """说明理由 (Art 35): the applicant's period runs from its receipt of the request."""
    sent_on = p.sent_on or ctx.as_of
    _not_before(p.received_on, sent_on, "received_on", "发出日期")
    period = p.period_workdays or ctx.agency.explanation_period_workdays
    period_due = explanation_deadline(ctx.cal, p.received_on, period).due if p.received_on else None
    stored = p.model_dump(mode="json") | {
        "sent_on": sent_on,
        "period_workdays": period,
        "period_due": period_due,
    }
    return stored, ""


def _record_explanation(ctx: _Context, p: payloads.RecordExplanation) -> tuple[dict, str]:
    """The applicant's explanation (Art 35) and the agency's finding; or, once the period from
    the recorded receipt of the request ran out, that none came."""
    if p.finding is payloads.ExplanationFinding.NONE:
        due = ctx.facts.explanation_due
        if due is None:
            raise ValidationError(
                "说明理由告知书的送达日期尚未登记，说明理由期限尚未起算", field="finding"
            )
        if ctx.as_of <= due:
            raise ValidationError(
                f"说明理由期限至{due.isoformat()}届满，届满前不能按未说明理由处理", field="finding"
            )
        if p.received_on is not None:
            raise ValidationError("未说明理由的，不填写收到说明之日", field="received_on")
    else:
        if p.received_on is None:
            raise ValidationError("请填写收到申请人说明之日", field="received_on")
        _not_before(p.received_on, ctx.timeline.reasons.sent_on, "received_on", "告知书发出日期")
    return p.model_dump(mode="json"), p.summary


def _record_notice_receipt(ctx: _Context, p: payloads.RecordNoticeReceipt) -> tuple[dict, str]:
    """送达: the recipient's receipt of a notice; the notice's period runs from it."""
    t, cal, kind = ctx.timeline, ctx.cal, p.notice
    consultation_id = p.consultation_id if kind is payloads.NoticeKind.CONSULTATION else None
    if kind is payloads.NoticeKind.CONSULTATION and consultation_id is None:
        raise ValidationError("请选择征求意见", field="consultation_id")
    if (kind.value, consultation_id) not in t.awaiting_receipt():
        raise ValidationError("这份文书没有待登记的送达", field="notice")
    if kind is payloads.NoticeKind.CORRECTION_NOTICE:
        sent_on, window_due = t.correction.sent_on, None
        _not_before(p.received_on, sent_on, "received_on", "发出日期")
        window_due = correction_period_deadline(cal, p.received_on, t.correction.workdays).due
    elif kind is payloads.NoticeKind.REASONS_REQUEST:
        sent_on = t.reasons.sent_on
        _not_before(p.received_on, sent_on, "received_on", "发出日期")
        window_due = explanation_deadline(cal, p.received_on, t.reasons.workdays).due
    elif kind is payloads.NoticeKind.FEE_NOTICE:
        notice = _latest_fee(ctx)
        _not_before(p.received_on, notice.sent_on, "received_on", "发出日期")
        window_due = fee_payment_deadline(cal, p.received_on).due
        notice.received_on, notice.window_due = p.received_on, window_due
        ctx.session.add(notice)
    else:
        row = ctx.session.get(Consultation, consultation_id)
        _not_before(p.received_on, row.sent_on, "received_on", "发出日期")
        window_due = consultation_window_end(cal, row.sent_on, p.received_on)
        row.party_received_on, row.window_due = p.received_on, window_due
        ctx.session.add(row)
    return p.model_dump(mode="json") | {"window_due": window_due}, p.proof


_UNREASONABLE = (
    payloads.ExplanationFinding.UNREASONABLE.value,
    payloads.ExplanationFinding.NONE.value,
)


def _decide(ctx: _Context, p: payloads.Decision, *, at_review: bool) -> tuple[dict, str]:
    if p.outcome in CLOSING_OUTCOMES:
        raise ValidationError("该结果由撤回或视为放弃自动产生，不能直接拟定", field="outcome")
    if at_review and p.outcome not in DECIDABLE_AT_REVIEW:
        raise ValidationError(
            f"「{spec(p.outcome).label}」须经办理（检索、征求意见）后拟定", field="outcome"
        )
    if p.outcome is Outcome.EXCESSIVE and ctx.timeline.explanation not in _UNREASONABLE:
        # Art 35: 认为申请理由不合理的，告知申请人不予处理 — never before the applicant could answer
        raise ValidationError(
            "以第三十五条不予处理，须先要求申请人说明理由，并登记理由不合理或期限届满未说明",
            field="outcome",
        )
    if p.outcome is Outcome.STILL_UNCLEAR and ctx.timeline.correction_received_on is None:
        raise ValidationError("「补正后申请内容仍不明确」须先经补正", field="outcome")
    # A draft cannot be redone once in drafting (no transition leaves it but submission), so an
    # incomplete one is refused now, naming what is missing, rather than stranding the case.
    objected = bool(objections(ctx.session, ctx.case.id))
    validate_decision(p.outcome, p.fields, objected=objected)
    ctx.case.outcome = p.outcome.value
    ctx.case.decision = _json(p.fields)
    ctx.case.draft_version += 1
    return p.model_dump(mode="json") | {"draft_version": ctx.case.draft_version}, ""


#: A party named as a group ("相关被征收人（共3户）", "张三等5人"): each has its own window and
#: silence (Art 32), so each is consulted as its own party, or the group names a representative.
_GROUP_PARTY = re.compile(r"[共等]\s*[0-9一二三四五六七八九十百]+\s*[户人家名位个]")


def _consult(ctx: _Context, p: payloads.Consult) -> tuple[dict, str]:
    if _GROUP_PARTY.search(p.party_name):
        raise ValidationError(
            "被征求意见方须逐一登记：每户（每人）单独征求意见，各自计算期限；"
            "或登记其共同指定的代表人",
            field="party_name",
        )
    sent_on = p.sent_on or ctx.as_of
    _not_before(sent_on, ctx.case.receipt_date, "sent_on", "收到申请之日")
    if p.party_received_on is not None:
        _not_before(p.party_received_on, sent_on, "party_received_on", "发出日期")
    row = Consultation(
        case_id=ctx.case.id,
        kind=p.kind.value,
        party_name=p.party_name,
        party_contact=p.party_contact,
        matters=p.matters,
        sent_on=sent_on,
        party_received_on=p.party_received_on,
        window_due=consultation_window_end(ctx.cal, sent_on, p.party_received_on),
    )
    ctx.session.add(row)
    ctx.session.flush()
    stored = p.model_dump(mode="json", exclude={"party_contact"}) | {
        "sent_on": sent_on,
        "consultation_id": row.id,
    }
    return stored, ""


def _consultation_done(ctx: _Context, p: payloads.ConsultationDone) -> tuple[dict, str]:
    row = ctx.session.get(Consultation, p.consultation_id)
    if row is None or row.case_id != ctx.case.id or row.closed:
        raise ValidationError("没有这项未结束的征求意见", field="consultation_id")
    received = p.party_received_on or row.party_received_on
    if received is not None:
        _not_before(received, row.sent_on, "party_received_on", "发出日期")
        row.party_received_on = received
        row.window_due = consultation_window_end(ctx.cal, row.sent_on, received)
    if p.opinion is payloads.Opinion.SILENT:
        # Art 32 / Art 34: silence only counts once the party's own window — from its receipt
        # of the letter — has run out.
        if row.party_received_on is None:
            raise ValidationError(
                "须先登记被征求意见方收到征求意见书的日期", field="party_received_on"
            )
        if ctx.as_of <= row.window_due:
            raise ValidationError(
                f"征求意见期限至{row.window_due.isoformat()}届满，届满前不能按逾期未提出意见处理",
                field="opinion",
            )
        ended_on = row.window_due
    else:
        ended_on = p.opinion_received_on or ctx.as_of
        _not_before(ended_on, row.sent_on, "opinion_received_on", "发出日期")
    row.opinion = p.opinion.value
    row.opinion_received_on = None if p.opinion is payloads.Opinion.SILENT else ended_on
    row.opinion_summary = p.summary
    row.closed = True
    ctx.session.add(row)
    stored = p.model_dump(mode="json") | {
        "party_received_on": received,
        "ended_on": ended_on,
        "deemed_consent": p.opinion is payloads.Opinion.SILENT and row.kind == "co_producer",
    }
    return stored, p.summary


def _issue_fee_notice(ctx: _Context, p: payloads.IssueFeeNotice) -> tuple[dict, str]:
    sent_on = p.sent_on or ctx.as_of
    received_on = p.received_on  # None: recorded later (record_notice_receipt)
    _not_before(received_on, sent_on, "received_on", "发出日期")
    if p.basis is FeeBasis.PER_ITEM:
        earlier = _items_earlier_this_month(ctx.session, ctx.case)
        quote = per_item_fee(p.quantity, earlier)
    else:
        earlier = 0
        quote = per_page_fee(p.quantity)
    if quote.total <= 0:
        raise ValidationError("按此数量不收费，无须发出收费通知", field="quantity")
    window_due = fee_payment_deadline(ctx.cal, received_on).due if received_on else None
    bands = [dataclasses.asdict(band) for band in quote.bands]
    ctx.session.add(
        FeeNotice(
            case_id=ctx.case.id,
            basis=p.basis.value,
            quantity=p.quantity,
            earlier_quantity=earlier,
            amount=quote.total,
            bands=_json(bands),
            sent_on=sent_on,
            received_on=received_on,
            window_due=window_due,
        )
    )
    stored = p.model_dump(mode="json") | {
        "sent_on": sent_on,
        "received_on": received_on,
        "earlier_quantity": earlier,
        "amount": quote.total,
        "window_due": window_due,
    }
    return stored, ""


def _items_earlier_this_month(session: Session, case: Case) -> int:
    """Items this applicant applied for at this agency earlier in the receipt's natural month
    (109号 Art 4; counted per agency — docs/policies.md)."""
    receipt = case.receipt_date
    month_start = receipt.replace(day=1)
    earlier = session.exec(
        select(Case.id).where(
            Case.agency_id == case.agency_id,
            Case.applicant_id == case.applicant_id,
            Case.receipt_date >= month_start,
            Case.receipt_date <= receipt,
            Case.id != case.id,
            Case.id < case.id,
        )
    ).all()
    if not earlier:
        return 0
    noticed = dict(
        session.exec(
            select(FeeNotice.case_id, func.max(FeeNotice.quantity))
            .where(col(FeeNotice.case_id).in_(earlier), FeeNotice.basis == FeeBasis.PER_ITEM.value)
            .group_by(FeeNotice.case_id)
        ).all()
    )
    return sum(noticed.get(case_id, 1) for case_id in earlier)


def _latest_fee(ctx: _Context) -> FeeNotice:
    return ctx.session.exec(
        select(FeeNotice).where(FeeNotice.case_id == ctx.case.id).order_by(col(FeeNotice.id).desc())
    ).first()


def _fee_paid(ctx: _Context, p: payloads.FeePaid) -> tuple[dict, str]:
    notice = _latest_fee(ctx)
    _not_before(p.paid_on, notice.sent_on, "paid_on", "收费通知发出日期")
    notice.paid_on = p.paid_on
    notice.receipt_number = p.receipt_number
    ctx.session.add(notice)
    late = notice.window_due is not None and p.paid_on > notice.window_due
    return p.model_dump(mode="json") | {"late": late}, ""


def _fee_lapsed(ctx: _Context, p: payloads.Empty) -> tuple[dict, str]:
    notice = _latest_fee(ctx)
    notice.lapsed = True
    ctx.session.add(notice)
    _close(ctx, Outcome.CLOSED_FEE_UNPAID, {"fee_notice": notice.sent_on.isoformat()})
    return {"outcome": Outcome.CLOSED_FEE_UNPAID.value, "closed_on": ctx.as_of}, p.note


def _extend(ctx: _Context, p: payloads.Extend) -> tuple[dict, str]:
    """Art 33 ¶2: the office head's approval and the notice to the applicant, one act — the
    延期答复告知书 is issued with it (RULES), dated no later than the due date it extends."""
    approved_on = p.approved_on or ctx.as_of
    notified_on = p.notified_on or ctx.as_of
    check_extensions(ctx.facts.extension_workdays + p.workdays, field="workdays")
    _not_before(notified_on, approved_on, "notified_on", "负责人同意日期")
    extended = ctx.case.reply_due or ctx.case.projected_due
    if extended is not None and notified_on > extended:
        raise ValidationError(
            f"延期答复告知书须在原答复期限（{extended.isoformat()}）届满前发出",
            field="notified_on",
        )
    stored = p.model_dump(mode="json") | {
        "approved_on": approved_on,
        "approved_by": ctx.actor.full_name,
        "notified_on": notified_on,
    }
    return stored, p.reason


def _defer(ctx: _Context, p: payloads.Defer) -> tuple[dict, str]:
    # that the date is later than the statutory period is the clock's rule (clock._compute)
    decided_on = p.decided_on or ctx.as_of
    return p.model_dump(mode="json") | {"decided_on": decided_on}, p.reason


def _approve(ctx: _Context, p: payloads.Approve) -> tuple[dict, str]:
    ctx.case.approved_draft_version = ctx.case.draft_version
    return p.model_dump(mode="json") | {"draft_version": ctx.case.draft_version}, p.comments


def _return_draft(ctx: _Context, p: payloads.Comments) -> tuple[dict, str]:
    ctx.case.approved_draft_version = None
    return p.model_dump(mode="json"), p.comments


def _sign(ctx: _Context, p: payloads.Sign) -> tuple[dict, str]:
    """签发: the reply letter is issued — numbered, linted, frozen — in the same unit of work;
    a reply whose legal lint finds errors is not signed (letters.LetterNotReady)."""

    signed_on = p.signed_on or ctx.as_of
    _not_before(signed_on, ctx.case.receipt_date, "signed_on", "收到申请之日")
    ctx.case.replied_on = signed_on
    stored = p.model_dump(mode="json") | {
        "signed_on": signed_on,
        "outcome": ctx.case.outcome,
        "draft_version": ctx.case.draft_version,
        "on_time": ctx.case.reply_due is None or signed_on <= ctx.case.reply_due,
    }
    return stored, ""


def _issue_receipt(ctx: _Context, p: payloads.IssueReceipt) -> tuple[dict, str]:
    issued_on = p.issued_on or ctx.as_of
    _not_before(issued_on, ctx.case.receipt_date, "issued_on", "收到申请之日")
    return {"issued_on": issued_on}, ""


def _correct_letter(ctx: _Context, p: payloads.CorrectLetter) -> tuple[dict, str]:
    """更正: the letter named is voided and its kind issued again from the case as it stands,
    in this event; the void and the new letter are both in the history."""
    from gkcase.services import letters  # letters builds on this module

    old = ctx.session.get(Letter, p.letter_id)
    events = _event_pairs(ctx.session, ctx.case.id)
    if old is None or old.case_id != ctx.case.id:
        raise ValidationError("本案没有这份文书", field="letter_id")
    if old.id in letters.voided(events):
        raise ValidationError(f"{old.number}已被更正作废", field="letter_id")
    party = None
    for _trigger, payload in events:
        for entry in payload.get("letters", ()):
            if entry.get("letter_id") == old.id:
                party = entry.get("party")
    reply_kinds = {o.reply_letter for o in OUTCOMES.values()}
    if old.kind in reply_kinds and (
        not ctx.case.outcome or spec(ctx.case.outcome).reply_letter != old.kind
    ):
        raise ValidationError("该答复所依据的决定已不是本案现在的决定，不能更正", field="letter_id")
    stored = p.model_dump(mode="json") | {
        "voids": old.id,
        "voided_number": old.number,
        "kind": old.kind,
        "issued_on": ctx.as_of,
    }
    if party is not None:
        stored["party"] = party
    return stored, p.reason


def _deliver(ctx: _Context, p: payloads.Deliver) -> tuple[dict, str]:
    _not_before(p.delivered_on, ctx.case.replied_on, "delivered_on", "签发日期")
    _not_before(p.posted_on, ctx.case.replied_on, "posted_on", "签发日期")
    if p.method is payloads.DeliveryMethod.POST:
        if p.posted_on is None:
            raise ValidationError("邮寄送达须填写交邮日期", field="posted_on")
        if not p.tracking_number:
            raise ValidationError("邮寄送达须填写邮件号码", field="tracking_number")
    ctx.session.add(
        Delivery(
            case_id=ctx.case.id,
            **p.model_dump(mode="python", exclude={"method"}),
            method=p.method.value,
        )
    )
    # 国办公开办函〔2016〕235号: by post the posting date counts, otherwise the signature date.
    timepoint = p.posted_on if p.method is payloads.DeliveryMethod.POST else p.delivered_on
    stored = p.model_dump(mode="json", exclude={"recipient"}) | {"timepoint": timepoint}
    return stored, ""


def _archive(ctx: _Context, p: payloads.Archive) -> tuple[dict, str]:
    return p.model_dump(mode="json") | {"archived_on": p.archived_on or ctx.as_of}, ""


def _withdraw(ctx: _Context, p: payloads.Withdraw) -> tuple[dict, str]:
    _not_before(p.withdrawn_on, ctx.case.arrived_on, "withdrawn_on", "申请到达日期")
    reasons = f"申请人于{zh_date(p.withdrawn_on)}{p.how}其政府信息公开申请"
    _close(ctx, Outcome.CLOSED_OTHER, {"reasons": reasons})
    ctx.case.closed_on = p.withdrawn_on
    return p.model_dump(mode="json") | {"outcome": Outcome.CLOSED_OTHER.value}, p.how


def _reopen(ctx: _Context, p: payloads.Reopen) -> tuple[dict, str]:
    if p.due_on is not None and p.due_on <= p.received_on:
        raise ValidationError("重新答复期限须晚于收到之日", field="due_on")
    ctx.case.outcome = None
    ctx.case.decision = "{}"
    ctx.case.approved_draft_version = None
    ctx.case.replied_on = None
    ctx.case.closed_on = None
    return p.model_dump(mode="json"), p.reason


def _record_remedy(ctx: _Context, p: payloads.RecordRemedy) -> tuple[dict, str]:
    if p.remedy_id is not None:
        row = ctx.session.get(Remedy, p.remedy_id)
        if row is None or row.case_id != ctx.case.id:
            raise ValidationError("没有这项复议或诉讼记录", field="remedy_id")
    else:
        row = Remedy(case_id=ctx.case.id, kind=p.kind.value, filed_on=p.filed_on)
    row.kind, row.filed_on, row.body = p.kind.value, p.filed_on, p.body
    row.reference, row.result, row.result_on = p.reference, p.result.value, p.result_on
    ctx.session.add(row)
    ctx.session.flush()
    return p.model_dump(mode="json") | {"remedy_id": row.id}, ""


def _plain(ctx: _Context, p: BaseModel) -> tuple[dict, str]:
    data = p.model_dump(mode="json")
    return data, data.get("comments") or data.get("note") or ""


T = Trigger
_EFFECTS: dict[Trigger, Effect] = {
    T.CONFIRM: _confirm,
    T.START_REVIEW: _plain,
    T.ASSIGN: _assign,
    T.REQUEST_CORRECTION: _request_correction,
    T.CORRECTION_RECEIVED: _correction_received,
    T.CORRECTION_LAPSED: _correction_lapsed,
    T.CONTINUE_WITHOUT_CORRECTION: _plain,
    T.REQUEST_REASONS: _request_reasons,
    T.RECORD_EXPLANATION: _record_explanation,
    T.RECORD_NOTICE_RECEIPT: _record_notice_receipt,
    T.ACCEPT: _plain,
    T.DECIDE_WITHOUT_HANDLING: lambda ctx, p: _decide(ctx, p, at_review=True),
    T.CONSULT: _consult,
    T.CONSULTATION_DONE: _consultation_done,
    T.ISSUE_FEE_NOTICE: _issue_fee_notice,
    T.FEE_PAID: _fee_paid,
    T.FEE_LAPSED: _fee_lapsed,
    T.EXTEND: _extend,
    T.DEFER: _defer,
    T.DRAFT_DECISION: lambda ctx, p: _decide(ctx, p, at_review=False),
    T.SUBMIT_FOR_LEGAL_REVIEW: _plain,
    T.SUBMIT_FOR_SIGNING: _plain,
    T.APPROVE: _approve,
    T.RETURN_DRAFT: _return_draft,
    T.SEND_BACK: _return_draft,
    T.SIGN: _sign,
    T.DELIVER: _deliver,
    T.ARCHIVE: _archive,
    T.WITHDRAW: _withdraw,
    T.REOPEN: _reopen,
    T.RECORD_REMEDY: _record_remedy,
    T.ISSUE_RECEIPT: _issue_receipt,
    T.CORRECT_LETTER: _correct_letter,
}
assert set(_EFFECTS) == set(Trigger), "every trigger needs its effect"


def _not_future(value: date | None, as_of: date, field: str) -> None:
    """A date something happened cannot be later than the day it is recorded for."""
    if value is not None and value > as_of:
        raise ValidationError(f"不能晚于办理日期（{as_of.isoformat()}）", field=field)


def _not_before(value: date | None, floor: date | None, field: str, floor_name: str) -> None:
    if value is not None and floor is not None and value < floor:
        raise ValidationError(f"不能早于{floor_name}（{floor.isoformat()}）", field=field)


# --- the clock, recomputed from the events --------------------------------------------------


#: Until review ends, the Art 30 correction-notice window runs (7 working days from receipt).
_IN_REVIEW = (State.REGISTERED, State.REVIEWING)


def _recompute(
    case: Case, agency: AgencyRules, timeline: Timeline, cal: WorkdayCalendar, as_of: date
) -> None:
    """Write the clock's dates on the case row (kept there for indexing)."""
    state = State(case.state)
    view = clock_view(
        timeline, cal, policy_of(agency), as_of, in_review=state in _IN_REVIEW, explain=False
    )
    case.calendar_version = cal.version
    summary = view.summary
    if summary is None:
        case.reply_due = case.projected_due = None
        case.due_provisional = False
    else:
        case.reply_due = summary.due
        case.projected_due = summary.projected_due
        case.due_provisional = summary.provisional
    case.next_window_due = view.next_window_due if state.is_open else None
    case.clock_status = view.status if state.is_open else "stopped"


def timeline_of(session: Session, case_id: int) -> Timeline:
    """The case's clock facts as its events stand (e.g. which notices await their receipt)."""
    return fold(_event_pairs(session, case_id))


def clock_of(  # noqa: ANN201
    session: Session,
    case: Case,
    as_of: date | None = None,
    *,
    events: list[tuple[str, dict[str, Any]]] | None = None,
):
    """The case's reply deadline with its explanation (a Deadline), or None before receipt;
    from ``events`` when given (an act being fired: its own event is not stored yet)."""
    agency = agency_rules(session, case.agency_id)
    return clock_view(
        fold(_event_pairs(session, case.id) if events is None else events),
        current_calendar(session),
        policy_of(agency),
        as_of or china_today(),
        in_review=State(case.state) in _IN_REVIEW,
    )


def what_if(
    session: Session,
    case_id: int,
    trigger: Trigger | str,
    actor: User,
    payload: Mapping[str, Any] | None,
    expected_version: int,
    *,
    as_of: date | None = None,
) -> Any:
    """The clock (a ClockView) the case would have after ``trigger`` — nothing is kept.

    The real :func:`fire` runs inside a savepoint that is then rolled back, so the answer has
    exactly the checks and effects of the real thing (and the same errors).
    """
    as_of = as_of or china_today()
    savepoint = session.begin_nested()
    try:
        fired = fire(session, case_id, trigger, actor, payload, expected_version, as_of=as_of)
        return clock_of(session, fired.case, as_of)
    finally:
        savepoint.rollback()
        session.expire_all()


# --- the event log ---------------------------------------------------------------------------


def _json(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_default
    )


def _default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


_A_DELIVERY = (
    select(Delivery.__table__.c.id)
    .where(Delivery.__table__.c.case_id == bindparam("case_id"))
    .limit(1)
)
_EVENT_PAIRS = (
    select(CaseEvent.__table__.c.trigger, CaseEvent.__table__.c.payload)
    .where(CaseEvent.__table__.c.case_id == bindparam("case_id"))
    .order_by(CaseEvent.__table__.c.seq)
)


def _event_pairs(session: Session, case_id: int) -> list[tuple[str, dict[str, Any]]]:
    """(trigger, payload) of a case's events, oldest first: all the clock needs."""
    rows = session.connection().execute(_EVENT_PAIRS, {"case_id": case_id})
    return [(trigger, json.loads(payload)) for trigger, payload in rows]


_EVENTS = (
    select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id")).order_by(col(CaseEvent.seq))
)


def _events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(session.execute(_EVENTS, {"case_id": case_id}).scalars())


_SNAPSHOT_FIELDS = (
    "state",
    "assignee_id",
    "outcome",
    "decision",
    "draft_version",
    "approved_draft_version",
    "receipt_date",
    "confirmed_on",
    "signed_for_on",
    "replied_on",
    "closed_on",
)


def _snapshot(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in _SNAPSHOT_FIELDS}


def _event_body(event: Any) -> dict[str, Any]:
    return {
        "case_id": event.case_id,
        "seq": event.seq,
        "trigger": event.trigger,
        "from": event.from_state,
        "to": event.to_state,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "on": event.on.isoformat(),
        "at": event.at.astimezone(UTC).isoformat() if event.at.tzinfo else event.at.isoformat(),
        "payload": event.payload,
        "reason": event.reason,
        "changes": event.changes,
        "prev": event.prev_hash,
    }


def _event_hash(event: Any) -> str:
    """The event's hash: HMAC-SHA256 under its key (gkcase/audit.py), the key id inside what is
    signed; an event from before keys (``key_id`` empty) keeps its plain SHA-256."""
    body = _event_body(event)
    if not event.key_id:
        return hashlib.sha256(_json(body).encode()).hexdigest()
    return audit.key_ring().get(event.key_id).mac(_json(body | {"key": event.key_id}).encode())


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as appended: the row's values (what callers and the hash read)."""

    case_id: int
    seq: int
    trigger: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    actor_name: str
    on: date
    at: datetime
    payload: str
    reason: str
    changes: str
    prev_hash: str
    hash: str
    key_id: str = ""
    request_key: str | None = None


_INSERT_EVENT = insert(CaseEvent.__table__)


def _append_event(
    session: Session,
    case: Case,
    trigger: str,
    source: str | None,
    target: str,
    actor: User,
    payload: Mapping[str, Any],
    reason: str,
    before: Mapping[str, Any] | None,
    on: date,
    *,
    request_key: str | None = None,
) -> EventRecord:
    """Add the next event of the chain. Its predecessor is the head kept on the case row, which
    the caller holds locked (version bump or new case), so no other writer can interleave."""
    seq, prev = case.event_count + 1, case.last_event_hash or GENESIS
    after = _snapshot(case)
    changes = {
        name: [before[name], after[name]]
        for name in after
        if before is not None and before[name] != after[name]
    }
    values = {
        "case_id": case.id,
        "seq": seq,
        "trigger": trigger,
        "from_state": source,
        "to_state": target,
        "actor_id": actor.id,
        "actor_name": actor.full_name,
        "on": on,
        "at": _now().replace(microsecond=0),
        "payload": _json(payload),
        "reason": reason or "",
        "changes": _json(changes),
        "prev_hash": prev,
        "hash": "",
        "key_id": audit.key_ring().current.id,
        "request_key": request_key,
    }
    record = EventRecord(**values)
    values["hash"] = _event_hash(record)
    session.connection().execute(_INSERT_EVENT, values)
    case.event_count, case.last_event_hash = seq, values["hash"]
    case.chain_seal = audit.seal(
        case.id, case.agency_id, case.number, seq, values["hash"], case.legacy_letters or ""
    )
    return EventRecord(**values)


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    problems: tuple[str, ...]


#: The case row's fields the events determine (their ``changes``), checked by :func:`verify`.
_DERIVED_LABELS = {
    "state": "状态",
    "assignee_id": "承办人",
    "outcome": "办理结果",
    "decision": "答复决定",
    "draft_version": "稿次",
    "approved_draft_version": "法制审核同意的稿次",
    "receipt_date": "收到申请之日",
    "confirmed_on": "确认收到日期",
    "signed_for_on": "签收日期",
    "replied_on": "签发日期",
    "closed_on": "终结日期",
    "reply_due": "答复期限",
    "projected_due": "预计答复期限",
}


def verify(
    session: Session,
    case_id: int,
    *,
    files: bool = True,
    anchor: audit.Anchor | None = None,
    anchor_prefix: bool = False,
) -> Verification:
    """Check a case's audit trail (docs/engine.md, "The audit trail"), each fault in Chinese:

    - the chain: every event's keyed hash, every link, no gaps; a key the ring lacks;
    - the seal: the case row's HMAC over its chain head (a deleted last event, a rewritten chain);
    - the case row: every field the events determine, rebuilt from them (state, outcome, draft
      version, dates, the due dates while the calendar is the one they were computed with);
    - the letters: each letter an event issued exists as it recorded it (kind, 文号, date, the
      hashes), its stored files hash as recorded (``files``: reads them), and no letter exists
      that no event issued;
    - against ``anchor``: the chain still holds the head the anchor recorded (``anchor_prefix``,
      for a backup older than the anchor: only where the chain reaches that far).
    """
    events = _events(session, case_id)
    problems: list[str] = []
    prev = GENESIS
    keyed = False
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"审计链：第{expected_seq}条事件缺失（下一条序号为{event.seq}）")
        if event.prev_hash != prev:
            problems.append(f"审计链：第{event.seq}条事件与前一条不衔接")
        if keyed and not event.key_id:
            problems.append(f"审计链：第{event.seq}条事件没有密钥签名（在已签名的事件之后）")
        keyed = keyed or bool(event.key_id)
        try:
            if not hmac.compare_digest(_event_hash(event), event.hash):
                problems.append(f"审计链：第{event.seq}条事件内容已被改动")
        except audit.AuditKeyError as exc:
            problems.append(f"审计链：第{event.seq}条事件{exc.message}")
        prev = event.hash
    case = session.get(Case, case_id)
    if case is not None:
        if len(events) != case.event_count or prev != (case.last_event_hash or GENESIS):
            problems.append(
                f"审计链：事件记录应有{case.event_count}条，现有{len(events)}条，链尾不符"
            )
        if events and events[-1].to_state != case.state:
            problems.append("审计链：案件当前状态与最后一条事件不符")
        if not events:
            problems.append("审计链：案件没有任何事件记录")
        problems += _seal_problems(case)
        if events and events[0].trigger == "register":
            problems += _derived_problems(session, case, events)
        problems += _letter_problems(session, case, events, files=files)
    if anchor is not None:
        problems += _anchor_problems(case_id, case, events, anchor, prefix=anchor_prefix)
    return Verification(not problems, len(events), tuple(problems))


def _seal_problems(case: Case) -> list[str]:
    try:
        ok = audit.seal_ok(
            case.chain_seal, case.id, case.agency_id, case.number, case.event_count,
            case.last_event_hash, case.legacy_letters,
        )  # fmt: skip
    except audit.AuditKeyError as exc:
        return [f"签章：{exc.message}"]
    if not case.chain_seal:
        return ["签章：案件记录没有密钥签章"]
    return [] if ok else ["签章：案件记录的签章与其事件链不符（事件被删除或整条链被改写）"]


def _derived_problems(session: Session, case: Case, events: list[CaseEvent]) -> list[str]:
    first = json.loads(events[0].payload)
    rebuilt: dict[str, Any] = dict.fromkeys(_SNAPSHOT_FIELDS)
    rebuilt |= {
        "state": events[0].to_state,
        "decision": "{}",
        "draft_version": 0,
        "receipt_date": first.get("receipt_date"),
        "confirmed_on": first.get("confirmed_on"),
        "signed_for_on": first.get("signed_for_on"),
    }
    for event in events[1:]:
        for name, (_before, after) in json.loads(event.changes).items():
            rebuilt[name] = after
        rebuilt["state"] = event.to_state
    problems = [
        f"案件字段：「{_DERIVED_LABELS[name]}」与事件记录不符"
        for name in _SNAPSHOT_FIELDS
        if _json(getattr(case, name)) != _json(rebuilt[name])
    ]
    agency, cal = _rules_and_calendar(session, case.agency_id)
    if agency is not None and case.calendar_version == cal.version:
        # the due dates as the last action computed them, with the same calendar
        pairs = [(e.trigger, json.loads(e.payload)) for e in events]
        again = CaseRow(**{c.name: getattr(case, c.name) for c in _CASE})
        _recompute(again, agency, fold(pairs), cal, events[-1].on)
        problems += [
            f"案件字段：「{_DERIVED_LABELS[name]}」与事件记录不符"
            for name in ("reply_due", "projected_due")
            if getattr(again, name) != getattr(case, name)
        ]
    return problems


_LETTER_HASHES = ("html_sha256", "docx_sha256", "pdf_sha256")


def _recorded_letters(trigger: str, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The letters an event records as issued (with an id: generated data has none)."""
    entries = list(payload.get("letters") or ())
    if trigger == "sign" and payload.get("letter_id") is not None:  # a 签发 from before acts
        entries.append(
            {
                "letter_id": payload["letter_id"],
                "number": payload.get("letter_number"),
                "html_sha256": payload.get("letter_sha256"),
            }
        )
    return [e for e in entries if e.get("letter_id") is not None]


def _letter_problems(
    session: Session, case: Case, events: list[CaseEvent], *, files: bool
) -> list[str]:
    """Each letter as its issuing event recorded it; with ``files``, its stored bytes too."""
    recorded: dict[int, dict[str, Any]] = {}
    for event in events:
        for entry in _recorded_letters(event.trigger, json.loads(event.payload)):
            recorded[int(entry["letter_id"])] = entry | {"seq": event.seq}
    rows = {
        row.id: row
        for row in session.exec(
            select(Letter).where(Letter.case_id == case.id).options(*LETTER_LISTED)
        )
    }
    problems = []
    for letter_id, entry in recorded.items():
        row = rows.get(letter_id)
        where = f"第{entry['seq']}条事件出具的{entry.get('number', '')}"
        if row is None:
            problems.append(f"文书：{where}已不存在")
            continue
        facts = {"kind": row.kind, "number": row.number, "issued_on": row.issued_on.isoformat()}
        facts |= {name: getattr(row, name) for name in _LETTER_HASHES}
        if any(name in entry and entry[name] != value for name, value in facts.items()):
            problems.append(f"文书：{where}的记录与事件所记不符")
        elif files:
            stored = {
                "html_sha256": row.html.encode(),
                "docx_sha256": row.docx,
                "pdf_sha256": row.pdf,
            }
            changed = [
                name.removesuffix("_sha256").upper()
                for name, data in stored.items()
                if data is not None
                and hashlib.sha256(data).hexdigest() != entry.get(name, getattr(row, name))
            ]
            if changed:
                problems.append(f"文书：{where}的{'、'.join(changed)}文件已被改动")
    legacy = {int(x) for x in (case.legacy_letters or "").split(",") if x}
    for letter_id, row in rows.items():
        if letter_id not in recorded and letter_id not in legacy:
            problems.append(f"文书：{row.number}未由任何办理事件出具，不在审计链中")
    return problems


def _anchor_problems(
    case_id: int,
    case: Case | None,
    events: list[CaseEvent],
    anchor: audit.Anchor,
    *,
    prefix: bool = False,
) -> list[str]:
    anchored = anchor.heads.get(case_id)
    if anchored is None:
        return []
    number, count, head = anchored
    when = anchor.written_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    if case is None:
        return [] if prefix else [f"锚点：案件{number}在{when}的锚点中有{count}条事件，现已不存在"]
    if len(events) < count and prefix:
        return []
    if len(events) < count or events[count - 1].hash != head:
        return [f"锚点：案件{number}的事件链与{when}的锚点不符（锚点之前的记录被改写或删除）"]
    return []


def anchor_heads(session: Session) -> list[tuple[int, str, int, str]]:
    """Every case's (id, number, event count, head hash), for an anchor."""
    rows = session.exec(
        select(Case.id, Case.number, Case.event_count, Case.last_event_hash).order_by(col(Case.id))
    )
    return [tuple(r) for r in rows]


def deleted_since(session: Session, anchor: audit.Anchor) -> list[str]:
    """Problems for the anchored cases that no longer exist at all (deleted with their events)."""
    present = set(session.exec(select(Case.id)).all())
    when = anchor.written_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return [
        f"锚点：案件{number}在{when}的锚点中有{count}条事件，现已不存在"
        for case_id, (number, count, _head) in sorted(anchor.heads.items())
        if case_id not in present
    ]


def seal_unsealed(session: Session) -> int:
    """Seal the cases written before keys existed — no seal, and no event under a key — whose
    chain verifies as it stands; returns how many. Runs when a database is upgraded (and a
    backup restored): from then on the seal and the anchors protect those chains too. A case
    with keyed events and no seal is never sealed here: its seal was removed."""
    sealed = 0
    unsealed = select(Case).where(Case.chain_seal == "").order_by(col(Case.id))
    for case in session.exec(unsealed):
        keyed = session.exec(
            select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.key_id != "")
        ).first()
        if keyed is not None:
            continue
        # letters issued outside any event before letters were acts: kept, under the seal
        referenced = {
            int(entry["letter_id"])
            for _trigger, payload in _event_pairs(session, case.id)
            for entry in _recorded_letters(_trigger, payload)
        }
        letter_ids = session.exec(select(Letter.id).where(Letter.case_id == case.id)).all()
        case.legacy_letters = ",".join(str(i) for i in sorted(set(letter_ids) - referenced))
        check = verify(session, case.id, files=False)
        chain_ok = not [p for p in check.problems if not p.startswith("签章：")]
        if chain_ok:
            case.chain_seal = audit.seal(
                case.id,
                case.agency_id,
                case.number,
                case.event_count,
                case.last_event_hash,
                case.legacy_letters,
            )
            session.add(case)
            sealed += 1
    session.flush()
    return sealed


# --- people and permissions -------------------------------------------------------------------


def _roles(actor: User) -> set[Role]:
    return {Role(r) for r in actor.role_set if r in Role._value2member_map_}


def _require_roles(actor: User, roles: set[Role], action: str) -> None:
    if not _roles(actor) & roles:
        who = "、".join(r.label for r in roles)
        raise machine.PermissionDenied(f"「{action}」须由{who}操作")


def _require_agency(actor: User, agency_id: int) -> None:
    if actor.agency_id != agency_id:
        raise NotFound("机关不存在", field="agency_id")


def _visible_agencies(session: Session, actor: User, *, write: bool) -> set[int]:
    """Agencies whose cases ``actor`` may see: their own; a supervisor's whole subtree (read)."""
    if write or Role.SUPERVISOR not in _roles(actor):
        return {actor.agency_id}
    own = session.get(Agency, actor.agency_id)
    rows = session.exec(select(Agency.id).where(col(Agency.path).startswith(own.path))).all()
    return set(rows)


def get_case(session: Session, case_id: int, actor: User) -> Case:
    """A case the actor may see; another agency's case is 'not found', never 'forbidden'."""
    case = session.get(Case, case_id)
    if case is None or case.agency_id not in _visible_agencies(session, actor, write=False):
        raise NotFound("案件不存在", field="case_id")
    return case


def permitted(session: Session, case: Case, actor: User, as_of: date | None = None):  # noqa: ANN201
    """(trigger, reason-or-None) for every action the actor could take on the case now."""
    as_of = as_of or china_today()
    if case.agency_id != actor.agency_id:
        return []
    agency = agency_rules(session, case.agency_id)
    cal = current_calendar(session)
    facts = _facts(session, case, agency, fold(_event_pairs(session, case.id)), cal, as_of)
    return machine.available_events(State(case.state), _roles(actor), facts)


def history(session: Session, case: Case) -> list[CaseEvent]:
    return _events(session, case.id)


#: The records of other tables a case page lists (letters first), and their statement: how many
#: the case has of each, all five counted at once, since most cases have none of most kinds.
CASE_RECORDS = (Letter, Consultation, FeeNotice, Delivery, Remedy)
_RECORD_COUNTS = union_all(
    *(
        select(literal(index).label("kind"), func.count().label("n"))
        .select_from(model)
        .where(model.case_id == bindparam("case_id"))
        for index, model in enumerate(CASE_RECORDS)
    )
)
#: The case, its applicant, its agency's rules and the calendar's revision: one statement.
_CASE_PAGE = (
    select(Case, Applicant, *_RULES_COLUMNS)
    .join(Agency, col(Agency.id) == col(Case.agency_id))
    .outerjoin(Applicant, col(Applicant.id) == col(Case.applicant_id))
    .where(col(Case.id) == bindparam("case_id"))
)
_EVENT = CaseEvent.__table__.c
#: What a case page shows of its events, as plain rows (no ORM objects: nothing here is changed).
_EVENT_ROWS = (
    select(
        _EVENT.seq,
        _EVENT.on,
        _EVENT.at,
        _EVENT.actor_name,
        _EVENT.trigger,
        _EVENT.from_state,
        _EVENT.to_state,
        _EVENT.reason,
        _EVENT.payload,
    )
    .where(_EVENT.case_id == bindparam("case_id"))
    .order_by(_EVENT.seq)
)


@dataclass(frozen=True)
class CasePage:
    """Everything a case's page shows: the case and its applicant, its events (rows with
    ``seq, on, at, actor_name, trigger, from_state, to_state, reason, payload``; ``payloads``
    decoded), the clock, the actions the viewer may take (trigger, reason-or-None) and its
    records by model (``CASE_RECORDS``)."""

    case: Case
    applicant: Applicant | None
    events: list[Any]
    payloads: list[dict[str, Any]]
    clock: Any  # a ClockView, as clock_of returns
    permitted: list[tuple[Trigger, str | None]]
    records: dict[Any, list[Any]]


def _records_of(model: Any, case_id: int) -> Any:
    statement = select(model).where(model.case_id == case_id).order_by(model.id)
    return statement.options(*LETTER_LISTED) if model is Letter else statement


def case_page(session: Session, case_id: int, actor: User, as_of: date | None = None) -> CasePage:
    """A case as its page shows it, in four statements: the case with its applicant, agency rules
    and calendar revision; its events; how many records of each kind it has; and the rows of the
    kinds it has any of (most cases: none). The clock is folded from the events once and the
    rules read once — the case page is the hottest read (docs/performance.md, "HTTP load").
    Another agency's case is 'not found', as in :func:`get_case`."""
    as_of = as_of or china_today()
    row = session.execute(_CASE_PAGE, {"case_id": case_id}).first()
    if row is None:
        raise NotFound("案件不存在", field="case_id")
    case, applicant = row[0], row[1]
    if case.agency_id not in _visible_agencies(session, actor, write=False):
        raise NotFound("案件不存在", field="case_id")
    agency = AgencyRules(*row[2 : 2 + _RULES_WIDTH])
    cal = current_calendar(session, revision=row[2 + _RULES_WIDTH] or 0)
    connection = session.connection()
    events = list(connection.execute(_EVENT_ROWS, {"case_id": case.id}))
    pairs = [(e.trigger, json.loads(e.payload)) for e in events]
    counts = connection.execute(_RECORD_COUNTS, {"case_id": case.id})
    present = {CASE_RECORDS[kind] for kind, n in counts if n}
    in_review = State(case.state) in _IN_REVIEW
    clock = clock_view(fold(pairs), cal, policy_of(agency), as_of, in_review=in_review)
    allowed = []
    if case.agency_id == actor.agency_id:
        facts = _facts(
            session, case, agency, fold(pairs), cal, as_of, delivered=Delivery in present
        )
        allowed = machine.available_events(State(case.state), _roles(actor), facts)
    records = {
        model: list(session.exec(_records_of(model, case.id))) if model in present else []
        for model in CASE_RECORDS
    }
    return CasePage(case, applicant, events, [p for _, p in pairs], clock, allowed, records)


__all__ = [
    "CASE_RECORDS",
    "DECIDABLE_AT_REVIEW",
    "CasePage",
    "Fired",
    "NotFound",
    "Registered",
    "RegistrationIn",
    "StaleCase",
    "case_page",
    "clock_of",
    "fire",
    "get_case",
    "history",
    "next_number",
    "permitted",
    "register",
    "verify",
    "what_if",
]
