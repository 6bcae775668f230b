"""A case's clock facts, folded from its events alone (pure).

Each event stores its validated, normalised payload; folding them in order gives the facts the
statutory clock needs — receipt, correction, consultations, fee notices, extensions, deferral —
for the current round of the case (a reopening starts a new round). Nothing else is consulted, so
a case's due dates can always be recomputed from its history, e.g. after a holiday notice loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gkcase.calendar.clock import (
    CONSULTATION_WORKDAYS,
    CORRECTION_NOTICE_WORKDAYS,
    EXPLANATION_PERIOD_DEFAULT_WORKDAYS,
    FEE_PAYMENT_WORKDAYS,
    ClockPause,
    ClockPolicy,
    Deadline,
    DeadlineKind,
    Deferral,
    Extension,
    PauseKind,
    ReplyClockFacts,
    ReplySummary,
    confirmation_due,
    consultation_pause,
    consultation_window_end,
    correction_notice_due,
    correction_notice_late,
    reply_deadline,
    reply_summary,
)
from gkcase.calendar.workdays import WorkdayCalendar


@dataclass
class ConsultationFacts:
    id: int
    kind: PauseKind
    sent_on: date
    party_received_on: date | None = None
    opinion_received_on: date | None = None
    closed: bool = False

    def window_end(self, cal: WorkdayCalendar) -> date:
        return consultation_window_end(cal, self.sent_on, self.party_received_on)


@dataclass
class NoticeFacts:
    """A notice whose period runs from the applicant's receipt of it (补正告知书, 收费通知,
    说明理由告知书): until the receipt is recorded the period has not started."""

    sent_on: date
    workdays: int
    received_on: date | None = None

    def window_end(self, cal: WorkdayCalendar) -> date | None:
        """The period's last day, counted from the recorded receipt; None until it is recorded."""
        if self.received_on is None:
            return None
        return cal.add_workdays(self.received_on, self.workdays)

    def if_received(self, cal: WorkdayCalendar, on: date) -> date:
        """The period's last day were the notice received ``on`` (shown while awaiting delivery)."""
        return cal.add_workdays(max(on, self.sent_on), self.workdays)


@dataclass
class FeeFacts(NoticeFacts):
    workdays: int = FEE_PAYMENT_WORKDAYS
    paid_on: date | None = None
    lapsed: bool = False

    @property
    def outstanding(self) -> bool:
        return self.paid_on is None and not self.lapsed


