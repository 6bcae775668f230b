"""One whole case per outcome, registration to archive, through the services.

Every date below is counted by hand on the 2026 calendar (legal-reference Appendix B: 元旦 Jan
1–3 off, Jan 4 Sun works; 春节 Feb 15–23 off, Feb 14 and Feb 28 Sat work; 清明 Apr 4–6; 劳动节
May 1–5 off, May 9 Sat works; 端午 Jun 19–21; 中秋 Sep 25–27; 国庆 Oct 1–7 off, Sep 20 Sun and
Oct 10 Sat work). The day of receipt is not counted; day 1 is the next working day. The comments
list the working days counted.

Every fire call passes ``as_of`` so the run does not depend on today's date.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Case
from gkcase.services import cases as svc
from gkcase.states.machine import GuardFailed, IllegalTransition, PermissionDenied
from gkcase.states.outcomes import Outcome

from .helpers import fire, register

D = date
KEEP = object()  # "do not check this" in Flow.step
LIFECYCLES: dict[Outcome, str] = {}  # outcome -> the test that takes a case there


def lifecycle(*outcomes):
    """Declare the outcome(s) a test's case ends with (Flow.finish checks it does)."""

    def mark(test):
        for outcome in outcomes:
            assert outcome not in LIFECYCLES, outcome
            LIFECYCLES[outcome] = test.__name__
        return test

    return mark


class Flow:
    """One case, moved step by step; each step checks where the case and its clock now stand."""

    def __init__(self, org, **application):
        self.org = org
        self.case = register(org, **application)

    def step(
        self,
        trigger,
        role,
        payload=None,
        *,
        on,
        to,
        due=KEEP,
        window=KEEP,
        projected=KEEP,
        status=KEEP,
    ):
        fired = fire(self.org, self.case.id, trigger, role, payload, as_of=on)
        self.case = fired.case
        self.expect(to, due=due, window=window, projected=projected, status=status)
        return json.loads(fired.event.payload)

    def expect(self, state, *, due=KEEP, window=KEEP, projected=KEEP, status=KEEP):
        case = self.case
        assert case.state == state
        if due is not KEEP:
            assert case.reply_due == due
        if window is not KEEP:
            assert case.next_window_due == window
        if projected is not KEEP:
            assert case.projected_due == projected
        if status is not KEEP:
            assert case.clock_status == status

    def refused(self, trigger, role, payload=None, *, on, error, reason, field=None):
        with pytest.raises(error) as caught:
            fire(self.org, self.case.id, trigger, role, payload, as_of=on)
        assert reason in caught.value.message
        if field is not None:
            assert caught.value.field == field
        with unit_of_work(self.org.engine) as session:  # nothing was written
            stored = session.get(Case, self.case.id)
            assert (stored.state, stored.version) == (self.case.state, self.case.version)

    def finish(self, outcome, *, at_review):
        """The case is archived with ``outcome`` and its event chain is intact."""
        with unit_of_work(self.org.engine) as session:
            case = session.get(Case, self.case.id)
            triggers = [e.trigger for e in svc.history(session, case)]
            check = svc.verify(session, case.id)
        assert case.state == "archived"
        assert case.outcome == outcome.value
        assert case.clock_status == "stopped" and case.next_window_due is None
        assert check.ok, check.problems
        assert check.events == len(triggers) == case.event_count
        assert ("decide_without_handling" in triggers) is at_review
        if at_review:  # decided at review: never handled
            assert outcome in svc.DECIDABLE_AT_REVIEW and "accept" not in triggers
        return triggers


def reply_tail(flow, *, signed, delivered, post=False):
    """签发 → 送达 → 归档 for a case awaiting signature."""
    stored = flow.step("sign", "office_head", on=signed, to="replied", window=None)
    assert stored["signed_on"] == signed.isoformat()
    assert stored["on_time"] is True  # every reply below is signed by its due date
    assert signed <= flow.case.reply_due
    assert flow.case.replied_on == signed
    if post:
        payload = {
            "method": "post",
            "posted_on": signed.isoformat(),
            "delivered_on": delivered.isoformat(),
            "tracking_number": "1234567890123",
        }
        stored = flow.step("deliver", "registrar", payload, on=delivered, to="delivered")
        assert stored["timepoint"] == signed.isoformat()  # 235号: mail counts from posting
    else:
        payload = {"method": "direct", "delivered_on": delivered.isoformat(), "recipient": "张三"}
        stored = flow.step("deliver", "caseworker", payload, on=delivered, to="delivered")
        assert stored["timepoint"] == delivered.isoformat()
    flow.step("archive", "registrar", {"file_number": "2026-永久-001"}, on=delivered, to="archived")


def decide_at_review(flow, outcome, fields, *, on):
    flow.step(
        "decide_without_handling",
        "caseworker",
        {"outcome": outcome.value, "fields": fields},
        on=on,
        to="drafting",
        window=None,  # review is over: the correction-notice window no longer runs
    )
    # no legal review for these: straight to signing
    flow.refused(
        "submit_for_legal_review",
        "caseworker",
        on=on,
        error=GuardFailed,
        reason="该答复无须法制审核",
    )
    flow.step("submit_for_signing", "caseworker", on=on, to="signing")


def refusal_review(flow, outcome, fields, *, on, approve_on):
    """A refusal (部分公开 / 不予公开) goes to legal review and cannot be signed before approval."""
    flow.step(
        "draft_decision",
        "caseworker",
        {"outcome": outcome.value, "fields": fields},
        on=on,
        to="drafting",
    )
    flow.refused(
        "submit_for_signing",
        "caseworker",
        on=on,
        error=GuardFailed,
        reason="该答复须先经法制审核",
    )
    flow.step("submit_for_legal_review", "caseworker", on=on, to="legal_review")
    flow.refused("sign", "office_head", on=on, error=IllegalTransition, reason="法制审核中")
    flow.refused(
        "approve", "office_head", on=on, error=PermissionDenied, reason="须由法制审核人员操作"
    )
    stored = flow.step(
        "approve", "legal_reviewer", {"comments": "依据充分"}, on=approve_on, to="signing"
    )
    assert stored["draft_version"] == flow.case.draft_version


