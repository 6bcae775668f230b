"""Dated cases a court would check (issue #18), through the services, on SQLite and PostgreSQL.

Every expected date is counted here by hand on the published calendars, never taken from the
code. 2025: 国庆·中秋 Oct 1–8 off, Sat Oct 11 a working day; 2026: 清明 Apr 4–6, 劳动节 May 1–5
with Sat May 9 working. The day an event happens is not counted; day 1 is the next working day.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.letters.catalogue import CATALOGUE
from gkcase.models import Agency, Case
from gkcase.services import cases as svc
from gkcase.services import letters as letter_service
from gkcase.services import supervision
from gkcase.states.machine import GuardFailed

from .helpers import fire, register

D = date


def stored(fired) -> dict:
    return json.loads(fired.event.payload)


def refused(org, case_id, trigger, role, payload=None, *, on, error):
    with unit_of_work(org.engine) as session:
        before = session.get(Case, case_id).version
    with pytest.raises(error) as caught:
        fire(org, case_id, trigger, role, payload, as_of=on)
    with unit_of_work(org.engine) as session:
        assert session.get(Case, case_id).version == before  # nothing written
    return caught.value


def handling(org, arrived: date, accepted: date) -> Case:
    case = register(org, arrived_on=arrived.isoformat())
    fire(org, case.id, "start_review", "caseworker", as_of=accepted)
    return fire(org, case.id, "accept", "caseworker", as_of=accepted).case


# --- Art 30: a late correction notice does not restart the clock -----------------------------

CORRECTION = {"items": ["所需文件的名称"], "guidance": "请写明文件名称或文号"}


def test_a_late_correction_notice_neither_restarts_the_clock_nor_allows_abandonment(org):
    # Received Mon 2025-03-03: 20 WD Mar 4–7 (4), 10–14 (9), 17–21 (14), 24–28 (19), 31 (20)
    # → Mar 31. The notice was due by the 7th WD: Mar 4–7 (4), 10, 11, 12 (7) → Mar 12.
    case = register(org, arrived_on="2025-03-03")
    assert case.reply_due == D(2025, 3, 31)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2025, 3, 4))
    with unit_of_work(org.engine) as session:
        view = svc.clock_of(session, session.get(Case, case.id), D(2025, 5, 6))
    assert (view.correction_notice_due, view.correction_late) == (D(2025, 3, 12), False)
    # sent Tue May 6, long after: still sent (the applicant must be told), recorded as late
    notice = {**CORRECTION, "received_on": "2025-05-06"}
    fired = fire(org, case.id, "request_correction", "caseworker", notice, as_of=D(2025, 5, 6))
    assert (stored(fired)["late"], stored(fired)["notice_due"]) == (True, "2025-03-12")
    case = fired.case
    # the clock runs on from the original receipt: due Mar 31, already past
    assert (case.state, case.reply_due, case.clock_status) == (
        "awaiting_correction",
        D(2025, 3, 31),
        "running",
    )
    with unit_of_work(org.engine) as session:
        view = svc.clock_of(session, session.get(Case, case.id), D(2025, 5, 6))
        (letter,) = letter_service.live_letters(session, case, "correction_notice")
        text = letter.text
    assert view.correction_late and view.reply.due == D(2025, 3, 31)
    assert "答复期限不因补正重新计算" in view.reply.explain()
    # the letter does not promise a new period nor threaten 视为放弃
    assert "答复期限不因补正重新计算" in text and "视为放弃" not in text
    # the 10 WD to correct from May 6 end May 20 (May 7–9 (3), 12–16 (8), 19, 20): even after,
    # no 视为放弃 — the agency answers the original application
    error = refused(
        org, case.id, "correction_lapsed", "caseworker", on=D(2025, 5, 21), error=GuardFailed
    )
    assert "不能视为放弃申请" in error.message
    fired = fire(org, case.id, "continue_without_correction", "caseworker", as_of=D(2025, 5, 21))
    assert (fired.case.state, fired.case.reply_due) == ("reviewing", D(2025, 3, 31))


def test_a_timely_notice_restarts_only_once_its_receipt_is_recorded_and_lapses_after_it(org):
    # Received Mon 2026-03-02; notice sent Wed Mar 4 (in time: by Mar 11), received by post
    # Mon Mar 9; 10 WD from Mar 9: Mar 10–13 (4), 16–20 (9), 23 (10) → Mar 23.
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fired = fire(org, case.id, "request_correction", "caseworker", CORRECTION, as_of=D(2026, 3, 4))
    assert stored(fired)["late"] is False and fired.case.clock_status == "waiting"
    with unit_of_work(org.engine) as session:
        view = svc.clock_of(session, session.get(Case, case.id), D(2026, 3, 6))
    (period,) = view.periods
    # waiting for delivery: the end it would have if received today (Fri Mar 6): Mar 20
    assert (period.received_on, period.ends, period.ends_if_received) == (
        None,
        None,
        D(2026, 3, 20),
    )
    error = refused(
        org, case.id, "correction_lapsed", "caseworker", on=D(2026, 4, 30), error=GuardFailed
    )
    assert "送达日期尚未登记" in error.message
    receipt = {
        "notice": "correction_notice",
        "received_on": "2026-03-09",
        "method": "post",
        "proof": "挂号信回执",
    }
    fired = fire(org, case.id, "record_notice_receipt", "registrar", receipt, as_of=D(2026, 3, 10))
    assert stored(fired)["window_due"] == "2026-03-23"
    assert fired.case.next_window_due == D(2026, 3, 23)
    refused(org, case.id, "correction_lapsed", "caseworker", on=D(2026, 3, 23), error=GuardFailed)
    error = refused(
        org,
        case.id,
        "record_notice_receipt",
        "registrar",
        receipt,
        on=D(2026, 3, 10),
        error=GuardFailed,
    )
    assert error.message == "没有待登记送达的告知书或征求意见书"  # recorded once
    fired = fire(org, case.id, "correction_lapsed", "caseworker", as_of=D(2026, 3, 24))
    assert fired.case.state == "closed"


# --- 109号: the fee window runs from the applicant's receipt ----------------------------------


def test_the_fee_window_runs_from_the_recorded_receipt(org):
    # Received Mon 2025-09-29: Sep 30 (1), [Oct 1–8], Oct 9, 10 (3), Sat Oct 11 (4), 13–17 (9),
    # 20–24 (14), 27–31 (19), Nov 3 (20) → Nov 3.
    case = handling(org, D(2025, 9, 29), D(2025, 9, 30))
    assert case.reply_due == D(2025, 11, 3)
    fee = {"basis": "per_page", "quantity": 200, "payment_method": "到本机关财务室缴纳"}
    fired = fire(org, case.id, "issue_fee_notice", "caseworker", fee, as_of=D(2025, 10, 10))
    assert stored(fired)["window_due"] is None  # the receipt is not known yet
    # Counted before the pause (from sending, Fri Oct 10): Sep 30, Oct 9, 10 (3); 17 left.
    # Until the receipt is recorded the pause is bounded from sending: Sat Oct 11 (1), 13–17 (6),
    # 20–24 (11), 27–31 (16), Nov 3–6 (20) → Nov 6; then Nov 7 (1), 10–14 (6), 17–21 (11),
    # 24–28 (16), Dec 1 (17) → Dec 1.
    assert (fired.case.reply_due, fired.case.projected_due) == (None, D(2025, 12, 1))
    error = refused(org, case.id, "fee_lapsed", "caseworker", on=D(2025, 11, 7), error=GuardFailed)
    assert "送达日期尚未登记" in error.message
    # received Thu Oct 16: Oct 17 (1), 20–24 (6), 27–31 (11), Nov 3–7 (16), 10–13 (20) → Nov 13
    receipt = {"notice": "fee_notice", "received_on": "2025-10-16", "method": "post"}
    fired = fire(org, case.id, "record_notice_receipt", "registrar", receipt, as_of=D(2025, 10, 17))
    assert stored(fired)["window_due"] == "2025-11-13"
    # the pause now ends Nov 13 at the latest: Nov 14 (1), 17–21 (6), 24–28 (11), Dec 1–5 (16),
    # Dec 8 (17) → Dec 8
    assert (fired.case.projected_due, fired.case.next_window_due) == (
        D(2025, 12, 8),
        D(2025, 11, 13),
    )
    refused(org, case.id, "fee_lapsed", "caseworker", on=D(2025, 11, 13), error=GuardFailed)
    fired = fire(
        org, case.id, "fee_paid", "registrar", {"paid_on": "2025-11-12"}, as_of=D(2025, 11, 12)
    )
    # paid Wed Nov 12: 17 WD from then: Nov 13, 14 (2), 17–21 (7), 24–28 (12), Dec 1–5 (17)
    assert fired.case.reply_due == D(2025, 12, 5)
    with unit_of_work(org.engine) as session:
        (letter,) = letter_service.live_letters(session, session.get(Case, case.id), "fee_notice")
        text = letter.text
    assert "自收到本通知书次日起20个工作日内" in text
    assert "不计算在答复期限内" in text  # the agency's policy, told to the applicant


# --- Art 33 ¶3: a consultation pause is bounded --------------------------------------------


def test_an_opinion_after_the_window_does_not_extend_the_pause(org):
    # Received Mon 2026-03-02; consulted Tue Mar 3, the party received it Wed Mar 4; its 15 WD:
    # Mar 5, 6 (2), 9–13 (7), 16–20 (12), 23, 24, 25 (15) → Mar 25. Mar 3 counted (1); 19 left
    # after Mar 25: Mar 26, 27 (2), 30, 31 (4), Apr 1–3 (7), [清明], 7–10 (11), 13–17 (16),
    # 20–22 (19) → Apr 22 — whether the opinion comes Mar 25 or Apr 10.
    case = handling(org, D(2026, 3, 2), D(2026, 3, 3))
    consult = {
        "kind": "third_party",
        "party_name": "某某公司",
        "matters": "合同价款",
        "sent_on": "2026-03-03",
        "party_received_on": "2026-03-04",
    }
    cid = stored(fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 3, 4)))[
        "consultation_id"
    ]
    done = {"consultation_id": cid, "opinion": "object", "opinion_received_on": "2026-04-10"}
    fired = fire(org, case.id, "consultation_done", "caseworker", done, as_of=D(2026, 4, 10))
    assert (fired.case.state, fired.case.reply_due) == ("handling", D(2026, 4, 22))


def test_a_consultation_with_no_receipt_recorded_ends_at_its_bound_and_is_a_lapse(org):
    # Consulted Tue 2026-03-03, the party's receipt never recorded: the pause is bounded by 15 WD
    # from dispatch: Mar 4, 5, 6 (3), 9–13 (8), 16–20 (13), 23, 24 (15) → Mar 24.
    case = handling(org, D(2026, 3, 2), D(2026, 3, 3))
    consult = {
        "kind": "third_party",
        "party_name": "某某公司",
        "matters": "合同价款",
        "sent_on": "2026-03-03",
    }
    fired = fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 3, 3))
    assert fired.case.next_window_due == D(2026, 3, 24)
    with unit_of_work(org.engine) as session:
        # after the bound the clock runs again: Mar 3 (1) and 19 WD after Mar 24: Mar 25–27 (3),
        # 30, 31 (5), Apr 1–3 (8), [清明], 7–10 (12), 13–17 (17), 20, 21 (19) → Apr 21
        view = svc.clock_of(session, session.get(Case, case.id), D(2026, 3, 30))
        assert (view.status, view.summary.due) == ("running", D(2026, 4, 21))
        agency = session.get(Agency, org.fgw.id)
        report = supervision.lapses(
            session, agency, as_of=D(2026, 3, 30), start=D(2026, 3, 1), end=D(2026, 3, 31)
        )
    (lapse,) = report.of(supervision.CONSULTATION_EXPIRED)
    assert (lapse.case_id, lapse.due) == (case.id, D(2026, 3, 24))


def test_another_agency_is_consulted_with_the_same_bound(org):
    # A secrecy review (Art 17) sent Tue 2026-03-03, received Mar 4, answered Mon Mar 16: paused
    # (Mar 3, Mar 16]; Mar 3 counted (1), 19 after Mar 16: Mar 17–20 (4), 23–27 (9), 30, 31
    # (11), Apr 1–3 (14), [清明], 7–10 (18), 13 (19) → Apr 13.
    case = handling(org, D(2026, 3, 2), D(2026, 3, 3))
    consult = {
        "kind": "other_agency",
        "party_name": "某市国家保密局",
        "matters": "所涉报告是否属于国家秘密",
        "sent_on": "2026-03-03",
        "party_received_on": "2026-03-04",
    }
    fired = fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 3, 4))
    cid = stored(fired)["consultation_id"]
    assert [entry["kind"] for entry in stored(fired)["letters"]] == ["other_agency_consultation"]
    done = {"consultation_id": cid, "opinion": "agree", "opinion_received_on": "2026-03-16"}
    fired = fire(org, case.id, "consultation_done", "caseworker", done, as_of=D(2026, 3, 16))
    assert fired.case.reply_due == D(2026, 4, 13)


# --- Art 31: receipt ------------------------------------------------------------------------


def test_an_unconfirmed_online_application_has_a_window_and_a_late_one_is_a_lapse(org):
    # Arrived online Fri 2026-03-06; the agency confirms by the next working day: Mon Mar 9.
    case = register(org, channel="internet", arrived_on="2026-03-06")
    assert (case.state, case.next_window_due) == ("received", D(2026, 3, 9))
    fired = fire(
        org, case.id, "confirm", "registrar", {"confirmed_on": "2026-03-10"}, as_of=D(2026, 3, 10)
    )
    assert (stored(fired)["confirmation_due"], stored(fired)["late"]) == ("2026-03-09", True)
    with unit_of_work(org.engine) as session:
        agency = session.get(Agency, org.fgw.id)
        report = supervision.lapses(
            session, agency, as_of=D(2026, 3, 10), start=D(2026, 3, 1), end=D(2026, 3, 31)
        )
    (lapse,) = report.of(supervision.LATE_CONFIRMATION)
    assert (lapse.case_id, lapse.due, lapse.happened) == (case.id, D(2026, 3, 9), D(2026, 3, 10))


def test_an_arrival_after_today_is_refused(org):
    with pytest.raises(ValidationError) as caught:
        register(org, arrived_on="2026-04-02", as_of=D(2026, 3, 2))
    assert caught.value.field == "arrived_on"


# --- Art 35: no refusal before the applicant could answer ------------------------------------


def test_excessive_requests_only_after_the_explanation_or_its_period(org):
    # Received Mon 2026-03-02; reasons requested Wed Mar 4, handed over the same day; the
    # agency's 10 WD: Mar 5, 6 (2), 9–13 (7), 16, 17, 18 (10) → Mar 18.
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    reasons = {"matters": "一个月内申请120件的理由", "received_on": "2026-03-04"}
    fired = fire(org, case.id, "request_reasons", "caseworker", reasons, as_of=D(2026, 3, 4))
    assert (stored(fired)["period_workdays"], stored(fired)["period_due"]) == (10, "2026-03-18")
    assert fired.case.reply_due == D(2026, 3, 30)  # the reply period keeps running
    decision = {"outcome": "excessive_requests", "fields": {}}
    error = refused(
        org,
        case.id,
        "decide_without_handling",
        "caseworker",
        decision,
        on=D(2026, 3, 5),
        error=ValidationError,
    )
    assert error.field == "outcome" and "说明理由" in error.message
    none = {"finding": "none"}
    error = refused(
        org,
        case.id,
        "record_explanation",
        "caseworker",
        none,
        on=D(2026, 3, 18),
        error=ValidationError,
    )
    assert "2026-03-18" in error.message
    fired = fire(org, case.id, "record_explanation", "caseworker", none, as_of=D(2026, 3, 19))
    with unit_of_work(org.engine) as session:
        timeline = svc.timeline_of(session, case.id)
    assert timeline.explanation == "none"
    # now the refusal may be drafted (its fields are the outcome's own business)
    with pytest.raises(ValidationError) as caught:
        fire(org, case.id, "decide_without_handling", "caseworker", decision, as_of=D(2026, 3, 19))
    assert "须先要求申请人说明理由" not in caught.value.message


# --- the timing lint ------------------------------------------------------------------------


def _codes(findings) -> dict[str, str]:
    return {f.code: f.severity for f in findings}


def test_the_late_correction_notice_is_a_warning_on_the_letter(org):
    # received Mon 2026-03-02; the notice was due by Wed Mar 11; issued Thu Mar 12
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "request_correction", "caseworker", CORRECTION, as_of=D(2026, 3, 12))
    with unit_of_work(org.engine) as session:
        (letter,) = letter_service.live_letters(
            session, session.get(Case, case.id), "correction_notice"
        )
        findings = {f["code"]: f for f in json.loads(letter.findings)}
    assert findings["late_correction_notice"]["severity"] == "warning"
    assert "2026年3月11日" in findings["late_correction_notice"]["message"]


def test_a_reply_35_working_days_late_and_an_extension_after_the_due_date(org):
    # Due Mon 2026-03-30. 35 WD after it: Mar 31 (1), Apr 1–3 (4), [清明], 7–10 (8), 13–17 (13),
    # 20–24 (18), 27–30 (22), [劳动节 May 1–5], 6–8 (25), Sat May 9 (26), 11–15 (31), 18–21 (35)
    # → Thu May 21.
    case = handling(org, D(2026, 3, 2), D(2026, 3, 3))
    decision = {
        "outcome": "not_exist",
        "fields": {"search_record": "检索了公文系统和档案室，未找到"},
    }
    fire(org, case.id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 20))
    cw = org.user("caseworker")
    with unit_of_work(org.engine) as session:
        on_time = letter_service.preview(
            session, case.id, "reply_not_exist", cw, as_of=D(2026, 3, 30)
        )
        late = letter_service.preview(session, case.id, "reply_not_exist", cw, as_of=D(2026, 5, 21))
        row = session.get(Case, case.id)
        events = svc._event_pairs(session, case.id)
        extension = letter_service.timing_findings(
            session, row, CATALOGUE["extension_notice"], D(2026, 3, 31), events, {}
        )
    assert "late_reply" not in _codes(on_time.findings)
    (finding,) = [f for f in late.findings if f.code == "late_reply"]
    assert finding.severity == "warning" and "迟35个工作日" in finding.message
    # Art 33 ¶2: the extension notice after the due date it extends breaks the law: an error
    assert _codes(extension) == {"late_extension_notice": "error"}


def test_a_date_in_an_unannounced_year_is_flagged_on_the_receipt(org):
    # Received Mon 2026-12-07: 20 WD run into January 2027, whose arrangement is not published
    # (the package is official through 2026): the receipt's due date is a projection.
    case = register(org, arrived_on="2026-12-07")
    with unit_of_work(org.engine) as session:
        preview = letter_service.preview(
            session, case.id, "receipt", org.user("registrar"), as_of=D(2026, 12, 7)
        )
    (finding,) = [f for f in preview.findings if f.code == "provisional_date"]
    assert finding.severity == "warning" and "2027年" in finding.message


@pytest.mark.parametrize(
    "name", ["解放路片区相关被征收人（共3户）", "张三等5人", "某小区业主等十户"]
)
def test_a_group_is_not_one_consulted_party(org, name):
    # Art 32: each party's 15 working days and its silence are its own
    case = handling(org, D(2026, 3, 2), D(2026, 3, 3))
    consult = {"kind": "third_party", "party_name": name, "matters": "房屋征收补偿明细"}
    error = refused(
        org, case.id, "consult", "caseworker", consult, on=D(2026, 3, 3), error=ValidationError
    )
    assert error.field == "party_name" and "逐一登记" in error.message