@dataclass
class Timeline:
    """The current round's clock facts."""

    receipt: date | None = None
    channel: str = ""  # how the application came (Art 31), and the day it arrived
    arrived_on: date | None = None
    reopened_due: date | None = None  # a review decision or judgment set the new date
    start_label: str = ""  # what the round starts from, when it is not the receipt
    correction_requested_on: date | None = None
    correction: NoticeFacts | None = None  # the 补正告知书 and the period it grants (Art 30)
    correction_received_on: date | None = None
    correction_over: bool = False  # corrected, or (a late notice) handled on the original
    consultations: dict[int, ConsultationFacts] = field(default_factory=dict)
    fees: list[FeeFacts] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    deferral: Deferral | None = None
    reasons: NoticeFacts | None = None  # the 说明理由告知书 (Art 35)
    explanation: str | None = None  # reasonable / unreasonable / none (the period lapsed)
    explanation_received_on: date | None = None
    receipt_issued: bool = False  # the 接收回执 went out (once per case, kept across rounds)
    letters_issued: int = 0  # letters the case's acts issued, every round

    @property
    def reasons_requested(self) -> bool:
        return self.reasons is not None

    def correction_late(self, cal: WorkdayCalendar) -> bool:
        """The correction notice went out after the 7th working day (Art 30)."""
        requested = self.correction_requested_on
        return (
            requested is not None
            and self.receipt is not None
            and correction_notice_late(cal, self.receipt, requested)
        )

    def awaiting_receipt(self) -> list[tuple[str, int | None]]:
        """The notices whose receipt is not recorded yet and whose period still matters:
        (notice kind, consultation id)."""
        found: list[tuple[str, int | None]] = []
        if self.correction and self.correction.received_on is None and not self.correction_over:
            found.append(("correction_notice", None))
        if self.fees and self.fees[-1].received_on is None and self.fees[-1].outstanding:
            found.append(("fee_notice", None))
        if self.reasons and self.reasons.received_on is None and self.explanation is None:
            found.append(("reasons_request", None))
        for c in self.open_consultations:
            if c.party_received_on is None:
                found.append(("consultation", c.id))
        return found

    @property
    def open_consultations(self) -> list[ConsultationFacts]:
        return [c for c in self.consultations.values() if not c.closed]

    def apply(self, trigger: str, p: Mapping[str, Any]) -> Timeline:
        """This timeline after one more event (a reopening starts a new one)."""
        self.letters_issued += len(p.get("letters") or ()) + (
            1 if trigger == "sign" and p.get("letter_id") else 0  # a reply signed before acts
        )
        if trigger == "register":
            self.receipt = _d(p.get("receipt_date"))
            self.channel = p.get("channel", "")
            self.arrived_on = _d(p.get("arrived_on"))
        elif trigger == "confirm":
            self.receipt = _d(p["receipt_date"])
        elif trigger == "request_correction":
            self.correction_requested_on = _d(p["sent_on"])
            self.correction = NoticeFacts(
                _d(p["sent_on"]), int(p["period_workdays"]), _d(p.get("received_on"))
            )
        elif trigger == "correction_received":
            self.correction_received_on = _d(p["received_on"])
            self.correction_over = True
        elif trigger == "continue_without_correction":
            self.correction_over = True
        elif trigger == "request_reasons":
            self.reasons = NoticeFacts(
                _d(p["sent_on"]),
                int(p.get("period_workdays") or EXPLANATION_PERIOD_DEFAULT_WORKDAYS),
                _d(p.get("received_on")),
            )
        elif trigger == "record_explanation":
            self.explanation = p["finding"]
            self.explanation_received_on = _d(p.get("received_on"))
        elif trigger == "record_notice_receipt":
            self._notice_received(p["notice"], p.get("consultation_id"), _d(p["received_on"]))
        elif trigger == "consult":
            cid = int(p["consultation_id"])
            self.consultations[cid] = ConsultationFacts(
                cid, PauseKind(p["kind"]), _d(p["sent_on"]), _d(p.get("party_received_on"))
            )
        elif trigger == "consultation_done":
            c = self.consultations[int(p["consultation_id"])]
            c.closed = True
            c.party_received_on = _d(p.get("party_received_on")) or c.party_received_on
            c.opinion_received_on = _d(p["ended_on"])
        elif trigger == "issue_fee_notice":
            self.fees.append(FeeFacts(_d(p["sent_on"]), received_on=_d(p.get("received_on"))))
        elif trigger == "fee_paid":
            self.fees[-1].paid_on = _d(p["paid_on"])
        elif trigger == "fee_lapsed":
            self.fees[-1].lapsed = True
        elif trigger == "extend":
            self.extensions.append(
                Extension(int(p["workdays"]), _d(p["approved_on"]), p.get("approved_by", ""))
            )
        elif trigger == "issue_receipt":
            self.receipt_issued = True
        elif trigger == "defer":
            self.deferral = Deferral(_d(p["until"]), _d(p["decided_on"]))
        elif trigger == "reopen":
            label = _REOPEN_LABELS.get(p.get("basis", ""), "收到责令重新答复的文书之日")
            return Timeline(
                receipt=_d(p["received_on"]),
                reopened_due=_d(p.get("due_on")),
                start_label=label,
                receipt_issued=self.receipt_issued,
                letters_issued=self.letters_issued,
            )
        return self

    def _notice_received(self, notice: str, consultation_id: Any, received_on: date) -> None:
        if notice == "correction_notice" and self.correction is not None:
            self.correction.received_on = received_on
        elif notice == "fee_notice" and self.fees:
            self.fees[-1].received_on = received_on
        elif notice == "reasons_request" and self.reasons is not None:
            self.reasons.received_on = received_on
        elif notice == "consultation":
            self.consultations[int(consultation_id)].party_received_on = received_on


