"""The statutory clock of a disclosure application (答复期限), as pure functions.

Every period the Regulation sets is counted in working days on a
:class:`~gkcase.calendar.workdays.WorkdayCalendar`; the day an event happens is not counted and day
one is the next working day (民法典 Art 201, applied by analogy; legal-reference §10.2). Each
result is a :class:`Deadline`: the date, whether it rests on an estimated year (``provisional``),
and the steps of its derivation, rendered in Chinese for letters and the UI.

Nothing here touches a database: the case engine gathers a case's facts into
:class:`ReplyClockFacts` and asks :func:`reply_deadline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from gkcase.calendar.workdays import DayInfo, DayKind, WorkdayCalendar, YearStatus
from gkcase.calendar.zh import zh_date, zh_span
from gkcase.errors import ClockError, ValidationError

# --- the periods the law sets (one place each) ---------------------------------------------

REPLY_WORKDAYS = 20  # Art 33 ¶2: 自收到申请之日起20个工作日内予以答复
EXTENSION_CAP_WORKDAYS = 20  # Art 33 ¶2: 延长的期限最长不得超过20个工作日
CORRECTION_NOTICE_WORKDAYS = 7  # Art 30: 自收到申请之日起7个工作日内一次性告知
CONSULTATION_WORKDAYS = 15  # Art 32, Art 34: 自收到征求意见书之日起15个工作日内提出意见
FEE_PAYMENT_WORKDAYS = 20  # 国办函〔2020〕109号: 收到收费通知次日起20个工作日内缴纳
#: Art 35 sets no period for the applicant's explanation; the agency grants one (ClockPolicy).
EXPLANATION_PERIOD_DEFAULT_WORKDAYS = 10
#: The longest period an agency may grant the applicant (补正, 说明理由): not the law's number but
#: gkcase's bound on a "reasonable" period (Art 30 合理的补正期限), so a typo cannot grant a year.
GRANTED_PERIOD_MAX_WORKDAYS = 60
#: Art 31(二): an ordinary letter is confirmed on the day it arrives (0 working days after);
#: for internet and fax the Regulation names no day: the agency's policy, by default the next.
ORDINARY_LETTER_CONFIRMATION_WORKDAYS = 0
CONFIRMATION_DEFAULT_WORKDAYS = 1
REGULATION_IN_FORCE = date(2019, 5, 15)  # 国务院令第711号 in force; earlier receipts: 15 + 15 days


class Channel(StrEnum):
    """How an application reached the agency (Art 29, Art 31)."""

    IN_PERSON = "in_person"  # 当面提交
    ORAL = "oral"  # 口头提出，工作机构代为填写 (Art 29 ¶1)
    SIGNED_MAIL = "signed_mail"  # 邮寄，需签收（挂号信、EMS 等）
    ORDINARY_LETTER = "ordinary_letter"  # 平常信函等无需签收的邮寄
    INTERNET = "internet"  # 互联网渠道（在线申请平台、电子邮箱）
    FAX = "fax"  # 政府信息公开工作机构的传真

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    Channel.IN_PERSON: "当面提交",
    Channel.ORAL: "口头提出（代为填写）",
    Channel.SIGNED_MAIL: "邮寄（需签收）",
    Channel.ORDINARY_LETTER: "平常信函",
    Channel.INTERNET: "互联网",
    Channel.FAX: "传真",
}


@dataclass(frozen=True, slots=True)
class ReceiptDate:
    """收到申请之日 — the legal receipt date, or what is still needed to fix it."""

    day: date | None
    rule: str  # the Art 31 rule applied, in Chinese
    needs: str | None = None  # what is missing, in Chinese, when day is None
    needs_field: str | None = None


def receipt_date(
    channel: Channel,
    *,
    arrived_on: date | None = None,
    signed_for_on: date | None = None,
    confirmed_on: date | None = None,
) -> ReceiptDate:
    """The legal receipt date from the channel and its facts (Art 31).

    ``arrived_on`` is when the application reached the agency (for in-person or oral applications,
    the day it was handed in); ``signed_for_on`` is when the agency signed for a registered letter;
    ``confirmed_on`` is when the disclosure office and the applicant confirmed the application
    (ordinary letters, internet, fax).
    """
    channel = Channel(channel)
    if confirmed_on is not None and arrived_on is not None and confirmed_on < arrived_on:
        raise ValidationError("确认日期不能早于申请到达日期", field="confirmed_on")
    if channel in (Channel.IN_PERSON, Channel.ORAL):
        rule = "申请人当面提交的，以提交之日为收到申请之日（第三十一条第一项）"
        if arrived_on is None:
            return ReceiptDate(None, rule, "请填写申请提交日期", "arrived_on")
        return ReceiptDate(arrived_on, rule)
    if channel is Channel.SIGNED_MAIL:
        rule = "以邮寄方式提交的，以行政机关签收之日为收到申请之日（第三十一条第二项）"
        if signed_for_on is None:
            return ReceiptDate(None, rule, "请填写签收日期", "signed_for_on")
        if arrived_on is not None and signed_for_on < arrived_on:
            raise ValidationError("签收日期不能早于到达日期", field="signed_for_on")
        return ReceiptDate(signed_for_on, rule)
    if channel is Channel.ORDINARY_LETTER:
        rule = (
            "以平常信函等无需签收方式邮寄的，工作机构应于收到当日与申请人确认，"
            "确认之日为收到申请之日（第三十一条第二项）"
        )
    else:
        rule = f"通过{channel.label}提交的，以双方确认之日为收到申请之日（第三十一条第三项）"
    if confirmed_on is None:
        return ReceiptDate(None, rule, "尚待与申请人确认收到申请", "confirmed_on")
    return ReceiptDate(confirmed_on, rule)


# --- the facts of a case's reply clock ------------------------------------------------------


class PauseKind(StrEnum):
    """Why the reply clock stands still."""

    THIRD_PARTY = "third_party"  # 征求第三方意见 (Art 32; Art 33 ¶3)
    CO_PRODUCER = "co_producer"  # 征求共同制作机关意见 (Art 34; Art 33 ¶3)
    OTHER_AGENCY = "other_agency"  # 征求其他机关意见：保密审查 (Art 17)、协调确认 (Art 11)
    FEE = "fee"  # 收费通知至缴费 (109号; a policy, see ClockPolicy)

    @property
    def label(self) -> str:
        return _PAUSE_LABELS[self]

    @property
    def basis(self) -> str:
        """Why this time is left out of the reply period."""
        if self is PauseKind.FEE:
            return "国办函〔2020〕109号；本机关政策：缴费期间不计入答复期限"
        return "第三十三条第三款"

    @property
    def silence(self) -> str:
        """What the consulted party's silence at the end of its window means."""
        if self is PauseKind.CO_PRODUCER:
            return "逾期未提出意见的视为同意公开（第三十四条）"
        if self is PauseKind.THIRD_PARTY:
            return "逾期未提出意见的，由行政机关依照条例决定是否公开（第三十二条）"
        return "逾期未提出意见的，由本机关依照条例决定是否公开"