# --- 予以公开 -----------------------------------------------------------------------------------


@lifecycle(Outcome.ALREADY_PUBLISHED)
def test_already_published_at_review(org):
    # Received in person Mon 2026-01-05. Reply due, 20 WD: Jan 6,7,8,9 (4), 12–16 (9),
    # 19–23 (14), 26–30 (19), Feb 2 (20) → Feb 2. Correction notice, 7 WD: Jan 6–9, 12, 13, 14.
    flow = Flow(org, arrived_on="2026-01-05")
    flow.expect("registered", due=D(2026, 2, 2), window=D(2026, 1, 14), status="running")
    assert flow.case.receipt_date == D(2026, 1, 5)
    flow.step("start_review", "caseworker", on=D(2026, 1, 6), to="reviewing", window=D(2026, 1, 14))
    fields = {"access_method": "已在本机关门户网站政府信息公开专栏主动公开，网址……"}
    decide_at_review(flow, Outcome.ALREADY_PUBLISHED, fields, on=D(2026, 1, 7))
    reply_tail(flow, signed=D(2026, 1, 8), delivered=D(2026, 1, 9))
    assert flow.case.reply_due == D(2026, 2, 2)
    flow.finish(Outcome.ALREADY_PUBLISHED, at_review=True)


@lifecycle(Outcome.DISCLOSED)
def test_disclosed_after_a_fee_is_paid(org):
    # Registered letter arrived Mon Feb 9, signed for Tue Feb 10: receipt = Feb 10 (Art 31(二)).
    # Reply due, 20 WD: Feb 11, 12, 13, 14 (Sat, works) (4), [Feb 15–23 春节], Feb 24–27 (8),
    # Feb 28 (Sat, works) (9), Mar 2–6 (14), Mar 9–13 (19), Mar 16 (20) → Mar 16.
    # Correction notice, 7 WD: Feb 11, 12, 13, 14, 24, 25, 26 → Feb 26.
    flow = Flow(org, channel="signed_mail", arrived_on="2026-02-09", signed_for_on="2026-02-10")
    flow.expect("registered", due=D(2026, 3, 16), window=D(2026, 2, 26))
    assert flow.case.receipt_date == D(2026, 2, 10)
    flow.step("start_review", "caseworker", on=D(2026, 2, 11), to="reviewing")
    flow.step("accept", "caseworker", on=D(2026, 2, 11), to="handling", due=D(2026, 3, 16))
    assert flow.case.next_window_due is None
    # Fee notice sent Thu Feb 12, received Fri Feb 13; 50 pages: 1–30 free, 31–50 at ¥10 = ¥200.
    # Payment window, 20 WD from the day after receipt: Feb 14 (1), Feb 24–27 (5), Feb 28 (6),
    # Mar 2–6 (11), Mar 9–13 (16), Mar 16, 17, 18, 19 (20) → Mar 19.
    # The reply clock pauses from Feb 12: Feb 11, 12 counted (2), 18 left; if the window runs
    # out: Mar 20 (1), 23–27 (6), 30, 31 (8), Apr 1–3 (11), [清明], 7–10 (15), 13, 14, 15 (18).
    notice = {
        "basis": "per_page",
        "payment_method": "到本机关财务室缴纳",
        "quantity": 50,
        "sent_on": "2026-02-12",
        "received_on": "2026-02-13",
    }
    stored = flow.step(
        "issue_fee_notice",
        "caseworker",
        notice,
        on=D(2026, 2, 13),
        to="awaiting_fee",
        due=None,
        projected=D(2026, 4, 15),
        window=D(2026, 3, 19),
        status="paused",
    )
    assert stored["amount"] == 200 and stored["window_due"] == "2026-03-19"
    # Paid Thu Feb 26: pause (Feb 12, Feb 26]; 18 WD left after Feb 26: Feb 27 (1),
    # Feb 28 (2), Mar 2–6 (7), 9–13 (12), 16–20 (17), 23 (18) → Mar 23.
    stored = flow.step(
        "fee_paid",
        "registrar",
        {"paid_on": "2026-02-26", "receipt_number": "财政票据0001"},
        on=D(2026, 2, 26),
        to="handling",
        due=D(2026, 3, 23),
        projected=None,
        window=None,
        status="running",
    )
    assert stored["late"] is False
    flow.step(
        "draft_decision",
        "caseworker",
        {"outcome": "disclosed", "fields": {"access_method": "电子邮件发送PDF扫描件"}},
        on=D(2026, 3, 2),
        to="drafting",
    )
    flow.step("submit_for_signing", "caseworker", on=D(2026, 3, 2), to="signing")
    reply_tail(flow, signed=D(2026, 3, 20), delivered=D(2026, 3, 20))
    flow.finish(Outcome.DISCLOSED, at_review=False)


# --- 部分公开 -----------------------------------------------------------------------------------


