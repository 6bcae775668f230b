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
    FEE_PAYMENT_WORKDAYS,
    ClockPause,
    ClockPolicy,
    Deadline,
    Deferral,
    Extension,
    PauseKind,
    ReplyClockFacts,
    ReplySummary,
    consultation_pause,
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


@dataclass
class FeeFacts:
    sent_on: date
    received_on: date
    paid_on: date | None = None
    lapsed: bool = False


@dataclass
class Timeline:
    """The current round's clock facts."""

    receipt: date | None = None
    reopened_due: date | None = None  # a review decision or judgment set the new date
    start_label: str = ""  # what the round starts from, when it is not the receipt
    correction_requested_on: date | None = None
    correction_received_on: date | None = None
    correction_period_due: date | None = None
    consultations: dict[int, ConsultationFacts] = field(default_factory=dict)
    fees: list[FeeFacts] = field(default_factory=list)
    extensions: list[Extension] = field(default_factory=list)
    deferral: Deferral | None = None
    reasons_requested: bool = False
    receipt_issued: bool = False  # the 接收回执 went out (once per case, kept across rounds)
    letters_issued: int = 0  # letters the case's acts issued, every round

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
        elif trigger == "confirm":
            self.receipt = _d(p["receipt_date"])
        elif trigger == "request_correction":
            self.correction_requested_on = _d(p["sent_on"])
            self.correction_period_due = _d(p["period_due"])
        elif trigger == "correction_received":
            self.correction_received_on = _d(p["received_on"])
        elif trigger == "request_reasons":
            self.reasons_requested = True
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
            self.fees.append(FeeFacts(_d(p["sent_on"]), _d(p["received_on"])))
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
class ClockView:
    """The clock of a case now: the reply period and the nearest running window.

    ``summary`` has the dates; ``reply`` the full derivation, when it was asked for.
    """

    summary: ReplySummary | None
    reply: Deadline | None
    status: str  # waiting / running / paused / deferred
    next_window_due: date | None
    next_window: str | None  # which window: correction_notice, correction_period, consultation, fee


def reply_facts(
    t: Timeline, cal: WorkdayCalendar, policy: ClockPolicy, as_of: date
) -> ReplyClockFacts | None:
    if t.receipt is None:
        return None
    pauses: list[ClockPause] = []
    for c in t.consultations.values():
        pauses.append(
            consultation_pause(
                cal,
                c.kind,
                sent_on=c.sent_on,
                party_received_on=c.party_received_on,
                opinion_received_on=c.opinion_received_on,
                as_of=as_of,
                policy=policy,
            )
        )
    for fee in t.fees:
        end = fee.paid_on
        window = cal.add_workdays(fee.received_on, FEE_PAYMENT_WORKDAYS)
        if end is None and fee.lapsed:
            end = window
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
        return ClockView(None, None, "waiting", None, None)
    summary = reply_summary(cal, facts, policy)
    reply = reply_deadline(cal, facts, policy) if explain else None
    windows: list[tuple[date, str]] = []
    if summary.waiting_for_correction:
        status = "waiting"
        if t.correction_period_due:
            windows.append((t.correction_period_due, "correction_period"))
    elif t.deferral is not None or t.reopened_due is not None:
        status = "deferred"
    else:
        status = "paused" if summary.due is None else "running"
        if in_review and t.correction_requested_on is None and t.reopened_due is None:
            due = cal.add_workdays(t.receipt, CORRECTION_NOTICE_WORKDAYS)
            windows.append((due, "correction_notice"))
    for c in t.open_consultations:
        if c.party_received_on is not None:
            due = cal.add_workdays(c.party_received_on, CONSULTATION_WORKDAYS)
            windows.append((due, "consultation"))
    for fee in t.fees:
        if fee.paid_on is None and not fee.lapsed:
            windows.append((cal.add_workdays(fee.received_on, FEE_PAYMENT_WORKDAYS), "fee"))
    nearest = min(windows) if windows else (None, None)
    return ClockView(summary, reply, status, nearest[0], nearest[1])