_PAUSE_LABELS = {
    PauseKind.THIRD_PARTY: "征求第三方意见",
    PauseKind.CO_PRODUCER: "征求共同制作机关意见",
    PauseKind.OTHER_AGENCY: "征求其他机关意见",
    PauseKind.FEE: "等待缴纳信息处理费",
}


@dataclass(frozen=True, slots=True)
class ClockPause:
    """Working days in (start, end] are not counted; ``end=None`` while the pause is running.

    ``latest_end`` is when the pause ends at the latest if nothing else happens (the end of a
    consultation window or a payment window); it lets an open pause show a projected due date.
    """

    kind: PauseKind
    start: date
    end: date | None = None
    latest_end: date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Extension:
    """延长答复期限 — approved by the head of the disclosure office (Art 33 ¶2)."""

    workdays: int
    approved_on: date
    approved_by: str = ""


@dataclass(frozen=True, slots=True)
class Deferral:
    """延迟答复 — a reasonable later date the agency sets for an excessive request (Art 35)."""

    until: date
    decided_on: date


@dataclass(frozen=True)
class ClockPolicy:
    """Per-agency choices where the law is silent or unconfirmed (docs/policies.md).

    ``fee_window_pauses_clock``: whether the time from a fee notice to payment is left out of the
    reply period. 109号's text on this was not confirmed (legal-reference §7); default: it pauses.

    ``consultation_pause_from``: whether a consultation pause starts when the letter is sent
    (``"dispatch"``, default: the time the consultation needs includes its transit) or when the
    consulted party receives it (``"receipt"``; until the receipt is recorded the clock runs).
    Art 33 ¶3 does not say (legal-reference §3).

    ``correction_period_workdays``: the default 补正 period the agency grants (Art 30 leaves the
    length to the agency: 合理的补正期限). Practice: 10 working days.

    ``explanation_period_workdays``: the period the applicant has to explain a request's volume
    or frequency (Art 35 names none). Default 10 working days, like the correction period: the
    same kind of request to the applicant, and short enough that the reply period (which keeps
    running: Art 33 ¶3 leaves out only consultation) still leaves time to decide.

    ``confirmation_workdays``: by when an internet or fax application must be confirmed (Art 31
    (三) names no day): working days after its arrival; default 1, the next working day. An
    ordinary letter is always confirmed the day it arrives (Art 31(二)).
    """

    fee_window_pauses_clock: bool = True
    consultation_pause_from: str = "dispatch"
    correction_period_workdays: int = 10
    explanation_period_workdays: int = EXPLANATION_PERIOD_DEFAULT_WORKDAYS
    confirmation_workdays: int = CONFIRMATION_DEFAULT_WORKDAYS

    def __post_init__(self) -> None:
        if self.consultation_pause_from not in ("dispatch", "receipt"):
            raise ValidationError("须为 dispatch 或 receipt", field="consultation_pause_from")
        _check_granted(self.correction_period_workdays, "补正期限", "correction_period_workdays")
        _check_granted(
            self.explanation_period_workdays, "说明理由期限", "explanation_period_workdays"
        )
        if not 0 <= self.confirmation_workdays <= 5:
            raise ValidationError("确认期限须为 0–5 个工作日", field="confirmation_workdays")