_REOPEN_LABELS = {
    "review_decision": "收到行政复议决定书之日",
    "judgment": "收到人民法院裁判文书之日",
}


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def fold(events: Iterable[tuple[str, Mapping[str, Any]]]) -> Timeline:
    """Fold ``(trigger, payload)`` pairs, oldest first, into the current round's facts."""
    timeline = Timeline()
    for trigger, payload in events:
        timeline = timeline.apply(trigger, payload)
    return timeline


@dataclass(frozen=True)
class PeriodView:
    """A period that runs from someone's receipt of a notice, as it stands on a day.

    ``ends`` is counted from the recorded receipt; while the receipt is not recorded it is None
    and ``ends_if_received`` says when it would end were the notice received that day.
    ``over``: the period ran out (a lapse — 视为放弃, unpaid fee, no explanation, silence — is
    possible only then)."""

    kind: DeadlineKind
    sent_on: date
    received_on: date | None
    ends: date | None
    ends_if_received: date | None
    over: bool
    consultation_id: int | None = None

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def awaiting_delivery(self) -> bool:
        return self.received_on is None


@dataclass(frozen=True)
class ClockView:
    """The clock of a case now: the reply period and the nearest running window.

    ``summary`` has the dates; ``reply`` the full derivation, when it was asked for; ``periods``
    the running periods that count from a receipt; ``correction_notice_due`` the Art 30 limit
    (the last day a correction notice restarts the period) and ``correction_late`` whether the
    notice sent missed it.
    """

    summary: ReplySummary | None
    reply: Deadline | None
    status: str  # waiting / running / paused / deferred
    next_window_due: date | None
    next_window: str | None  # which window: correction_notice, correction_period, consultation, fee
    periods: tuple[PeriodView, ...] = ()
    correction_notice_due: date | None = None
    correction_late: bool = False


def periods(t: Timeline, cal: WorkdayCalendar, as_of: date) -> list[PeriodView]:
    """The periods still running that count from someone's receipt of a notice."""
    found: list[PeriodView] = []

    def add(kind: DeadlineKind, notice: NoticeFacts, cid: int | None = None) -> None:
        ends = notice.window_end(cal)
        waiting = None if ends is not None else notice.if_received(cal, as_of)
        over = ends is not None and as_of > ends
        found.append(PeriodView(kind, notice.sent_on, notice.received_on, ends, waiting, over, cid))

    if t.correction is not None and not t.correction_over:
        add(DeadlineKind.CORRECTION_PERIOD, t.correction)
    if t.reasons is not None and t.explanation is None:
        add(DeadlineKind.EXPLANATION, t.reasons)
    if t.fees and t.fees[-1].outstanding:
        add(DeadlineKind.FEE_PAYMENT, t.fees[-1])
    for c in t.open_consultations:
        notice = NoticeFacts(c.sent_on, CONSULTATION_WORKDAYS, c.party_received_on)
        add(DeadlineKind.CONSULTATION, notice, c.id)
    return found


def reply_facts(
    t: Timeline, cal: WorkdayCalendar, policy: ClockPolicy, as_of: date
) -> ReplyClockFacts | None:
    if t.receipt is None:
        return None
    pauses: list[ClockPause] = []
    for c in t.consultations.values():
        pause = consultation_pause(
            cal,
            c.kind,
            sent_on=c.sent_on,
            party_received_on=c.party_received_on,
            opinion_received_on=c.opinion_received_on,
            as_of=as_of,
            policy=policy,
        )
        if pause is not None:
            pauses.append(pause)
    for fee in t.fees:
        # bounded like a consultation: the window from the recorded receipt, else from sending
        window = cal.add_workdays(fee.received_on or fee.sent_on, fee.workdays)
        end = min(fee.paid_on, window) if fee.paid_on is not None else None
        if end is None and (fee.lapsed or as_of > window):
            end = window
        end = max(end, fee.sent_on) if end is not None else None
        pauses.append(ClockPause(PauseKind.FEE, fee.sent_on, end, None if end else window))
    return ReplyClockFacts(
        receipt=t.receipt,
        correction_requested_on=t.correction_requested_on,
        correction_received_on=t.correction_received_on,
        pauses=tuple(pauses),
        extensions=tuple(t.extensions),
        deferral=t.deferral,
        start_label=t.start_label,
        ordered_due=t.reopened_due,
    )