@lifecycle(Outcome.PARTIAL)
def test_partially_disclosed_with_correction_consultation_extension_and_return(org):
    # Received in person Mon Mar 2. Reply due, 20 WD: Mar 3–6 (4), 9–13 (9), 16–20 (14),
    # 23–27 (19), 30 (20) → Mar 30. Correction notice, 7 WD: Mar 3–6, 9, 10, 11 → Mar 11.
    flow = Flow(org, arrived_on="2026-03-02")
    flow.expect("registered", due=D(2026, 3, 30), window=D(2026, 3, 11))
    flow.step("start_review", "caseworker", on=D(2026, 3, 3), to="reviewing")
    # Correction notice sent Wed Mar 4; the agency's default period, 10 WD from then: Mar 5, 6,
    # 9–13, 16, 17, 18 → Mar 18. The reply clock waits for the corrected application.
    flow.step(
        "request_correction",
        "caseworker",
        {
            "items": ["请写明所需文件的年份"],
            "guidance": "请补充文件名称或文号",
            "received_on": "2026-03-04",  # handed over: the period runs from the receipt
        },
        on=D(2026, 3, 4),
        to="awaiting_correction",
        due=None,
        window=D(2026, 3, 18),
        status="waiting",
    )
    # Corrected application received Tue Mar 10: the 20 WD restart (Art 30): Mar 11, 12, 13 (3),
    # 16–20 (8), 23–27 (13), 30, 31 (15), Apr 1, 2, 3 (18), [清明 Apr 4–6], Apr 7, 8 (20) → Apr 8.
    flow.step(
        "correction_received",
        "registrar",
        {"received_on": "2026-03-10"},
        on=D(2026, 3, 10),
        to="reviewing",
        due=D(2026, 4, 8),
        window=None,  # the one correction notice is spent: no notice window any more
    )
    flow.step("accept", "caseworker", on=D(2026, 3, 11), to="handling", due=D(2026, 4, 8))
    # Third party consulted Thu Mar 12, receives the letter Fri Mar 13. Its 15 WD: Mar 16–20 (5),
    # 23–27 (10), 30, 31 (12), Apr 1, 2, 3 (15) → Apr 3. Pause from dispatch: Mar 11, 12 counted
    # (2), 18 left; at the latest: Apr 7–10 (4), 13–17 (9), 20–24 (14), 27–30 (18) → Apr 30.
    consultation = {
        "kind": "third_party",
        "party_name": "某某科技有限公司",
        "matters": "拟公开的合同含贵公司报价",
        "sent_on": "2026-03-12",
        "party_received_on": "2026-03-13",
    }
    stored = flow.step(
        "consult",
        "caseworker",
        consultation,
        on=D(2026, 3, 13),
        to="consulting",
        due=None,
        projected=D(2026, 4, 30),
        window=D(2026, 4, 3),
        status="paused",
    )
    consultation_id = stored["consultation_id"]
    # Extended by 10 WD (office head): 28 left after Apr 3: … Apr 30 (18), May 6, 7, 8 (21),
    # May 9 (Sat, works) (22), May 11–15 (27), May 18 (28) → May 18.
    flow.refused(
        "extend",
        "caseworker",
        {"workdays": 10, "reason": "需要调取档案"},
        on=D(2026, 3, 20),
        error=PermissionDenied,
        reason="须由公开工作机构负责人操作",
    )
    flow.step(
        "extend",
        "office_head",
        {"workdays": 10, "reason": "需要调取档案", "approved_on": "2026-03-20"},
        on=D(2026, 3, 20),
        to="consulting",
        due=None,
        projected=D(2026, 5, 18),
    )
    # Objection received Wed Mar 25: pause (Mar 12, Mar 25]; 28 left after Mar 25: Mar 26, 27 (2),
    # 30, 31 (4), Apr 1, 2, 3 (7), 7–10 (11), 13–17 (16), 20–24 (21), 27–30 (25),
    # [May 1–5 劳动节], May 6, 7, 8 (28) → May 8.
    stored = flow.step(
        "consultation_done",
        "caseworker",
        {
            "consultation_id": consultation_id,
            "opinion": "object",
            "opinion_received_on": "2026-03-25",
        },
        on=D(2026, 3, 25),
        to="handling",
        due=D(2026, 5, 8),
        projected=None,
        window=None,
        status="running",
    )
    assert stored["deemed_consent"] is False and stored["ended_on"] == "2026-03-25"
    fields = {
        "access_method": "提供合同文本（隐去报价部分）复印件",
        "grounds": [
            {
                "ground": "third_party",
                "reasons": "报价属第三方商业秘密，第三方不同意公开",
                "part": "报价",
            }
        ],
    }
    refusal_review(flow, Outcome.PARTIAL, fields, on=D(2026, 3, 26), approve_on=D(2026, 3, 27))
    # …and an approval is for one draft: legal returns it, the redraft needs approval again.
    flow.step("send_back", "office_head", {"comments": "请核对"}, on=D(2026, 3, 30), to="drafting")
    flow.refused(
        "submit_for_signing",
        "caseworker",
        on=D(2026, 3, 30),
        error=GuardFailed,
        reason="须先经法制审核",
    )
    flow.step("submit_for_legal_review", "caseworker", on=D(2026, 3, 30), to="legal_review")
    flow.step(
        "return_draft",
        "legal_reviewer",
        {"comments": "请逐项说明不予公开的内容"},
        on=D(2026, 3, 31),
        to="handling",
        due=D(2026, 5, 8),
    )
    assert flow.case.approved_draft_version is None
    refusal_review(flow, Outcome.PARTIAL, fields, on=D(2026, 4, 1), approve_on=D(2026, 4, 2))
    assert flow.case.draft_version == 2
    reply_tail(flow, signed=D(2026, 5, 7), delivered=D(2026, 5, 11), post=True)
    assert flow.case.reply_due == D(2026, 5, 8)
    flow.finish(Outcome.PARTIAL, at_review=False)


# --- 不予公开 1–8 -------------------------------------------------------------------------------


def _consult_third_party(flow):
    # Received Mon Sep 14; letter sent Tue Sep 15, received Wed Sep 16. Third party's 15 WD:
    # Sep 17, 18 (2), Sep 20 (Sun, works) (3), 21–24 (7), [Sep 25–27 中秋], 28–30 (10),
    # [Oct 1–7 国庆], Oct 8, 9 (12), Oct 10 (Sat, works) (13), 12, 13 (15) → Oct 13.
    # Pause from Sep 15: Sep 15 counted (1), 19 left; at the latest after Oct 13: Oct 14–16 (3),
    # 19–23 (8), 26–30 (13), Nov 2–6 (18), Nov 9 (19) → Nov 9.
    stored = flow.step(
        "consult",
        "caseworker",
        {
            "kind": "third_party",
            "party_name": "李四",
            "matters": "拟公开信息涉及您的个人信息",
            "sent_on": "2026-09-15",
            "party_received_on": "2026-09-16",
        },
        on=D(2026, 9, 16),
        to="consulting",
        due=None,
        projected=D(2026, 11, 9),
        window=D(2026, 10, 13),
    )
    # Objection received Tue Sep 29: pause (Sep 15, Sep 29]; 19 left after Sep 29: Sep 30 (1),
    # Oct 8, 9 (3), Oct 10 (4), 12–16 (9), 19–23 (14), 26–30 (19) → Oct 30.
    flow.step(
        "consultation_done",
        "caseworker",
        {
            "consultation_id": stored["consultation_id"],
            "opinion": "object",
            "opinion_received_on": "2026-09-29",
        },
        on=D(2026, 9, 29),
        to="handling",
        due=D(2026, 10, 30),
        window=None,
    )