def _check_granted(workdays: int, what: str, field: str) -> None:
    if not 1 <= workdays <= GRANTED_PERIOD_MAX_WORKDAYS:
        raise ValidationError(f"{what}须为 1–{GRANTED_PERIOD_MAX_WORKDAYS} 个工作日", field=field)


DEFAULT_POLICY = ClockPolicy()


@dataclass(frozen=True)
class ReplyClockFacts:
    """Everything the reply period depends on, as recorded on a case."""

    receipt: date
    correction_requested_on: date | None = None
    correction_received_on: date | None = None
    pauses: tuple[ClockPause, ...] = ()
    extensions: tuple[Extension, ...] = ()
    deferral: Deferral | None = None
    #: what the start date is when it is not the receipt (a reopened case's new round)
    start_label: str = ""
    #: a date a review decision or judgment set for the new reply; it replaces the period
    ordered_due: date | None = None


# --- results --------------------------------------------------------------------------------


class DeadlineKind(StrEnum):
    REPLY = "reply"  # 答复期限
    CORRECTION_NOTICE = "correction_notice"  # 补正告知期限
    CORRECTION_PERIOD = "correction_period"  # 补正期限
    CONSULTATION = "consultation"  # 征求意见期限
    FEE_PAYMENT = "fee_payment"  # 缴费期限
    EXPLANATION = "explanation"  # 说明理由期限 (Art 35)

    @property
    def label(self) -> str:
        return _DEADLINE_LABELS[self]


_DEADLINE_LABELS = {
    DeadlineKind.REPLY: "答复期限",
    DeadlineKind.CORRECTION_NOTICE: "补正告知期限",
    DeadlineKind.CORRECTION_PERIOD: "补正期限",
    DeadlineKind.CONSULTATION: "征求意见期限",
    DeadlineKind.FEE_PAYMENT: "缴费期限",
    DeadlineKind.EXPLANATION: "说明理由期限",
}


class StepKind(StrEnum):
    START = "start"  # the day counting starts after
    RESTART = "restart"  # 补正 restarts the period
    LATE_NOTICE = "late_notice"  # a 补正 notice after the 7th working day: no restart
    WAITING = "waiting"  # the period has not started (awaiting correction)
    DAY_ONE = "day_one"
    SKIPPED = "skipped"  # a run of days off that includes a holiday, 调休 or closure
    WEEKENDS = "weekends"  # ordinary weekends, summed
    MAKEUP = "makeup"  # a weekend working day that was counted
    PAUSE = "pause"
    EXTENSION = "extension"
    DEFERRAL = "deferral"
    DUE = "due"
    ORDERED = "ordered"
    PROVISIONAL = "provisional"


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    first: date | None
    last: date | None
    text: str  # Chinese


@dataclass(frozen=True)
class Deadline:
    """A computed due date with its derivation.

    ``due`` is ``None`` when the period is not running to an end (awaiting a correction, or an
    open pause); then ``remaining_workdays`` says how many working days are left and
    ``projected_due`` what the date would be if every open pause ran to its ``latest_end``.
    """

    kind: DeadlineKind
    due: date | None
    provisional: bool
    steps: tuple[Step, ...]
    calendar_version: str
    workdays: int = 0
    remaining_workdays: int | None = None
    paused_since: date | None = None
    projected_due: date | None = None

    def explain(self) -> str:
        """The derivation as Chinese text, one step a line."""
        return "\n".join(step.text for step in self.steps)


# --- simple periods -------------------------------------------------------------------------


def _counted(
    cal: WorkdayCalendar, kind: DeadlineKind, start: date, n: int, start_text: str, due_text: str
) -> Deadline:
    due = cal.add_workdays(start, n)
    steps = [Step(StepKind.START, start, start, start_text)]
    counted, weekends = _count_steps(cal, start, due, day_one=True)
    steps += counted
    if weekends:
        steps.append(_weekend_step(weekends))
    steps.append(Step(StepKind.DUE, due, due, f"{due_text}：{zh_date(due, weekday=True)}"))
    provisional = cal.is_provisional(start, due)
    if provisional:
        steps.append(_provisional_step(cal, start, due))
    return Deadline(kind, due, provisional, tuple(steps), cal.version, workdays=n)