def clock_view(
    t: Timeline,
    cal: WorkdayCalendar,
    policy: ClockPolicy,
    as_of: date,
    *,
    in_review: bool = True,
    explain: bool = True,
) -> ClockView:
    """The clock now; ``in_review``: the case is still at review, so the Art 30 correction-notice
    window is one of its running windows (after review it no longer is, and must not hide the
    consultation or fee window that is). ``explain=False`` skips the derivation (the case row
    needs only the dates)."""
    facts = reply_facts(t, cal, policy, as_of)
    if facts is None:
        # Art 31: an application awaiting confirmation has its own window from its arrival
        due = None
        if t.channel and t.arrived_on is not None:
            due = confirmation_due(cal, t.channel, t.arrived_on, policy)
        return ClockView(None, None, "waiting", due, "confirmation" if due else None)
    summary = reply_summary(cal, facts, policy)
    reply = reply_deadline(cal, facts, policy) if explain else None
    running = periods(t, cal, as_of)
    windows: list[tuple[date, str]] = []
    notice_due = None
    if t.reopened_due is None and t.start_label == "":
        notice_due = correction_notice_due(cal, t.receipt)
    if summary.waiting_for_correction:
        status = "waiting"
    elif t.deferral is not None or t.reopened_due is not None:
        status = "deferred"
    else:
        status = "paused" if summary.due is None else "running"
        if in_review and t.correction_requested_on is None and notice_due is not None:
            windows.append((notice_due, "correction_notice"))
    for period in running:
        if period.kind is DeadlineKind.CONSULTATION:
            # the bound of the pause: from the recorded receipt, else from sending
            windows.append(
                (t.consultations[period.consultation_id].window_end(cal), "consultation")
            )
        elif period.ends is not None:
            windows.append((period.ends, _WINDOW_NAMES[period.kind]))
    nearest = min(windows) if windows else (None, None)
    return ClockView(
        summary,
        reply,
        status,
        nearest[0],
        nearest[1],
        tuple(running),
        notice_due,
        t.correction_late(cal),
    )


#: The Chinese name of each running window (ClockView.next_window); the periods are the clock's.
WINDOW_LABELS = {
    "confirmation": "确认收到申请期限",
    "correction_notice": "补正告知期限",
    "correction_period": DeadlineKind.CORRECTION_PERIOD.label,
    "consultation": DeadlineKind.CONSULTATION.label,
    "fee": DeadlineKind.FEE_PAYMENT.label,
    "explanation": DeadlineKind.EXPLANATION.label,
}
#: What each window is, for the case page.
WINDOW_BASIS = {
    "confirmation": "第三十一条：平常信函于收到当日确认，互联网、传真按本机关规定",
    "correction_notice": f"第三十条：收到申请之日起{CORRECTION_NOTICE_WORKDAYS}个工作日内",
    "correction_period": "第三十条：自申请人收到补正告知书之日起",
    "consultation": f"第三十二条、第三十四条：自对方收到之日起{CONSULTATION_WORKDAYS}个工作日",
    "fee": f"国办函〔2020〕109号：收到收费通知次日起{FEE_PAYMENT_WORKDAYS}个工作日",
    "explanation": "第三十五条：自申请人收到说明理由告知书之日起",
}


def window_label(name: str | None, *, basis: bool = False) -> str:
    label = WINDOW_LABELS.get(name or "", "期限")
    return f"{label}（{WINDOW_BASIS[name]}）" if basis and name in WINDOW_BASIS else label


_WINDOW_NAMES = {
    DeadlineKind.CORRECTION_PERIOD: "correction_period",
    DeadlineKind.FEE_PAYMENT: "fee",
    DeadlineKind.EXPLANATION: "explanation",
}