def _extend_twenty(flow):
    # Received Wed May 6; due (20 WD): May 7, 8 (2), May 9 (Sat, works) (3), 11–15 (8),
    # 18–22 (13), 25–29 (18), Jun 1, 2 (20) → Jun 2. Extended 20 WD: Jun 3, 4, 5 (23),
    # 8–12 (28), 15–18 (32), [Jun 19 端午], 22–26 (37), 29, 30 (39), Jul 1 (40) → Jul 1.
    flow.step(
        "extend",
        "office_head",
        {"workdays": 20, "reason": "案卷数量大，需逐页审查"},
        on=D(2026, 5, 20),
        to="handling",
        due=D(2026, 7, 1),
    )


def _grounds(ground):
    return {"grounds": [{"ground": ground, "reasons": "经审查，该信息依法不予公开"}]}


WITHHELD = [
    # (outcome, fields, application, due at registration, correction-notice window, hook, due at
    # the end, signed on)
    pytest.param(
        # Wed Apr 1: Apr 2, 3 (2), [清明 Apr 4–6], 7–10 (6), 13–17 (11), 20–24 (16), 27–30 (20).
        # Notice window: Apr 2, 3, 7, 8, 9, 10, 13 → Apr 13.
        Outcome.WITHHELD_STATE_SECRET,
        _grounds("state_secret"),
        {"arrived_on": "2026-04-01"},
        D(2026, 4, 30),
        D(2026, 4, 13),
        None,
        D(2026, 4, 30),
        D(2026, 4, 29),
        id="state_secret",
    ),
    pytest.param(
        # Fri Apr 24: Apr 27–30 (4), [May 1–5], May 6, 7, 8 (7), May 9 (Sat) (8), 11–15 (13),
        # 18–22 (18), 25, 26 (20) → May 26. Notice window: Apr 27–30, May 6, 7, 8 → May 8.
        Outcome.WITHHELD_PROHIBITED_BY_LAW,
        _grounds("prohibited_by_law"),
        {"arrived_on": "2026-04-24"},
        D(2026, 5, 26),
        D(2026, 5, 8),
        None,
        D(2026, 5, 26),
        D(2026, 5, 26),
        id="prohibited_by_law",
    ),
    pytest.param(
        # Wed Jun 10: Jun 11, 12 (2), 15–18 (6), [Jun 19 端午], 22–26 (11), 29, 30 (13),
        # Jul 1, 2, 3 (16), 6–9 (20) → Jul 9. Notice window: Jun 11, 12, 15–18, 22 → Jun 22.
        Outcome.WITHHELD_SECURITY_STABILITY,
        _grounds("security_stability"),
        {"arrived_on": "2026-06-10"},
        D(2026, 7, 9),
        D(2026, 6, 22),
        None,
        D(2026, 7, 9),
        D(2026, 7, 1),
        id="security_stability",
    ),
    pytest.param(
        # Mon Sep 14: Sep 15–18 (4), Sep 20 (Sun, works) (5), 21–24 (9), [中秋], 28–30 (12),
        # [国庆], Oct 8, 9 (14), Oct 10 (Sat) (15), 12–16 (20) → Oct 16.
        # Notice window: Sep 15–18, 20, 21, 22 → Sep 22.
        Outcome.WITHHELD_THIRD_PARTY,
        _grounds("third_party"),
        {"arrived_on": "2026-09-14"},
        D(2026, 10, 16),
        D(2026, 9, 22),
        _consult_third_party,
        D(2026, 10, 30),
        D(2026, 10, 29),
        id="third_party",
    ),
    pytest.param(
        # Online, arrived Mon Jul 20, confirmed by both sides Tue Jul 21 (Art 31(三)):
        # Jul 22, 23, 24 (3), 27–31 (8), Aug 3–7 (13), 10–14 (18), 17, 18 (20) → Aug 18.
        # Notice window: Jul 22, 23, 24, 27–30 → Jul 30.
        Outcome.WITHHELD_INTERNAL_AFFAIRS,
        _grounds("internal_affairs"),
        {"channel": "internet", "arrived_on": "2026-07-20", "confirmed_on": "2026-07-21"},
        D(2026, 8, 18),
        D(2026, 7, 30),
        None,
        D(2026, 8, 18),
        D(2026, 8, 10),
        id="internal_affairs",
    ),
    pytest.param(
        # Tue Dec 1: Dec 2, 3, 4 (3), 7–11 (8), 14–18 (13), 21–25 (18), 28, 29 (20) → Dec 29.
        # Notice window: Dec 2, 3, 4, 7, 8, 9, 10 → Dec 10.
        Outcome.WITHHELD_PROCESS_INFO,
        _grounds("process_info"),
        {"arrived_on": "2026-12-01"},
        D(2026, 12, 29),
        D(2026, 12, 10),
        None,
        D(2026, 12, 29),
        D(2026, 12, 28),
        id="process_info",
    ),
    pytest.param(
        # Wed May 6 → Jun 2, extended by 20 WD → Jul 1 (see _extend_twenty).
        # Notice window: May 7, 8, 9 (Sat), 11, 12, 13, 14 → May 14.
        Outcome.WITHHELD_ENFORCEMENT_FILE,
        _grounds("enforcement_file"),
        {"arrived_on": "2026-05-06"},
        D(2026, 6, 2),
        D(2026, 5, 14),
        _extend_twenty,
        D(2026, 7, 1),
        D(2026, 6, 30),
        id="enforcement_file",
    ),
    pytest.param(
        # Mon Nov 2: Nov 3–6 (4), 9–13 (9), 16–20 (14), 23–27 (19), 30 (20) → Nov 30.
        # Notice window: Nov 3, 4, 5, 6, 9, 10, 11 → Nov 11.
        Outcome.WITHHELD_ADMIN_QUERY,
        {
            **_grounds("admin_query"),
            "special_regime": "《不动产登记暂行条例》：请向不动产登记中心查询",
        },
        {"arrived_on": "2026-11-02"},
        D(2026, 11, 30),
        D(2026, 11, 11),
        None,
        D(2026, 11, 30),
        D(2026, 11, 20),
        id="admin_query",
    ),
]