def correction_notice_deadline(cal: WorkdayCalendar, receipt: date) -> Deadline:
    """补正告知 due: the 7th working day after receipt (Art 30)."""
    _check_receipt(receipt)
    return _counted(
        cal,
        DeadlineKind.CORRECTION_NOTICE,
        receipt,
        CORRECTION_NOTICE_WORKDAYS,
        f"收到申请之日：{zh_date(receipt, weekday=True)}，当日不计入",
        f"一次性补正告知最迟于第{CORRECTION_NOTICE_WORKDAYS}个工作日发出（第三十条）",
    )


def correction_notice_due(cal: WorkdayCalendar, receipt: date) -> date:
    """The last day a 补正 notice may be sent (Art 30: 收到申请之日起7个工作日内)."""
    return cal.add_workdays(receipt, CORRECTION_NOTICE_WORKDAYS)


def correction_notice_late(cal: WorkdayCalendar, receipt: date, sent_on: date) -> bool:
    """A notice sent after the 7th working day: it must still go out (the applicant has to be
    told what to correct) but it does not restart the reply period (Art 30)."""
    return sent_on > correction_notice_due(cal, receipt)


def confirmation_due(
    cal: WorkdayCalendar, channel: Channel | str, arrived_on: date, policy: ClockPolicy
) -> date | None:
    """By when an application that needs confirming must be confirmed (Art 31(二)(三)), or None
    for a channel whose receipt date needs no confirmation (in person, signed mail)."""
    channel = Channel(channel)
    if channel is Channel.ORDINARY_LETTER:
        days = ORDINARY_LETTER_CONFIRMATION_WORKDAYS
    elif channel in (Channel.INTERNET, Channel.FAX):
        days = policy.confirmation_workdays
    else:
        return None
    if days == 0:
        return arrived_on
    return cal.add_workdays(arrived_on, days)


def explanation_deadline(cal: WorkdayCalendar, received_on: date, workdays: int) -> Deadline:
    """The applicant's period to explain a request's volume or frequency (Art 35), counted from
    the applicant's receipt of the 说明理由告知书; its length is the agency's policy."""
    return _counted(
        cal,
        DeadlineKind.EXPLANATION,
        received_on,
        workdays,
        f"申请人收到说明理由告知书之日：{zh_date(received_on, weekday=True)}，当日不计入",
        f"说明理由期限（{workdays}个工作日）届满，逾期未说明的，按理由不合理处理（第三十五条）",
    )


def correction_period_deadline(
    cal: WorkdayCalendar, notice_received_on: date, workdays: int
) -> Deadline:
    """The 补正 period the agency grants (合理的补正期限, Art 30), counted from the notice's receipt."""
    _check_granted(workdays, "补正期限", "workdays")
    return _counted(
        cal,
        DeadlineKind.CORRECTION_PERIOD,
        notice_received_on,
        workdays,
        f"申请人收到补正告知书之日：{zh_date(notice_received_on, weekday=True)}，当日不计入",
        f"补正期限（{workdays}个工作日）届满，逾期无正当理由不补正的视为放弃申请（第三十条）",
    )


def consultation_deadline(
    cal: WorkdayCalendar, party_received_on: date, kind: PauseKind
) -> Deadline:
    """The consulted party's 15 working days from its receipt of the letter (Art 32, Art 34)."""
    if kind is PauseKind.FEE:
        raise ValidationError("缴费不是征求意见", field="kind")
    return _counted(
        cal,
        DeadlineKind.CONSULTATION,
        party_received_on,
        CONSULTATION_WORKDAYS,
        f"被征求意见方收到征求意见书之日：{zh_date(party_received_on, weekday=True)}，当日不计入",
        f"{kind.label}期限届满（{CONSULTATION_WORKDAYS}个工作日）；{kind.silence}",
    )


def fee_payment_deadline(cal: WorkdayCalendar, notice_received_on: date) -> Deadline:
    """The payment window: 20 working days from the day after the notice is received (109号)."""
    return _counted(
        cal,
        DeadlineKind.FEE_PAYMENT,
        notice_received_on,
        FEE_PAYMENT_WORKDAYS,
        f"申请人收到收费通知之日：{zh_date(notice_received_on, weekday=True)}，自次日起计算",
        f"缴费期限（{FEE_PAYMENT_WORKDAYS}个工作日）届满，逾期未缴纳的视为放弃申请（国办函〔2020〕109号）",
    )


