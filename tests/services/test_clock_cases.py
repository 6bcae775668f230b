"""The statutory clock, case by case, through the services.

Dates are counted by hand on the 2026 calendar (legal-reference Appendix B); the comments list the
working days counted. The day an event happens is not counted; day 1 is the next working day.
March 2026 has no holidays: Mar 2 is a Monday; 清明 is Apr 4–6, 劳动节 May 1–5 (May 9 Sat works).

The default case: received in person on Mon 2026-03-02. Reply due, 20 WD: Mar 3–6 (4),
9–13 (9), 16–20 (14), 23–27 (19), Mar 30 (20) → Mon Mar 30.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Agency, Case, CaseEvent, Consultation
from gkcase.services import cases as svc
from gkcase.states.machine import GuardFailed, IllegalTransition, PermissionDenied

from .helpers import fire, register

D = date
DUE = D(2026, 3, 30)


def load(org, case_id) -> Case:
    with unit_of_work(org.engine) as session:
        return session.get(Case, case_id)


def stored(fired) -> dict:
    return json.loads(fired.event.payload)


def handling(org, **application) -> Case:
    """A case accepted for handling on Tue Mar 3 (received Mar 2 unless told otherwise)."""
    case = register(org, **application)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    return fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3)).case


def refused(org, case_id, trigger, role, payload=None, *, on, error):
    """Fire, expect ``error``, and check that nothing was written."""
    before = load(org, case_id)
    with pytest.raises(error) as caught:
        fire(org, case_id, trigger, role, payload, as_of=on)
    after = load(org, case_id)
    assert (after.version, after.state, after.event_count) == (
        before.version,
        before.state,
        before.event_count,
    )
    return caught.value


# --- 补正 (Art 30) -------------------------------------------------------------------------------

CORRECTION = {"items": ["所需文件的名称或文号"], "guidance": "请写明具体文件名称"}


@pytest.mark.parametrize(
    ("corrected_on", "due"),
    [
        # Tue Mar 10: Mar 11, 12, 13 (3), 16–20 (8), 23–27 (13), 30, 31 (15), Apr 1, 2, 3 (18),
        # [清明 Apr 4–6], Apr 7, 8 (20) → Apr 8.
        (D(2026, 3, 10), D(2026, 4, 8)),
        # Sun Mar 15 (arrived by the online platform on a weekend): day 1 is Mon Mar 16:
        # Mar 16–20 (5), 23–27 (10), 30, 31 (12), Apr 1, 2, 3 (15), 7–10 (19), 13 (20) → Apr 13.
        (D(2026, 3, 15), D(2026, 4, 13)),
    ],
)
def test_the_reply_period_restarts_from_the_corrected_application(org, corrected_on, due):
    case = register(org)
    assert case.reply_due == DUE
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    # Notice sent Wed Mar 4; the agency's default period is 10 WD: Mar 5, 6, 9–13, 16, 17, 18.
    fired = fire(org, case.id, "request_correction", "caseworker", CORRECTION, as_of=D(2026, 3, 4))
    # the period runs from the applicant's receipt of the notice: not recorded yet
    assert stored(fired)["period_due"] is None
    assert stored(fired)["notice_due"] == "2026-03-11"  # 7 WD: Mar 3–6, 9, 10, 11
    assert stored(fired)["late"] is False
    case = fired.case
    assert (case.state, case.reply_due, case.clock_status) == (
        "awaiting_correction",
        None,
        "waiting",
    )
    assert case.next_window_due is None
    # handed to the applicant the same day
    receipt = {"notice": "correction_notice", "received_on": "2026-03-04", "method": "direct"}
    fired = fire(org, case.id, "record_notice_receipt", "registrar", receipt, as_of=D(2026, 3, 4))
    assert stored(fired)["window_due"] == "2026-03-18"
    assert fired.case.next_window_due == D(2026, 3, 18)
    case = fire(
        org,
        case.id,
        "correction_received",
        "registrar",
        {"received_on": corrected_on.isoformat()},
        as_of=corrected_on,
    ).case
    assert (case.state, case.reply_due, case.clock_status) == ("reviewing", due, "running")
    with unit_of_work(org.engine) as session:
        view = svc.clock_of(session, case, corrected_on)
    assert view.reply.due == due
    assert "答复期限自该日重新计算" in view.reply.explain()


def test_a_correction_cannot_predate_its_notice(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "request_correction", "caseworker", CORRECTION, as_of=D(2026, 3, 4))
    error = refused(
        org,
        case.id,
        "correction_received",
        "registrar",
        {"received_on": "2026-03-03"},
        on=D(2026, 3, 4),
        error=ValidationError,
    )
    assert error.field == "received_on" and "补正告知日期" in error.message


def test_a_correction_notice_is_given_once_only(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "request_correction", "caseworker", CORRECTION, as_of=D(2026, 3, 4))
    fire(
        org,
        case.id,
        "correction_received",
        "caseworker",
        {"received_on": "2026-03-10"},
        as_of=D(2026, 3, 10),
    )
    error = refused(
        org,
        case.id,
        "request_correction",
        "caseworker",
        CORRECTION,
        on=D(2026, 3, 11),
        error=GuardFailed,
    )
    assert error.message == "补正告知只能发出一次（第三十条：一次性告知）"
    with unit_of_work(org.engine) as session:
        stored_case = session.get(Case, case.id)
        actions = dict(svc.permitted(session, stored_case, org.user("caseworker"), D(2026, 3, 11)))
    assert actions["request_correction"] == "补正告知只能发出一次（第三十条：一次性告知）"
    assert actions["accept"] is None


# --- consultations (Art 32, 34; Art 33 ¶3) ---------------------------------------------------------


def consult(org, case_id, kind, *, sent, party_received=None, on=None):
    payload = {
        "kind": kind,
        "party_name": "某某公司" if kind == "third_party" else "某市生态环境局",
        "matters": "拟公开信息涉及贵方",
        "sent_on": sent.isoformat(),
    }
    if party_received is not None:
        payload["party_received_on"] = party_received.isoformat()
    # recorded once both dates are known: the party's receipt cannot be recorded before it happens
    fired = fire(
        org, case_id, "consult", "caseworker", payload, as_of=on or (party_received or sent)
    )
    return fired.case, stored(fired)["consultation_id"]


@pytest.mark.parametrize(
    ("kind", "deemed_consent"), [("third_party", False), ("co_producer", True)]
)
def test_silence_counts_only_after_the_window_and_ends_the_pause_there(org, kind, deemed_consent):
    case = handling(org)
    # Sent Tue Mar 3, received Wed Mar 4; the party's 15 WD: Mar 5, 6 (2), 9–13 (7), 16–20 (12),
    # 23, 24, 25 (15) → Wed Mar 25. The pause runs from dispatch: Mar 3 counted (1), 19 left;
    # at the latest: Mar 26, 27 (2), 30, 31 (4), Apr 1, 2, 3 (7), [清明], 7–10 (11), 13–17 (16),
    # 20, 21, 22 (19) → Apr 22.
    case, cid = consult(org, case.id, kind, sent=D(2026, 3, 3), party_received=D(2026, 3, 4))
    assert (case.state, case.reply_due, case.clock_status) == ("consulting", None, "paused")
    assert case.next_window_due == D(2026, 3, 25)
    assert case.projected_due == D(2026, 4, 22)
    silent = {"consultation_id": cid, "opinion": "silent"}
    for day in (D(2026, 3, 20), D(2026, 3, 25)):  # up to and including the window's last day
        error = refused(
            org, case.id, "consultation_done", "caseworker", silent, on=day, error=ValidationError
        )
        assert error.field == "opinion" and "2026-03-25" in error.message
    fired = fire(org, case.id, "consultation_done", "caseworker", silent, as_of=D(2026, 3, 26))
    payload = stored(fired)
    assert payload["ended_on"] == "2026-03-25"  # the pause ends at the window's end
    assert payload["deemed_consent"] is deemed_consent  # Art 34 yes, Art 32 no
    case = fired.case
    assert (case.state, case.reply_due, case.projected_due) == ("handling", D(2026, 4, 22), None)
    with unit_of_work(org.engine) as session:
        row = session.get(Consultation, cid)
        assert (row.opinion, row.opinion_received_on, row.window_due) == (
            "silent",
            None,
            D(2026, 3, 25),
        )


def test_silence_needs_the_partys_receipt_date(org):
    case = handling(org)
    case, cid = consult(org, case.id, "third_party", sent=D(2026, 3, 3))
    # Without the party's receipt the pause is still bounded (Art 33 ¶3: only the time the
    # consultation needs): 15 WD from dispatch Tue Mar 3: Mar 4, 5, 6 (3), 9–13 (8), 16–20 (13),
    # 23, 24 (15) → Mar 24. Counted before the pause: Mar 3 (1); 19 left after Mar 24:
    # Mar 25–27 (3), 30, 31 (5), Apr 1–3 (8), [清明], 7–10 (12), 13–17 (17), 20, 21 (19) → Apr 21.
    assert (case.next_window_due, case.projected_due) == (D(2026, 3, 24), D(2026, 4, 21))
    error = refused(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": cid, "opinion": "silent"},
        on=D(2026, 4, 20),
        error=ValidationError,
    )
    assert error.field == "party_received_on"
    # Given with the outcome: received Wed Mar 4 → window Mar 25 (as above) → due Apr 22.
    fired = fire(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": cid, "opinion": "silent", "party_received_on": "2026-03-04"},
        as_of=D(2026, 4, 20),
    )
    assert stored(fired)["ended_on"] == "2026-03-25"
    assert fired.case.reply_due == D(2026, 4, 22)


def test_two_overlapping_consultations_pause_the_clock_once(org):
    case = handling(org)
    # A: third party, sent Tue Mar 3, received Mar 4 (window Mar 25, as above).
    case, a = consult(org, case.id, "third_party", sent=D(2026, 3, 3), party_received=D(2026, 3, 4))
    # B: co-producer, sent Mon Mar 9, received Tue Mar 10; its 15 WD: Mar 11, 12, 13 (3),
    # 16–20 (8), 23–27 (13), 30, 31 (15) → Mar 31.
    case, b = consult(
        org, case.id, "co_producer", sent=D(2026, 3, 9), party_received=D(2026, 3, 10)
    )
    assert (case.state, case.next_window_due) == ("consulting", D(2026, 3, 25))  # the nearer
    # A answers Mon Mar 16: B is still open, so the case stays in consultation.
    fired = fire(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": a, "opinion": "agree", "opinion_received_on": "2026-03-16"},
        as_of=D(2026, 3, 16),
    )
    case = fired.case
    assert (case.state, case.reply_due, case.next_window_due) == (
        "consulting",
        None,
        D(2026, 3, 31),
    )
    error = refused(  # an ended consultation cannot be ended again
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": a, "opinion": "object"},
        on=D(2026, 3, 17),
        error=ValidationError,
    )
    assert error.field == "consultation_id"
    # B answers Fri Mar 20. The pauses (Mar 3, Mar 16] and (Mar 9, Mar 20] overlap: one pause
    # (Mar 3, Mar 20]. Mar 3 counted (1), 19 left after Mar 20: Mar 23–27 (5), 30, 31 (7),
    # Apr 1, 2, 3 (10), [清明], 7–10 (14), 13–17 (19) → Apr 17.
    case = fire(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": b, "opinion": "object", "opinion_received_on": "2026-03-20"},
        as_of=D(2026, 3, 20),
    ).case
    assert (case.state, case.reply_due, case.clock_status) == (
        "handling",
        D(2026, 4, 17),
        "running",
    )
    # a new consultation's letter cannot predate the application's receipt
    error = refused(
        org,
        case.id,
        "consult",
        "caseworker",
        {"kind": "third_party", "party_name": "x", "matters": "y", "sent_on": "2026-03-01"},
        on=D(2026, 3, 23),
        error=ValidationError,
    )
    assert error.field == "sent_on"  # before the receipt of the application


def test_consultations_apart_count_the_days_between(org):
    case = handling(org)
    case, a = consult(org, case.id, "third_party", sent=D(2026, 3, 3))
    fire(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": a, "opinion": "agree", "opinion_received_on": "2026-03-06"},
        as_of=D(2026, 3, 6),
    )
    case, b = consult(org, case.id, "co_producer", sent=D(2026, 3, 10))
    # Pauses (Mar 3, Mar 6] and (Mar 10, Mar 13]: counted Mar 3 (1), Mar 9, 10 (3); 17 left
    # after Mar 13: Mar 16–20 (5), 23–27 (10), 30, 31 (12), Apr 1, 2, 3 (15), 7, 8 (17) → Apr 8.
    case = fire(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": b, "opinion": "agree", "opinion_received_on": "2026-03-13"},
        as_of=D(2026, 3, 13),
    ).case
    assert (case.state, case.reply_due) == ("handling", D(2026, 4, 8))
    error = refused(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": b, "opinion": "agree"},
        on=D(2026, 3, 16),
        error=IllegalTransition,  # no consultation open: the case is handling
    )
    assert "办理中" in error.message


# --- extension (Art 33 ¶2) ------------------------------------------------------------------------

EXTEND = {"workdays": 10, "reason": "需要调取多个年度的档案"}


def test_extensions_up_to_twenty_working_days_in_all(org):
    case = handling(org)
    # +10 after Mar 30: Mar 31 (1), Apr 1, 2, 3 (4), [清明], 7–10 (8), 13, 14 (10) → Apr 14.
    fired = fire(org, case.id, "extend", "office_head", EXTEND, as_of=D(2026, 3, 20))
    assert fired.case.reply_due == D(2026, 4, 14)
    assert stored(fired)["approved_by"] == "公开工作机构负责人甲"
    assert stored(fired)["approved_on"] == "2026-03-20"
    # +10 more: Apr 15, 16, 17 (3), 20–24 (8), 27, 28 (10) → Apr 28.
    case = fire(org, case.id, "extend", "office_head", EXTEND, as_of=D(2026, 4, 1)).case
    assert (case.state, case.reply_due) == ("handling", D(2026, 4, 28))
    error = refused(
        org,
        case.id,
        "extend",
        "office_head",
        {"workdays": 1, "reason": "x"},
        on=D(2026, 4, 2),
        error=GuardFailed,
    )
    assert error.message == "已延长20个工作日，不能再延长（第三十三条第二款）"


def test_an_extension_past_the_cap_is_refused_with_its_code(org):
    case = handling(org)
    # +15 after Mar 30: Mar 31, Apr 1, 2, 3 (4), 7–10 (8), 13–17 (13), 20, 21 (15) → Apr 21.
    case = fire(
        org, case.id, "extend", "office_head", {**EXTEND, "workdays": 15}, as_of=D(2026, 3, 20)
    ).case
    assert case.reply_due == D(2026, 4, 21)
    error = refused(
        org, case.id, "extend", "office_head", EXTEND, on=D(2026, 3, 23), error=ValidationError
    )
    assert (error.code, error.field) == ("clock.extension_cap", "workdays")
    assert "合计25个工作日" in error.message
    # the payload alone can never ask for more than 20
    error = refused(
        org,
        case.id,
        "extend",
        "office_head",
        {**EXTEND, "workdays": 21},
        on=D(2026, 3, 23),
        error=ValidationError,
    )
    assert error.field == "workdays"


def test_no_extension_after_the_due_date(org):
    case = handling(org)
    error = refused(
        org, case.id, "extend", "office_head", EXTEND, on=D(2026, 3, 31), error=GuardFailed
    )
    assert error.message == "答复期限已届满，不能再作此处理"
    # on the due date itself it is still in time → Apr 14 (as above)
    assert fire(org, case.id, "extend", "office_head", EXTEND, as_of=DUE).case.reply_due == D(
        2026, 4, 14
    )


# --- fees (109号) ----------------------------------------------------------------------------------

FEE = {
    "basis": "per_page",
    "payment_method": "到本机关财务室缴纳",
    "quantity": 50,
    "sent_on": "2026-03-04",
    "received_on": "2026-03-06",
}


def test_the_fee_window_runs_from_the_day_after_the_notice_is_received(org):
    case = handling(org)
    # Sent Wed Mar 4, received Fri Mar 6; window from Sat Mar 7, i.e. day 1 = Mon Mar 9:
    # Mar 9–13 (5), 16–20 (10), 23–27 (15), 30, 31 (17), Apr 1, 2, 3 (20) → Fri Apr 3.
    # (Counted from the day the notice was sent it would end Apr 1.)
    fired = fire(org, case.id, "issue_fee_notice", "caseworker", FEE, as_of=D(2026, 3, 6))
    assert stored(fired)["window_due"] == "2026-04-03"
    case = fired.case
    assert (case.state, case.reply_due, case.next_window_due) == (
        "awaiting_fee",
        None,
        D(2026, 4, 3),
    )
    for day in (D(2026, 3, 20), D(2026, 4, 3)):
        error = refused(org, case.id, "fee_lapsed", "caseworker", on=day, error=GuardFailed)
        assert error.message == "缴费期限尚未届满，不能按视为放弃处理"
    case = fire(org, case.id, "fee_lapsed", "caseworker", as_of=D(2026, 4, 7)).case
    assert (case.state, case.outcome, case.closed_on) == (
        "closed",
        "closed_fee_unpaid",
        D(2026, 4, 7),
    )
    assert json.loads(case.decision) == {"fee_notice": "2026-03-04"}
    assert (case.clock_status, case.next_window_due) == ("stopped", None)


def test_payment_resumes_the_clock(org):
    case = handling(org)
    fire(org, case.id, "issue_fee_notice", "caseworker", FEE, as_of=D(2026, 3, 6))
    # Paid Wed Mar 18: pause (Mar 4, Mar 18]; Mar 3, 4 counted (2), 18 left after Mar 18:
    # Mar 19, 20 (2), 23–27 (7), 30, 31 (9), Apr 1, 2, 3 (12), [清明], 7–10 (16), 13, 14 (18)
    # → Apr 14.
    fired = fire(
        org, case.id, "fee_paid", "registrar", {"paid_on": "2026-03-18"}, as_of=D(2026, 3, 18)
    )
    assert stored(fired)["late"] is False
    case = fired.case
    assert (case.state, case.reply_due, case.clock_status) == (
        "handling",
        D(2026, 4, 14),
        "running",
    )
    error = refused(
        org, case.id, "issue_fee_notice", "caseworker", FEE, on=D(2026, 3, 19), error=GuardFailed
    )
    assert error.message == "该申请已发出过收费通知"


def test_no_fee_notice_after_the_due_date(org):
    case = handling(org)
    error = refused(
        org,
        case.id,
        "issue_fee_notice",
        "caseworker",
        {**FEE, "sent_on": "2026-03-31", "received_on": "2026-03-31"},
        on=D(2026, 3, 31),
        error=GuardFailed,
    )
    assert error.message == "答复期限已届满，不能再作此处理"


def test_the_fee_pause_is_the_agencys_policy(org):
    with unit_of_work(org.engine) as session:
        agency = session.get(Agency, org.fgw.id)
        agency.fee_window_pauses_clock = False
        session.add(agency)
    case = handling(org)
    # Not paused: the due date stays Mar 30 while the applicant has the notice, and after.
    case = fire(org, case.id, "issue_fee_notice", "caseworker", FEE, as_of=D(2026, 3, 6)).case
    assert (case.state, case.reply_due, case.clock_status) == ("awaiting_fee", DUE, "running")
    assert case.next_window_due == D(2026, 4, 3)
    case = fire(
        org, case.id, "fee_paid", "caseworker", {"paid_on": "2026-03-18"}, as_of=D(2026, 3, 18)
    ).case
    assert (case.state, case.reply_due) == ("handling", DUE)


# --- Art 35 deferral ---------------------------------------------------------------------------------

DEFER = {"until": "2026-05-15", "reason": "申请数量大，理由合理，无法在法定期限内答复"}


def test_a_deferral_needs_reasons_first_and_a_later_date(org):
    case = handling(org)
    error = refused(
        org, case.id, "defer", "office_head", DEFER, on=D(2026, 3, 10), error=GuardFailed
    )
    assert error.message == "延迟答复须先要求申请人说明理由（第三十五条）"
    fired = fire(
        org,
        case.id,
        "request_reasons",
        "caseworker",
        {"matters": "请说明申请理由"},
        as_of=D(2026, 3, 5),
    )
    assert fired.case.state == "handling" and stored(fired)["sent_on"] == "2026-03-05"
    error = refused(
        org,
        case.id,
        "request_reasons",
        "caseworker",
        {"matters": "再次"},
        on=D(2026, 3, 6),
        error=GuardFailed,
    )
    assert error.message == "已要求申请人说明理由"
    # Art 35: no deferral before the applicant explained and the agency found it reasonable
    error = refused(
        org, case.id, "defer", "office_head", DEFER, on=D(2026, 3, 9), error=GuardFailed
    )
    assert "理由合理后确定" in error.message
    explained = {"finding": "reasonable", "received_on": "2026-03-09", "summary": "课题研究需要"}
    fire(org, case.id, "record_explanation", "caseworker", explained, as_of=D(2026, 3, 9))
    for until in ("2026-03-27", "2026-03-30"):  # before, or on, the statutory due date
        error = refused(
            org,
            case.id,
            "defer",
            "office_head",
            {**DEFER, "until": until},
            on=D(2026, 3, 10),
            error=ValidationError,
        )
        assert error.field == "until" and "2026年3月30日" in error.message
    error = refused(
        org, case.id, "defer", "caseworker", DEFER, on=D(2026, 3, 10), error=PermissionDenied
    )
    fired = fire(org, case.id, "defer", "office_head", DEFER, as_of=D(2026, 3, 10))
    assert stored(fired)["decided_on"] == "2026-03-10"
    case = fired.case
    assert (case.state, case.reply_due, case.clock_status) == (
        "handling",
        D(2026, 5, 15),
        "deferred",
    )
    assert not case.due_provisional


def test_a_consultation_after_a_deferral_can_still_end(org):
    case = handling(org)
    fire(
        org,
        case.id,
        "request_reasons",
        "caseworker",
        {"matters": "请说明理由"},
        as_of=D(2026, 3, 4),
    )
    explained = {"finding": "reasonable", "received_on": "2026-03-04"}
    fire(org, case.id, "record_explanation", "caseworker", explained, as_of=D(2026, 3, 4))
    fire(
        org, case.id, "defer", "office_head", {**DEFER, "until": "2026-04-10"}, as_of=D(2026, 3, 4)
    )
    case, cid = consult(
        org, case.id, "third_party", sent=D(2026, 3, 5), party_received=D(2026, 3, 6)
    )
    fired = fire(
        org,
        case.id,
        "consultation_done",
        "caseworker",
        {"consultation_id": cid, "opinion": "object"},
        as_of=D(2026, 3, 27),
    )
    # The later date wins: a deferral never shortens the time the law gives. Receipt Mon Mar 2;
    # Mar 3-5 counted (3) before the pause (Mar 5, Mar 27]; 17 left: Mar 30-Apr 3 (5), [清明],
    # Apr 7-10 (9), 13-17 (14), 20-22 (17) -> Apr 22, later than the deferred Apr 10.
    case = fired.case
    assert (case.state, case.reply_due, case.clock_status) == (
        "handling",
        D(2026, 4, 22),
        "deferred",
    )
    with unit_of_work(org.engine) as session:
        explanation = svc.clock_of(session, case, D(2026, 3, 27)).reply.explain()
    assert "以2026年4月22日为准" in explanation


# --- receipt on days that are not ordinary working days ----------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "due", "notice_window"),
    [
        # Sat Feb 14, a make-up working day: Feb 24–27 (4), Feb 28 (Sat, works) (5),
        # Mar 2–6 (10), 9–13 (15), 16–20 (20) → Mar 20. Notice: Feb 24–28, Mar 2, 3 → Mar 3.
        (D(2026, 2, 14), D(2026, 3, 20), D(2026, 3, 3)),
        # Sat Oct 3, inside 国庆 (Oct 1–7): day 1 is Thu Oct 8: Oct 8, 9 (2), Oct 10 (Sat, works)
        # (3), 12–16 (8), 19–23 (13), 26–30 (18), Nov 2, 3 (20) → Nov 3. Notice: Oct 8, 9, 10,
        # 12, 13, 14, 15 → Oct 15.
        (D(2026, 10, 3), D(2026, 11, 3), D(2026, 10, 15)),
    ],
    ids=["makeup_saturday", "national_day"],
)
def test_receipt_on_a_weekend_or_holiday(org, arrived, due, notice_window):
    case = register(org, arrived_on=arrived.isoformat())
    assert case.receipt_date == arrived  # in person: the day it is handed in (Art 31(一))
    assert (case.state, case.reply_due, case.next_window_due) == ("registered", due, notice_window)
    assert not case.due_provisional


def test_the_explanation_names_the_makeup_day_and_the_holiday(org):
    case = register(org, arrived_on="2026-02-14")
    with unit_of_work(org.engine) as session:
        text = svc.clock_of(session, case, D(2026, 2, 14)).reply.explain()
    assert "2026年2月14日" in text  # the receipt day, not counted
    assert "2026年2月28日" in text  # the make-up Saturday, counted
    assert "2026年3月20日" in text  # the due date


# --- a due date in a year whose holidays are not yet announced ----------------------------------------


def test_a_due_date_in_2027_is_provisional(org):
    # Tue Dec 15: Dec 16, 17, 18 (3), 21–25 (8), 28–31 (12), then 8 working days of 2027, whose
    # notice is not out: with Fri Jan 1 a holiday, Jan 4–8 (17), 11, 12, 13 (20) → Jan 13 2027.
    case = register(org, arrived_on="2026-12-15")
    assert case.reply_due == D(2027, 1, 13)
    assert case.due_provisional is True
    with unit_of_work(org.engine) as session:
        text = svc.clock_of(session, case, D(2026, 12, 15)).reply.explain()
    assert "2027年的节假日安排尚未由国务院办公厅公布" in text


def test_a_due_date_within_2026_is_not_provisional(org):
    # Mon Nov 2: Nov 3–6 (4), 9–13 (9), 16–20 (14), 23–27 (19), 30 (20) → Nov 30.
    case = register(org, arrived_on="2026-11-02")
    assert (case.reply_due, case.due_provisional) == (D(2026, 11, 30), False)


# --- receipt dates that need a confirmation (Art 31(二)(三)) ---------------------------------------------


@pytest.mark.parametrize(
    ("channel", "arrived", "confirm_by", "confirmation", "receipt", "due", "notice_window"),
    [
        # Ordinary letter arrives Mon Mar 2, confirmed with the applicant Tue Mar 3:
        # Mar 4, 5, 6 (3), 9–13 (8), 16–20 (13), 23–27 (18), 30, 31 (20) → Mar 31.
        # Notice: Mar 4, 5, 6, 9, 10, 11, 12 → Mar 12.
        # Art 31(二): an ordinary letter is to be confirmed the day it arrives (Mar 2; a day late).
        (
            "ordinary_letter",
            "2026-03-02",
            D(2026, 3, 2),
            {"confirmed_on": "2026-03-03", "how": "电话"},
            D(2026, 3, 3),
            D(2026, 3, 31),
            D(2026, 3, 12),
        ),
        # Online application Fri Mar 6, both sides confirm Mon Mar 9: Mar 10–13 (4), 16–20 (9),
        # 23–27 (14), 30, 31 (16), Apr 1, 2, 3 (19), [清明], Apr 7 (20) → Apr 7.
        # Notice: Mar 10–13, 16, 17, 18 → Mar 18.
        # The agency's default: by the next working day after arrival (Fri Mar 6 → Mon Mar 9).
        (
            "internet",
            "2026-03-06",
            D(2026, 3, 9),
            {"confirmed_on": "2026-03-09", "how": "平台回执"},
            D(2026, 3, 9),
            D(2026, 4, 7),
            D(2026, 3, 18),
        ),
        # Registered letter, signed for Tue Mar 3 → as the ordinary letter above.
        (
            "signed_mail",
            "2026-03-02",
            None,  # the agency's signature is the receipt: nothing to confirm
            {"signed_for_on": "2026-03-03"},
            D(2026, 3, 3),
            D(2026, 3, 31),
            D(2026, 3, 12),
        ),
    ],
)
def test_an_unconfirmed_application_waits_for_confirm(
    org, channel, arrived, confirm_by, confirmation, receipt, due, notice_window
):
    case = register(org, channel=channel, arrived_on=arrived)
    assert (case.state, case.receipt_date, case.reply_due) == ("received", None, None)
    assert (case.clock_status, case.next_window_due) == ("waiting", confirm_by)
    error = refused(
        org, case.id, "start_review", "caseworker", on=D(2026, 3, 9), error=IllegalTransition
    )
    assert "待确认收到" in error.message
    refused(
        org,
        case.id,
        "confirm",
        "caseworker",
        confirmation,
        on=D(2026, 3, 9),
        error=PermissionDenied,
    )
    error = refused(
        org,
        case.id,
        "confirm",
        "registrar",
        {"how": "电话"},
        on=D(2026, 3, 9),
        error=ValidationError,
    )
    assert error.field in ("confirmed_on", "signed_for_on")
    fired = fire(org, case.id, "confirm", "registrar", confirmation, as_of=receipt)
    case = fired.case
    assert (case.state, case.receipt_date, case.reply_due) == ("registered", receipt, due)
    assert (case.clock_status, case.next_window_due) == ("running", notice_window)
    assert stored(fired)["receipt_date"] == receipt.isoformat()
    assert "第三十一条" in stored(fired)["receipt_rule"]


def test_a_confirmation_cannot_predate_the_arrival(org):
    case = register(org, channel="ordinary_letter", arrived_on="2026-03-02")
    error = refused(
        org,
        case.id,
        "confirm",
        "registrar",
        {"confirmed_on": "2026-02-27"},
        on=D(2026, 3, 2),
        error=ValidationError,
    )
    assert error.field == "confirmed_on"


# --- bad payloads ----------------------------------------------------------------------------------------

BAD = [
    # (trigger, role, payload, field)
    ("extend", "office_head", {"workdays": 21, "reason": "x"}, "workdays"),
    ("extend", "office_head", {"workdays": "five", "reason": "x"}, "workdays"),
    ("extend", "office_head", {"workdays": 5}, "reason"),
    ("extend", "office_head", {"workdays": 5, "reason": "x", "approver": "y"}, "approver"),
    ("consult", "caseworker", {"kind": "neighbour", "party_name": "x", "matters": "y"}, "kind"),
    (
        "consult",
        "caseworker",
        {"kind": "third_party", "party_name": "x", "matters": "y", "sent_on": "2026-02-30"},
        "sent_on",
    ),
    (
        "consult",
        "caseworker",
        {
            "kind": "third_party",
            "party_name": "x",
            "matters": "y",
            "sent_on": "2026-03-05",
            "party_received_on": "2026-03-04",
        },
        "party_received_on",
    ),
    (
        "consult",
        "caseworker",
        {"kind": "third_party", "party_name": "", "matters": "y"},
        "party_name",
    ),
    (
        "issue_fee_notice",
        "caseworker",
        {"basis": "per_page", "payment_method": "到本机关财务室缴纳", "quantity": 30},
        "quantity",
    ),
    (
        "issue_fee_notice",
        "caseworker",
        {"basis": "per_item", "payment_method": "到本机关财务室缴纳", "quantity": 0},
        "quantity",
    ),
    ("issue_fee_notice", "caseworker", {"basis": "both", "quantity": 50}, "basis"),
    (
        "issue_fee_notice",
        "caseworker",
        {
            "basis": "per_page",
            "payment_method": "到本机关财务室缴纳",
            "quantity": 50,
            "sent_on": "2026-03-05",
            "received_on": "2026-03-04",
        },
        "received_on",
    ),
    ("request_reasons", "caseworker", {"matters": "   "}, "matters"),
    ("draft_decision", "caseworker", {"outcome": "maybe"}, "outcome"),
    ("draft_decision", "caseworker", {"outcome": "disclosed"}, "access_method"),
    (
        "draft_decision",
        "caseworker",
        {"outcome": "withheld_state_secret", "fields": {"grounds": [{"ground": "state_secret"}]}},
        "grounds.0.reasons",
    ),
    (
        "draft_decision",
        "caseworker",
        {
            "outcome": "partially_disclosed",
            "fields": {
                "access_method": "x",
                "grounds": [{"ground": "third_party", "reasons": "y"}],
            },
        },
        "grounds.0.part",
    ),
    (
        "draft_decision",
        "caseworker",
        {
            "outcome": "withheld_process_info",
            "fields": {"grounds": [{"ground": "internal_affairs", "reasons": "y"}]},
        },
        "grounds",
    ),
    ("defer", "office_head", {"until": "someday", "reason": "x"}, "until"),
    ("withdraw", "registrar", {"withdrawn_on": "2026-03-05"}, "how"),
    ("approve_everything", "office_head", {}, "trigger"),
]


@pytest.mark.parametrize(
    ("trigger", "role", "payload", "field"), BAD, ids=[b[3] + "-" + b[0] for b in BAD]
)
def test_a_bad_payload_names_its_field_and_writes_nothing(org, trigger, role, payload, field):
    case = handling(org)
    error = refused(org, case.id, trigger, role, payload, on=D(2026, 3, 5), error=ValidationError)
    assert error.field == field
    assert error.message and error.code in ("validation", "clock.invalid")


def test_a_posted_reply_needs_its_posting_date_and_number(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    decision = {"outcome": "petition", "fields": {}}
    fire(org, case.id, "decide_without_handling", "caseworker", decision, as_of=D(2026, 3, 3))
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 4))
    post = {"method": "post", "delivered_on": "2026-03-06", "posted_on": "2026-03-04"}
    error = refused(
        org, case.id, "deliver", "registrar", post, on=D(2026, 3, 6), error=ValidationError
    )
    assert error.field == "tracking_number"
    error = refused(
        org,
        case.id,
        "deliver",
        "registrar",
        {**post, "posted_on": None, "tracking_number": "1"},
        on=D(2026, 3, 6),
        error=ValidationError,
    )
    assert error.field == "posted_on"
    error = refused(
        org,
        case.id,
        "deliver",
        "registrar",
        {**post, "tracking_number": "1", "delivered_on": "2026-03-03"},
        on=D(2026, 3, 6),
        error=ValidationError,
    )
    assert error.field == "delivered_on"  # before the reply was signed
    with unit_of_work(org.engine) as session:
        events = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        ).all()
        assert [e.trigger for e in events][-1] == "sign"
        assert svc.verify(session, case.id).ok


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"information_requested": "   "}, "information_requested"),
        ({"channel": "pigeon"}, "channel"),
        ({"arrived_on": "2026-13-01"}, "arrived_on"),
        ({"applicant": {"kind": "alien", "name": "X"}}, "applicant.kind"),
        (
            {
                "applicant": {
                    "kind": "natural_person",
                    "name": "张三",
                    "id_type": "居民身份证",
                    "id_number": "110101199003071234",
                }
            },
            "applicant.id_number",
        ),
        (
            {"channel": "internet", "arrived_on": "2026-03-02", "confirmed_on": "2026-03-01"},
            "confirmed_on",
        ),
    ],
)
def test_a_bad_registration_names_its_field(org, changes, field):
    with pytest.raises(ValidationError) as caught:
        register(org, **changes)
    assert caught.value.field == field
    with unit_of_work(org.engine) as session:
        assert session.exec(select(Case)).all() == []