@lifecycle(*(param.values[0] for param in WITHHELD))
@pytest.mark.parametrize(
    ("outcome", "fields", "application", "due", "window", "hook", "final_due", "signed"),
    WITHHELD,
)
def test_withheld(org, outcome, fields, application, due, window, hook, final_due, signed):
    flow = Flow(org, **application)
    flow.expect("registered", due=due, window=window, status="running")
    received = flow.case.receipt_date
    flow.step("start_review", "caseworker", on=received, to="reviewing", window=window)
    # a refusal needs handling (search, consultation): it cannot be decided at review
    flow.refused(
        "decide_without_handling",
        "caseworker",
        {"outcome": outcome.value, "fields": fields},
        on=received,
        error=ValidationError,
        reason="须经办理",
        field="outcome",
    )
    flow.step("accept", "caseworker", on=received, to="handling", due=due, window=None)
    if hook is not None:
        hook(flow)
    assert flow.case.reply_due == final_due
    refusal_review(flow, outcome, fields, on=signed, approve_on=signed)
    reply_tail(flow, signed=signed, delivered=signed)
    assert flow.case.reply_due == final_due and not flow.case.due_provisional
    flow.finish(outcome, at_review=False)


# --- 无法提供 1–3 -------------------------------------------------------------------------------


@lifecycle(Outcome.NOT_EXIST)
def test_not_exist(org):
    # Mon Aug 3: Aug 4–7 (4), 10–14 (9), 17–21 (14), 24–28 (19), 31 (20) → Aug 31.
    # Notice window: Aug 4, 5, 6, 7, 10, 11, 12 → Aug 12.
    flow = Flow(org, arrived_on="2026-08-03")
    flow.expect("registered", due=D(2026, 8, 31), window=D(2026, 8, 12))
    flow.step("start_review", "caseworker", on=D(2026, 8, 4), to="reviewing")
    flow.step("accept", "caseworker", on=D(2026, 8, 4), to="handling", due=D(2026, 8, 31))
    # Art 36(四) needs the search on file (the agency must prove an adequate search)
    flow.refused(
        "draft_decision",
        "caseworker",
        {"outcome": "not_exist", "fields": {"search_record": "  "}},
        on=D(2026, 8, 10),
        error=ValidationError,
        reason="须填写检索记录",
        field="search_record",
    )
    fields = {"search_record": "2026-08-10 检索文书档案系统、OA系统，关键词……，未检索到"}
    flow.step(
        "draft_decision",
        "caseworker",
        {"outcome": "not_exist", "fields": fields},
        on=D(2026, 8, 10),
        to="drafting",
    )
    flow.step("submit_for_signing", "caseworker", on=D(2026, 8, 10), to="signing")
    reply_tail(flow, signed=D(2026, 8, 31), delivered=D(2026, 9, 1))
    flow.finish(Outcome.NOT_EXIST, at_review=False)


@lifecycle(Outcome.NOT_THIS_AGENCY)
def test_not_this_agency_at_review(org):
    # Fax arrived Fri Mar 20, both sides confirmed Mon Mar 23 (Art 31(三)): Mar 24–27 (4),
    # 30, 31 (6), Apr 1, 2, 3 (9), [清明 Apr 4–6], 7–10 (13), 13–17 (18), 20, 21 (20) → Apr 21.
    # Notice window: Mar 24, 25, 26, 27, 30, 31, Apr 1 → Apr 1.
    flow = Flow(org, channel="fax", arrived_on="2026-03-20", confirmed_on="2026-03-23")
    flow.expect("registered", due=D(2026, 4, 21), window=D(2026, 4, 1))
    assert flow.case.receipt_date == D(2026, 3, 23)
    flow.step("start_review", "caseworker", on=D(2026, 3, 24), to="reviewing")
    fields = {
        "reasons": "所申请信息由市住房和城乡建设局制作并保存",
        "responsible_agency": "某市住房和城乡建设局",
        "responsible_agency_contact": "0000-87654321",
    }
    decide_at_review(flow, Outcome.NOT_THIS_AGENCY, fields, on=D(2026, 3, 25))
    reply_tail(flow, signed=D(2026, 3, 26), delivered=D(2026, 3, 27))
    flow.finish(Outcome.NOT_THIS_AGENCY, at_review=True)


@lifecycle(Outcome.NEEDS_CREATION)
def test_needs_creation(org):
    # Mon Jun 15: Jun 16, 17, 18 (3), [Jun 19 端午], 22–26 (8), 29, 30 (10), Jul 1, 2, 3 (13),
    # 6–10 (18), 13, 14 (20) → Jul 14. Notice window: Jun 16, 17, 18, 22, 23, 24, 25 → Jun 25.
    flow = Flow(org, arrived_on="2026-06-15")
    flow.expect("registered", due=D(2026, 7, 14), window=D(2026, 6, 25))
    flow.step("start_review", "caseworker", on=D(2026, 6, 16), to="reviewing")
    flow.step("accept", "caseworker", on=D(2026, 6, 16), to="handling")
    flow.step(
        "draft_decision",
        "caseworker",
        {"outcome": "needs_creation", "fields": {"reasons": "需对多年数据进行汇总统计分析"}},
        on=D(2026, 7, 13),
        to="drafting",
    )
    flow.step("submit_for_signing", "caseworker", on=D(2026, 7, 13), to="signing")
    reply_tail(flow, signed=D(2026, 7, 14), delivered=D(2026, 7, 15), post=True)
    flow.finish(Outcome.NEEDS_CREATION, at_review=False)