def consultation_pause(
    cal: WorkdayCalendar,
    kind: PauseKind,
    *,
    sent_on: date,
    party_received_on: date | None = None,
    opinion_received_on: date | None = None,
    as_of: date | None = None,
    policy: ClockPolicy | None = None,
    note: str = "",
) -> ClockPause | None:
    """The reply-clock pause one consulted party causes (Art 32, Art 34; Art 33 ¶3).

    Art 33 ¶3 leaves out only the time the consultation *needs*, and Art 32 and Art 34 give the
    party 15 working days: the pause is bounded by that window. The window runs from the party's
    receipt of the letter; until the receipt is recorded, from the day it was sent, so a pause
    never runs open-ended for want of a date. It starts when the letter is sent, or when the party
    receives it, as the agency's policy says (``None``: not started, the receipt not recorded
    yet). It ends when the opinion arrives — an opinion after the window does not extend it — or,
    once ``as_of`` is past the window with no opinion, at the window's end (the silence rule then
    applies: :attr:`PauseKind.silence`). Until then it is open, with the window's end as
    ``latest_end``.
    """
    if kind is PauseKind.FEE:
        raise ValidationError("缴费不是征求意见", field="kind")
    policy = policy or DEFAULT_POLICY
    if party_received_on is not None and party_received_on < sent_on:
        raise ValidationError("收到征求意见书的日期不能早于发出日期", field="party_received_on")
    if opinion_received_on is not None and opinion_received_on < sent_on:
        raise ValidationError(
            "收到意见的日期不能早于发出征求意见书的日期", field="opinion_received_on"
        )
    if policy.consultation_pause_from == "receipt":
        if party_received_on is None:
            return None
        start = party_received_on
    else:
        start = sent_on
    window_end = consultation_window_end(cal, sent_on, party_received_on)
    end = opinion_received_on
    if end is not None:
        end = min(end, window_end)
    elif as_of is not None and as_of > window_end:
        end = window_end
    if end is not None:
        end = max(end, start)
    return ClockPause(kind, start, end, window_end if end is None else None, note)


def consultation_window_end(
    cal: WorkdayCalendar, sent_on: date, party_received_on: date | None
) -> date:
    """The end of a consulted party's 15 working days: from its recorded receipt of the letter,
    else from dispatch (the bound of the pause; the silence rule needs the recorded receipt)."""
    return cal.add_workdays(party_received_on or sent_on, CONSULTATION_WORKDAYS)


# --- the reply period -----------------------------------------------------------------------


def _check_receipt(receipt: date) -> None:
    if receipt < REGULATION_IN_FORCE:
        raise ClockError(
            "收到申请之日早于2019年5月15日，适用修订前的条例（15+15个工作日），本系统不计算",
            field="receipt",
            code="clock.before_regulation",
        )


def _validate(facts: ReplyClockFacts) -> None:
    _check_receipt(facts.receipt)
    requested, received = facts.correction_requested_on, facts.correction_received_on
    if received is not None and requested is None:
        raise ClockError("收到补正须先有补正告知", field="correction_requested_on")
    if requested is not None and requested < facts.receipt:
        raise ClockError("补正告知日期不能早于收到申请之日", field="correction_requested_on")
    if received is not None and requested is not None and received < requested:
        raise ClockError("收到补正日期不能早于补正告知日期", field="correction_received_on")
    for index, pause in enumerate(facts.pauses):
        if pause.start < facts.receipt:
            raise ClockError("暂停开始日期不能早于收到申请之日", field=f"pauses.{index}.start")
        if pause.end is not None and pause.end < pause.start:
            raise ClockError("暂停结束日期不能早于开始日期", field=f"pauses.{index}.end")
        if pause.latest_end is not None and pause.latest_end < pause.start:
            raise ClockError("暂停最迟结束日期不能早于开始日期", field=f"pauses.{index}.latest_end")
    total = 0
    for index, extension in enumerate(facts.extensions):
        if extension.workdays < 1:
            raise ClockError("延长天数须至少为1个工作日", field=f"extensions.{index}.workdays")
        if extension.approved_on < facts.receipt:
            raise ClockError(
                "延期批准日期不能早于收到申请之日", field=f"extensions.{index}.approved_on"
            )
        total += extension.workdays
    check_extensions(total)


def check_extensions(total: int, *, field: str = "extensions") -> None:
    """Art 33 ¶2: the extensions of one reply period add up to at most 20 working days."""
    if total > EXTENSION_CAP_WORKDAYS:
        raise ClockError(
            f"延长答复期限合计{total}个工作日，超过第三十三条规定的最长{EXTENSION_CAP_WORKDAYS}个工作日",
            field=field,
            code="clock.extension_cap",
        )


def _merged_pauses(
    pauses: Iterable[ClockPause], start: date
) -> list[tuple[date, date | None, date | None, list[ClockPause]]]:
    """Pauses after ``start``, merged where they overlap: (start, end, latest_end, members).

    A merged pause is open while any member is; it ends at the latest at the last of its
    members' ends (a closed member's end, an open member's ``latest_end``), unknown if an open
    member has no ``latest_end``.
    """
    merged: list[tuple[date, date | None, date | None, list[ClockPause]]] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.end is not None and pause.end <= start:
            continue  # over before the period (re)started
        p_start = max(pause.start, start)
        if merged and (merged[-1][1] is None or p_start <= merged[-1][1]):
            m_start, _end, _latest, members = merged[-1]
            members = [*members, pause]
        else:
            m_start, members = p_start, [pause]
        if any(m.end is None for m in members):
            ends = [m.end if m.end is not None else m.latest_end for m in members]
            end, latest = None, (None if None in ends else max(ends))
        else:
            end, latest = max(m.end for m in members), None
        if len(members) > 1:
            merged[-1] = (m_start, end, latest, members)
        else:
            merged.append((m_start, end, latest, members))
    return merged


@dataclass
class _Run:
    due: date | None = None
    remaining: int = 0
    paused_since: date | None = None
    projected: date | None = None
    # (after, through) spans that were counted, and the pauses that were applied
    counted: list[tuple[date, date]] = field(default_factory=list)
    applied: list[tuple[date, date | None, list[ClockPause], int]] = field(default_factory=list)


def _run(cal: WorkdayCalendar, start: date, n: int, pauses: list) -> _Run:
    """Count n working days after ``start``, leaving out the working days inside each pause."""
    run = _Run(remaining=n)
    position = start
    for p_start, p_end, p_latest, members in pauses:
        available = cal.workdays_between(position, p_start) if p_start > position else 0
        if run.remaining <= available:
            break
        run.remaining -= available
        run.counted.append((position, p_start))
        if p_end is None:
            run.paused_since = p_start
            if p_latest is not None:
                run.projected = cal.add_workdays(max(p_latest, p_start), run.remaining)
            run.applied.append((p_start, None, members, 0))
            return run
        run.applied.append((p_start, p_end, members, cal.workdays_between(p_start, p_end)))
        position = max(position, p_end)
    run.due = cal.add_workdays(position, run.remaining)
    run.counted.append((position, run.due))
    run.remaining = 0
    return run


@dataclass(frozen=True, slots=True)
class ReplySummary:
    """The reply period's dates without the explanation: what the case row stores."""

    due: date | None
    provisional: bool
    projected_due: date | None
    paused_since: date | None
    remaining_workdays: int
    waiting_for_correction: bool


@dataclass
class _Computed:
    start: date
    total: int
    run: _Run
    statutory_due: date | None
    due: date | None
    projected: date | None
    provisional: bool
    last_counted: date


def _restarts(cal: WorkdayCalendar, facts: ReplyClockFacts) -> bool:
    """Whether a correction notice restarts the period: only one sent in time (Art 30)."""
    requested = facts.correction_requested_on
    return requested is not None and not correction_notice_late(cal, facts.receipt, requested)


def _compute(cal: WorkdayCalendar, facts: ReplyClockFacts, policy: ClockPolicy) -> _Computed | None:
    """The reply period's arithmetic; None while a correction is awaited (Art 30)."""
    start = facts.receipt
    if _restarts(cal, facts):
        if facts.correction_received_on is None:
            return None
        start = facts.correction_received_on
    fee_pauses = policy.fee_window_pauses_clock
    pauses = [p for p in facts.pauses if fee_pauses or p.kind is not PauseKind.FEE]
    total = REPLY_WORKDAYS + sum(e.workdays for e in facts.extensions)
    run = _run(cal, start, total, _merged_pauses(pauses, start))
    due, projected = run.due, run.projected
    last_counted = due or projected or (run.counted[-1][1] if run.counted else start)
    provisional = cal.is_provisional(start, last_counted)
    deferral = facts.deferral
    if deferral is not None:
        # Art 35: the date set must be later than the period as it stood when it was set. A
        # consultation begun afterwards may still carry the statutory date past it: the later
        # of the two is the due date, so a deferral never shortens the time the law gives.
        decided = deferral.decided_on
        earlier = [p for p in pauses if p.start <= decided]
        at_decision = _run(
            cal,
            start,
            REPLY_WORKDAYS + sum(e.workdays for e in facts.extensions if e.approved_on <= decided),
            _merged_pauses(earlier, start),
        ).due
        if at_decision is not None and deferral.until <= at_decision:
            raise ClockError(
                f"延迟答复期限{zh_date(deferral.until)}须晚于法定答复期限{zh_date(at_decision)}",
                field="until",
            )
        due = max(deferral.until, due) if due is not None else deferral.until
        projected = max(deferral.until, projected) if projected is not None else None
        provisional = provisional and due != deferral.until
    if facts.ordered_due is not None:
        due, projected, provisional = facts.ordered_due, None, False
    return _Computed(start, total, run, run.due, due, projected, provisional, last_counted)