@lifecycle(Outcome.STILL_UNCLEAR)
def test_still_unclear_after_correction(org):
    # Fri Oct 9: Oct 10 (Sat, works) (1), 12–16 (6), 19–23 (11), 26–30 (16), Nov 2–5 (20)
    # → Nov 5. Notice window, 7 WD: Oct 10, 12, 13, 14, 15, 16, 19 → Oct 19.
    flow = Flow(org, arrived_on="2026-10-09")
    flow.expect("registered", due=D(2026, 11, 5), window=D(2026, 10, 19))
    flow.step("start_review", "caseworker", on=D(2026, 10, 12), to="reviewing")
    # 「补正后仍不明确」 needs a correction first
    flow.refused(
        "decide_without_handling",
        "caseworker",
        {"outcome": "still_unclear", "fields": {"correction_notice": "x", "reasons": "y"}},
        on=D(2026, 10, 12),
        error=ValidationError,
        reason="须先经补正",
        field="outcome",
    )
    # Notice sent Mon Oct 12; 10 WD from then: Oct 13–16 (4), 19–23 (9), 26 (10) → Oct 26.
    stored = flow.step(
        "request_correction",
        "caseworker",
        {
            "items": ["所需信息的名称或文号"],
            "guidance": "请写明具体文件",
            "received_on": "2026-10-12",
        },
        on=D(2026, 10, 12),
        to="awaiting_correction",
        due=None,
        window=D(2026, 10, 26),
        status="waiting",
    )
    assert stored["notice_due"] == "2026-10-19" and stored["late"] is False
    # Corrected Mon Oct 19: Oct 20–23 (4), 26–30 (9), Nov 2–6 (14), 9–13 (19), 16 (20) → Nov 16.
    flow.step(
        "correction_received",
        "caseworker",
        {"received_on": "2026-10-19"},
        on=D(2026, 10, 19),
        to="reviewing",
        due=D(2026, 11, 16),
        window=None,
    )
    fields = {"correction_notice": "某发改公开补〔2026〕1号", "reasons": "补正后仍未能指明所需信息"}
    decide_at_review(flow, Outcome.STILL_UNCLEAR, fields, on=D(2026, 10, 20))
    reply_tail(flow, signed=D(2026, 10, 21), delivered=D(2026, 10, 22))
    flow.finish(Outcome.STILL_UNCLEAR, at_review=True)


# --- 不予处理 1–5 -------------------------------------------------------------------------------


@lifecycle(Outcome.PETITION)
def test_petition_at_review(org):
    # Wed Jul 1: Jul 2, 3 (2), 6–10 (7), 13–17 (12), 20–24 (17), 27, 28, 29 (20) → Jul 29.
    # Notice window: Jul 2, 3, 6, 7, 8, 9, 10 → Jul 10.
    flow = Flow(org, arrived_on="2026-07-01")
    flow.expect("registered", due=D(2026, 7, 29), window=D(2026, 7, 10))
    flow.step("start_review", "caseworker", on=D(2026, 7, 2), to="reviewing")
    fields = {"proper_channel": "某市信访局，地址……"}
    decide_at_review(flow, Outcome.PETITION, fields, on=D(2026, 7, 3))
    reply_tail(flow, signed=D(2026, 7, 6), delivered=D(2026, 7, 7))
    flow.finish(Outcome.PETITION, at_review=True)


@lifecycle(Outcome.REPEAT_APPLICATION)
def test_repeat_application_at_review(org):
    # Fri Jan 30: Feb 2–6 (5), 9–13 (10), Feb 14 (Sat, works) (11), [Feb 15–23 春节],
    # 24–27 (15), Feb 28 (Sat, works) (16), Mar 2–5 (20) → Mar 5.
    # Notice window: Feb 2, 3, 4, 5, 6, 9, 10 → Feb 10.
    flow = Flow(org, arrived_on="2026-01-30")
    flow.expect("registered", due=D(2026, 3, 5), window=D(2026, 2, 10))
    flow.step("start_review", "caseworker", on=D(2026, 2, 2), to="reviewing")
    decide_at_review(
        flow, Outcome.REPEAT_APPLICATION, {"previous_case": "FGW-2025-00042"}, on=D(2026, 2, 3)
    )
    reply_tail(flow, signed=D(2026, 2, 14), delivered=D(2026, 2, 24))
    flow.finish(Outcome.REPEAT_APPLICATION, at_review=True)


@lifecycle(Outcome.PUBLICATION)
def test_publication_by_ordinary_letter(org):
    # An ordinary letter arrives Fri May 8: no receipt date until the office confirms with the
    # applicant (Art 31(二)); confirmed Mon May 11. Due: May 12–15 (4), 18–22 (9), 25–29 (14),
    # Jun 1–5 (19), Jun 8 (20) → Jun 8. Notice window: May 12–15, 18, 19, 20 → May 20.
    flow = Flow(org, channel="ordinary_letter", arrived_on="2026-05-08")
    # Art 31(二): an ordinary letter is confirmed the day it arrives: the window is May 8 itself
    flow.expect("received", due=None, window=D(2026, 5, 8), status="waiting")
    assert flow.case.receipt_date is None
    stored = flow.step(
        "confirm",
        "registrar",
        {"confirmed_on": "2026-05-11", "how": "电话"},
        on=D(2026, 5, 11),
        to="registered",
        due=D(2026, 6, 8),
        window=D(2026, 5, 20),
        status="running",
    )
    # confirmed on the next working day, not the day it arrived: recorded as late (a lapse)
    assert stored["confirmation_due"] == "2026-05-08" and stored["late"] is True
    assert flow.case.receipt_date == D(2026, 5, 11)
    flow.step("start_review", "office_head", on=D(2026, 5, 12), to="reviewing")
    fields = {"access_method": "该书已公开出版，可在市图书馆借阅"}
    decide_at_review(flow, Outcome.PUBLICATION, fields, on=D(2026, 5, 12))
    reply_tail(flow, signed=D(2026, 5, 13), delivered=D(2026, 5, 14))
    flow.finish(Outcome.PUBLICATION, at_review=True)