def reply_summary(
    cal: WorkdayCalendar, facts: ReplyClockFacts, policy: ClockPolicy | None = None
) -> ReplySummary:
    """The dates of :func:`reply_deadline`, validated, without building the explanation."""
    _validate(facts)
    computed = _compute(cal, facts, policy or DEFAULT_POLICY)
    if computed is None:
        return ReplySummary(None, False, None, None, REPLY_WORKDAYS, True)
    run = computed.run
    return ReplySummary(
        computed.due,
        computed.provisional,
        computed.projected,
        run.paused_since if computed.due is None else None,
        run.remaining if computed.due is None else 0,
        False,
    )


def reply_deadline(
    cal: WorkdayCalendar, facts: ReplyClockFacts, policy: ClockPolicy | None = None
) -> Deadline:
    """答复期限: 20 working days after receipt (Art 33), restarted by a correction (Art 30),
    with consultation (and, by policy, fee) pauses left out, extensions added and an Art 35
    deferral applied — with its derivation, step by step."""
    _validate(facts)
    computed = _compute(cal, facts, policy or DEFAULT_POLICY)
    start_text = (
        f"{facts.start_label}：{zh_date(facts.receipt, weekday=True)}，当日不计入"
        if facts.start_label
        else f"收到申请之日：{zh_date(facts.receipt, weekday=True)}，当日不计入（第三十一条、第三十三条）"
    )
    steps: list[Step] = [Step(StepKind.START, facts.receipt, facts.receipt, start_text)]
    requested = facts.correction_requested_on
    if computed is None:
        steps.append(
            Step(
                StepKind.WAITING,
                requested,
                None,
                f"{zh_date(requested)}发出补正告知书，等待申请人补正；"
                "答复期限自收到补正后的申请之日起计算（第三十条）",
            )
        )
        return Deadline(
            DeadlineKind.REPLY,
            None,
            False,
            tuple(steps),
            cal.version,
            workdays=REPLY_WORKDAYS,
            remaining_workdays=REPLY_WORKDAYS,
        )
    start, run, total = computed.start, computed.run, computed.total
    if requested is not None and not _restarts(cal, facts):
        notice_due = correction_notice_due(cal, facts.receipt)
        steps.append(
            Step(
                StepKind.LATE_NOTICE,
                requested,
                requested,
                f"{zh_date(requested)}发出补正告知书，晚于第{CORRECTION_NOTICE_WORKDAYS}个工作日"
                f"（{zh_date(notice_due)}），答复期限不因补正重新计算，"
                "仍自收到申请之日起计算（第三十条）",
            )
        )
    elif requested is not None:
        steps.append(
            Step(
                StepKind.RESTART,
                start,
                start,
                f"{zh_date(requested)}发出补正告知书，{zh_date(start, weekday=True)}收到补正后的申请，"
                "答复期限自该日重新计算，当日不计入（第三十条）",
            )
        )
    weekends = 0
    day_one_pending = True
    for after, through in run.counted:
        counted, weekend_days = _count_steps(cal, after, through, day_one=day_one_pending)
        day_one_pending = day_one_pending and not any(s.kind is StepKind.DAY_ONE for s in counted)
        steps += counted
        weekends += weekend_days
    for p_start, p_end, members, paused_workdays in run.applied:
        reasons = "、".join(dict.fromkeys(m.kind.label for m in members))
        basis = "；".join(dict.fromkeys(m.kind.basis for m in members))
        notes = "；".join(m.note for m in members if m.note)
        if p_end is None:
            text = f"{zh_date(p_start)}起{reasons}，答复期限暂停计算（{basis}）"
        else:
            text = (
                f"{zh_span(p_start, p_end)}{reasons}，其间{paused_workdays}个工作日"
                f"不计入答复期限（{basis}）"
            )
        if notes:
            text += f"（{notes}）"
        steps.append(Step(StepKind.PAUSE, p_start, p_end, text))
    for extension in facts.extensions:
        who = f"（{extension.approved_by}）" if extension.approved_by else ""
        steps.append(
            Step(
                StepKind.EXTENSION,
                extension.approved_on,
                extension.approved_on,
                f"{zh_date(extension.approved_on)}经政府信息公开工作机构负责人{who}同意，"
                f"延长答复期限{extension.workdays}个工作日（第三十三条第二款）",
            )
        )
    steps.sort(key=lambda s: (s.first or date.max, _STEP_ORDER[s.kind]))
    if weekends:
        steps.append(_weekend_step(weekends))

    extension_days = total - REPLY_WORKDAYS
    statutory = computed.statutory_due
    if statutory is None:
        left = f"尚余{run.remaining}个工作日"
        if run.projected is not None:
            left += f"；如暂停至最迟结束日，答复期限为{zh_date(run.projected, weekday=True)}"
        steps.append(Step(StepKind.DUE, None, None, f"答复期限暂停中，{left}"))
    else:
        ordinal = f"第{total}个工作日" + (
            f"（{REPLY_WORKDAYS}个工作日加延长{extension_days}个工作日）" if extension_days else ""
        )
        steps.append(
            Step(
                StepKind.DUE,
                statutory,
                statutory,
                f"答复期限届满：{zh_date(statutory, weekday=True)}，{ordinal}",
            )
        )
    deferral = facts.deferral
    if deferral is not None:
        text = (
            f"{zh_date(deferral.decided_on)}依第三十五条确定延迟答复的合理期限："
            f"{zh_date(deferral.until, weekday=True)}"
        )
        if computed.due != deferral.until:
            text += f"；其后征求意见等期间使法定期限晚于该日，以{zh_date(computed.due)}为准"
        steps.append(Step(StepKind.DEFERRAL, deferral.until, deferral.until, text))
    if facts.ordered_due is not None:
        steps.append(
            Step(
                StepKind.ORDERED,
                facts.ordered_due,
                facts.ordered_due,
                f"复议决定或判决确定的重新答复期限：{zh_date(facts.ordered_due, weekday=True)}，"
                "以该期限为准",
            )
        )
    if computed.provisional:
        steps.append(_provisional_step(cal, start, computed.last_counted))
    paused = computed.due is None
    return Deadline(
        DeadlineKind.REPLY,
        computed.due,
        computed.provisional,
        tuple(steps),
        cal.version,
        workdays=total,
        remaining_workdays=run.remaining if paused else 0,
        paused_since=run.paused_since if paused else None,
        projected_due=computed.projected,
    )