@lifecycle(Outcome.EXCESSIVE)
def test_excessive_requests_at_review(org):
    # Mon Mar 16: Mar 17–20 (4), 23–27 (9), 30, 31 (11), Apr 1, 2, 3 (14), [清明 Apr 4–6],
    # 7–10 (18), 13, 14 (20) → Apr 14. Notice window: Mar 17–20, 23, 24, 25 → Mar 25.
    flow = Flow(org, arrived_on="2026-03-16")
    flow.expect("registered", due=D(2026, 4, 14), window=D(2026, 3, 25))
    flow.step("start_review", "caseworker", on=D(2026, 3, 17), to="reviewing")
    fields = {"explanation_request": "某发改公开说〔2026〕3号", "reasons": "未说明合理理由"}
    # Art 35: the applicant must first be asked for reasons
    flow.refused(
        "decide_without_handling",
        "caseworker",
        {"outcome": "excessive_requests", "fields": fields},
        on=D(2026, 3, 17),
        error=ValidationError,
        reason="须先要求申请人说明理由",
        field="outcome",
    )
    flow.step(
        "request_reasons",
        "caseworker",
        {"matters": "一个月内申请120件，请说明理由"},
        on=D(2026, 3, 17),
        to="reviewing",
        due=D(2026, 4, 14),  # asking for reasons does not stop the clock
    )
    # Art 35: not before the applicant could answer — the explanation, found unreasonable
    flow.step(
        "record_explanation",
        "caseworker",
        {"finding": "unreasonable", "received_on": "2026-03-27", "summary": "未说明用途"},
        on=D(2026, 3, 27),
        to="reviewing",
        due=D(2026, 4, 14),
    )
    decide_at_review(flow, Outcome.EXCESSIVE, fields, on=D(2026, 3, 31))
    reply_tail(flow, signed=D(2026, 4, 1), delivered=D(2026, 4, 2))
    flow.finish(Outcome.EXCESSIVE, at_review=True)


@lifecycle(Outcome.CONFIRM_OR_REISSUE)
def test_confirm_or_reissue_at_review(org):
    # Wed Sep 30: [Oct 1–7 国庆], Oct 8, 9 (2), Oct 10 (Sat, works) (3), 12–16 (8), 19–23 (13),
    # 26–30 (18), Nov 2, 3 (20) → Nov 3. Notice window: Oct 8, 9, 10, 12, 13, 14, 15 → Oct 15.
    flow = Flow(org, arrived_on="2026-09-30")
    flow.expect("registered", due=D(2026, 11, 3), window=D(2026, 10, 15))
    flow.step("start_review", "caseworker", on=D(2026, 10, 8), to="reviewing")
    fields = {"reasons": "申请人要求对已获取的文件加盖印章予以确认"}
    decide_at_review(flow, Outcome.CONFIRM_OR_REISSUE, fields, on=D(2026, 10, 9))
    reply_tail(flow, signed=D(2026, 10, 10), delivered=D(2026, 10, 12))
    flow.finish(Outcome.CONFIRM_OR_REISSUE, at_review=True)


# --- 其他处理 1–3: closed without a reply, then archived --------------------------------------------


@lifecycle(Outcome.CLOSED_NO_CORRECTION)
def test_closed_when_no_correction_arrives(org):
    # Tue Apr 28: due Apr 29, 30 (2), [May 1–5], May 6, 7, 8 (5), May 9 (Sat, works) (6),
    # 11–15 (11), 18–22 (16), 25–28 (20) → May 28. Notice window: Apr 29, 30, May 6, 7, 8, 9,
    # 11 → May 11.
    flow = Flow(org, arrived_on="2026-04-28")
    flow.expect("registered", due=D(2026, 5, 28), window=D(2026, 5, 11))
    flow.step("start_review", "caseworker", on=D(2026, 4, 29), to="reviewing")
    # Notice sent Wed Apr 29, received by the applicant Thu Apr 30; 5 WD to correct, counted
    # from its receipt: May 6, 7, 8 (3), May 9 (Sat, works) (4), May 11 (5) → May 11.
    stored = flow.step(
        "request_correction",
        "caseworker",
        {
            "items": ["申请人身份证明"],
            "guidance": "请提交身份证复印件",
            "period_workdays": 5,
            "sent_on": "2026-04-29",
            "received_on": "2026-04-30",
        },
        on=D(2026, 4, 30),
        to="awaiting_correction",
        due=None,
        window=D(2026, 5, 11),
        status="waiting",
    )
    assert stored["period_due"] == "2026-05-11"
    flow.refused(
        "correction_lapsed",
        "caseworker",
        on=D(2026, 5, 11),  # the period's last day: still in time
        error=GuardFailed,
        reason="补正期限尚未届满",
    )
    stored = flow.step(
        "correction_lapsed",
        "caseworker",
        on=D(2026, 5, 12),
        to="closed",
        due=None,
        window=None,
        status="stopped",
    )
    assert stored["outcome"] == "closed_no_correction"
    assert flow.case.closed_on == D(2026, 5, 12)
    assert json.loads(flow.case.decision) == {"correction_notice": "2026-04-29"}
    flow.step("archive", "caseworker", on=D(2026, 5, 13), to="archived")
    flow.finish(Outcome.CLOSED_NO_CORRECTION, at_review=False)


@lifecycle(Outcome.CLOSED_FEE_UNPAID)
def test_closed_when_the_fee_is_not_paid(org):
    # Mon Jul 6: Jul 7–10 (4), 13–17 (9), 20–24 (14), 27–31 (19), Aug 3 (20) → Aug 3.
    # Notice window: Jul 7, 8, 9, 10, 13, 14, 15 → Jul 15.
    flow = Flow(org, arrived_on="2026-07-06")
    flow.expect("registered", due=D(2026, 8, 3), window=D(2026, 7, 15))
    flow.step("start_review", "caseworker", on=D(2026, 7, 7), to="reviewing")
    flow.step("accept", "caseworker", on=D(2026, 7, 7), to="handling")
    # 15 items, the applicant's first this month: 1–10 free, 11–15 at ¥100 = ¥500 (109号 Art 4).
    # Sent Wed Jul 8, received Thu Jul 9; window from Fri Jul 10: Jul 10 (1), 13–17 (6),
    # 20–24 (11), 27–31 (16), Aug 3–6 (20) → Aug 6. Pause from Jul 8: Jul 7, 8 counted (2),
    # 18 left; at the latest after Aug 6: Aug 7 (1), 10–14 (6), 17–21 (11), 24–28 (16),
    # 31 (17), Sep 1 (18) → Sep 1.
    stored = flow.step(
        "issue_fee_notice",
        "caseworker",
        {
            "basis": "per_item",
            "payment_method": "到本机关财务室缴纳",
            "quantity": 15,
            "sent_on": "2026-07-08",
            "received_on": "2026-07-09",
        },
        on=D(2026, 7, 9),
        to="awaiting_fee",
        due=None,
        projected=D(2026, 9, 1),
        window=D(2026, 8, 6),
    )
    assert stored["amount"] == 500 and stored["window_due"] == "2026-08-06"
    flow.refused(
        "fee_lapsed", "caseworker", on=D(2026, 8, 6), error=GuardFailed, reason="缴费期限尚未届满"
    )
    stored = flow.step(
        "fee_lapsed", "caseworker", on=D(2026, 8, 7), to="closed", window=None, status="stopped"
    )
    assert stored["outcome"] == "closed_fee_unpaid"
    # The pause ended with the window: the clock facts stay consistent (Sep 1, as projected).
    assert flow.case.reply_due == D(2026, 9, 1)
    assert flow.case.closed_on == D(2026, 8, 7)
    flow.step("archive", "registrar", on=D(2026, 8, 10), to="archived")
    flow.finish(Outcome.CLOSED_FEE_UNPAID, at_review=False)


@lifecycle(Outcome.CLOSED_OTHER)
def test_closed_when_the_applicant_withdraws(org):
    # Online, arrived and confirmed Tue Feb 24: Feb 25, 26, 27 (3), Feb 28 (Sat, works) (4),
    # Mar 2–6 (9), 9–13 (14), 16–20 (19), 23 (20) → Mar 23.
    # Notice window: Feb 25, 26, 27, 28, Mar 2, 3, 4 → Mar 4.
    flow = Flow(org, channel="internet", arrived_on="2026-02-24", confirmed_on="2026-02-24")
    flow.expect("registered", due=D(2026, 3, 23), window=D(2026, 3, 4))
    flow.step("start_review", "caseworker", on=D(2026, 2, 25), to="reviewing")
    flow.step("accept", "caseworker", on=D(2026, 2, 25), to="handling")
    # Co-producer consulted Thu Feb 26, received Fri Feb 27; its 15 WD: Feb 28 (1), Mar 2–6 (6),
    # 9–13 (11), 16–19 (15) → Mar 19.
    flow.step(
        "consult",
        "caseworker",
        {
            "kind": "co_producer",
            "party_name": "某市生态环境局",
            "matters": "共同制作的文件",
            "sent_on": "2026-02-26",
            "party_received_on": "2026-02-27",
        },
        on=D(2026, 2, 27),
        to="consulting",
        due=None,
        window=D(2026, 3, 19),
    )
    flow.refused(
        "withdraw",
        "registrar",
        {"withdrawn_on": "2026-02-20", "how": "书面撤回"},
        on=D(2026, 3, 5),
        error=ValidationError,
        reason="不能早于申请到达日期",
        field="withdrawn_on",
    )
    stored = flow.step(
        "withdraw",
        "registrar",
        {"withdrawn_on": "2026-03-05", "how": "书面撤回"},
        on=D(2026, 3, 5),
        to="closed",
        window=None,
        status="stopped",
    )
    assert stored["outcome"] == "closed_other"
    assert flow.case.closed_on == D(2026, 3, 5)
    flow.step("archive", "caseworker", on=D(2026, 3, 6), to="archived")
    flow.finish(Outcome.CLOSED_OTHER, at_review=False)


# --- across the lifecycles ---------------------------------------------------------------------


def test_every_outcome_has_a_lifecycle():
    assert len(Outcome) == 23
    assert set(LIFECYCLES) == set(Outcome), sorted(set(Outcome) - set(LIFECYCLES))


def test_the_review_stage_outcomes_are_exactly_those_decided_without_handling():
    decided_at_review = {
        Outcome.ALREADY_PUBLISHED,
        Outcome.NOT_THIS_AGENCY,
        Outcome.STILL_UNCLEAR,
        Outcome.PETITION,
        Outcome.REPEAT_APPLICATION,
        Outcome.PUBLICATION,
        Outcome.EXCESSIVE,
        Outcome.CONFIRM_OR_REISSUE,
    }
    assert set(svc.DECIDABLE_AT_REVIEW) == decided_at_review


@pytest.mark.parametrize("outcome", ["closed_no_correction", "closed_fee_unpaid", "closed_other"])
def test_closing_outcomes_cannot_be_drafted(org, outcome):
    flow = Flow(org)
    flow.step("start_review", "caseworker", on=D(2026, 3, 3), to="reviewing")
    flow.step("accept", "caseworker", on=D(2026, 3, 3), to="handling")
    flow.refused(
        "draft_decision",
        "caseworker",
        {"outcome": outcome, "fields": {"reasons": "x"}},
        on=D(2026, 3, 3),
        error=ValidationError,
        reason="不能直接拟定",
        field="outcome",
    )