def reply_due(
    cal: WorkdayCalendar, facts: ReplyClockFacts, policy: ClockPolicy | None = None
) -> date | None:
    """Only the date of :func:`reply_deadline`, without the derivation: for bulk recomputes.

    It trusts its facts: they are validated when they are recorded (the case engine goes through
    :func:`reply_summary`), and a bulk recompute of a million cases should not check them again.
    """
    start = facts.receipt
    if _restarts(cal, facts):
        start = facts.correction_received_on
        if start is None:
            return None
    total = REPLY_WORKDAYS
    for extension in facts.extensions:
        total += extension.workdays
    if facts.ordered_due is not None:
        return facts.ordered_due
    if not facts.pauses and facts.deferral is None:
        return cal.add_workdays(start, total)
    computed = _compute(cal, facts, policy or DEFAULT_POLICY)
    return computed.due if computed else None


_STEP_ORDER = {kind: order for order, kind in enumerate(StepKind)}


# --- explanation of the days counted --------------------------------------------------------


def _count_steps(
    cal: WorkdayCalendar, after: date, through: date, *, day_one: bool
) -> tuple[list[Step], int]:
    """Steps for the days in (after, through]: day one, each run of days off that holds a
    holiday, 调休 or closure, each make-up working day used; and the count of plain weekend days."""
    steps: list[Step] = []
    if cal.workdays_between(after, through) <= 0:
        return steps, 0
    if day_one:
        first = cal.next_workday(after)
        steps.append(
            Step(StepKind.DAY_ONE, first, first, f"第1个工作日：{zh_date(first, weekday=True)}")
        )
    run: list[DayInfo] = []
    weekend_days = 0

    def close_run() -> None:
        nonlocal weekend_days
        if not run:
            return
        special = [info for info in run if info.kind is not DayKind.WEEKEND]
        if not special:
            weekend_days += len(run)
        else:
            names = dict.fromkeys(_display_name(info) for info in special)
            steps.append(
                Step(
                    StepKind.SKIPPED,
                    run[0].day,
                    run[-1].day,
                    f"不计：{zh_span(run[0].day, run[-1].day)} {'、'.join(names)}"
                    f"（非工作日，共{len(run)}天）",
                )
            )
        run.clear()

    for info in cal.days(after, through):
        if info.working:
            close_run()
            if info.kind is not DayKind.WORKDAY:
                steps.append(
                    Step(
                        StepKind.MAKEUP,
                        info.day,
                        info.day,
                        f"计入：{zh_date(info.day, weekday=True)} {_display_name(info)}，为工作日",
                    )
                )
        else:
            run.append(info)
    close_run()
    return steps, weekend_days


def _weekend_step(days: int) -> Step:
    return Step(StepKind.WEEKENDS, None, None, f"其间普通周末共{days}天，不计入")


def _display_name(info: DayInfo) -> str:
    if info.kind is DayKind.SWAP_DAY_OFF:
        return "调休"
    return info.name or info.kind.label


def _provisional_step(cal: WorkdayCalendar, after: date, through: date) -> Step:
    years = sorted(
        {
            year
            for year in range(after.year, through.year + 1)
            if cal.year_status(year) is YearStatus.ESTIMATED
        }
    )
    listed = "、".join(f"{year}年" for year in years)
    return Step(
        StepKind.PROVISIONAL,
        None,
        None,
        f"注意：{listed}的节假日安排尚未由国务院办公厅公布，该期限按推算日历计算，公布后将重新计算",
    )
