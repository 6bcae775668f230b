"""Letters are acts of the case (签发 is the agency's one accountable act).

Every letter is issued by the event it belongs to, in that event's unit of work, and the event
records it (kind, 文号, date, file hashes) so it is in the hash chain; a repeated request gets the
same letter; a correction voids a letter with a reason and issues it again; an extension is its
approval and its notice; disclosure over a third party's objection needs the public-interest
finding, legal review and the notice to the party. Expected dates are counted by hand from the
2026 calendar (legal-reference Appendix B: 清明 4月4日–6日 off).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date as D

import pytest
from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import Case, CaseEvent, Consultation, Letter
from gkcase.services import cases
from gkcase.services import letters as service
from gkcase.states.machine import GuardFailed, IllegalTransition, PermissionDenied

from .helpers import fire, register

DISCLOSED = {"outcome": "disclosed", "fields": {"access_method": "随本答复书以电子邮件方式提供"}}


def _letters(org, case_id):
    with unit_of_work(org.engine) as session:
        rows = list(session.exec(select(Letter).where(Letter.case_id == case_id)))
        for row in rows:
            session.expunge(row)
        return rows


def _events(org, case_id):
    with unit_of_work(org.engine) as session:
        rows = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
        return [(e.trigger, json.loads(e.payload), e.actor_name) for e in rows]


def fire_keyed(org, case_id, trigger, role, version, key, payload=None):
    """Fire as a client that sends a request key (the form's, or ``Idempotency-Key``)."""
    with unit_of_work(org.engine) as session:
        return cases.fire(
            session,
            case_id,
            trigger,
            org.user(role),
            payload,
            version,
            as_of=D(2026, 3, 11),
            request_key=key,
        )


def _handling(org):
    case = register(org)  # in person, Mon 2026-03-02: due 2026-03-30 (20 working days)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    return case


def _to_signing(org, decision=DISCLOSED):
    case = _handling(org)
    fire(org, case.id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 10))
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    return case


def _verified(org, case_id):
    with unit_of_work(org.engine) as session:
        check = cases.verify(session, case_id)
    assert check.ok, check.problems


# --- issued only by the act, recorded in its event -----------------------------------------


def test_each_notice_is_issued_by_its_act_and_recorded_in_the_event(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    items = {
        "items": ["所需文件的年份"],
        "guidance": "请写明文件名称或文号",
        "sent_on": "2026-03-04",
    }
    fire(org, case.id, "request_correction", "caseworker", items, as_of=D(2026, 3, 5))
    [letter] = _letters(org, case.id)
    # dated the day the notice went out, not the day it was recorded
    assert (letter.kind, letter.number, letter.issued_on) == (
        "correction_notice",
        "某发改公开补〔2026〕1号",
        D(2026, 3, 4),
    )
    trigger, payload, actor = _events(org, case.id)[-1]
    assert trigger == "request_correction" and actor == org.user("caseworker").full_name
    assert payload["letters"] == [
        {
            "letter_id": letter.id,
            "kind": "correction_notice",
            "number": "某发改公开补〔2026〕1号",
            "issued_on": "2026-03-04",
            "html_sha256": letter.html_sha256,
            "docx_sha256": letter.docx_sha256,
            "pdf_sha256": letter.pdf_sha256,
        }
    ]
    _verified(org, case.id)


def test_no_letter_can_be_issued_outside_its_act(org):
    case = _handling(org)
    fire(org, case.id, "draft_decision", "caseworker", DISCLOSED, as_of=D(2026, 3, 10))
    with unit_of_work(org.engine) as session:
        for role in ("registrar", "caseworker", "legal_reviewer", "office_head"):
            with pytest.raises(service.IssuedByAct) as caught:
                service.request_letter(
                    session, case.id, "reply_disclosed", org.user(role), as_of=D(2026, 3, 10)
                )
            assert caught.value.code == "letter.issued_by_act"
            assert "签发" in caught.value.message
    assert not hasattr(service, "issue")  # the old side door is gone
    assert _letters(org, case.id) == []


def test_only_the_roles_of_the_act_issue_its_letter(org):
    case = register(org)
    with unit_of_work(org.engine) as session, pytest.raises(PermissionDenied):
        service.request_letter(
            session, case.id, "receipt", org.user("legal_reviewer"), as_of=D(2026, 3, 2)
        )
    assert _letters(org, case.id) == []
    signing = _to_signing(org)
    for role in ("registrar", "caseworker", "legal_reviewer"):
        with pytest.raises(PermissionDenied):  # 签发 is the office head's
            fire(org, signing.id, "sign", role, as_of=D(2026, 3, 11))
    assert _letters(org, signing.id) == []


def test_twenty_parallel_receipt_requests_get_one_letter_and_one_number(org):
    case = register(org)
    barrier = threading.Barrier(20)

    def ask(_):
        barrier.wait()
        with unit_of_work(org.engine) as session:
            letter, created = service.request_letter(
                session, case.id, "receipt", org.user("registrar"), as_of=D(2026, 3, 2)
            )
            return letter.id, letter.number, created

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(ask, range(20)))
    assert {(i, n) for i, n, _ in answers} == {(answers[0][0], "某发改公开收〔2026〕1号")}
    assert sum(created for *_, created in answers) == 1
    assert len(_letters(org, case.id)) == 1
    assert [t for t, _, _ in _events(org, case.id)].count("issue_receipt") == 1
    _verified(org, case.id)


def test_twenty_parallel_sign_requests_sign_once(org):
    case = _to_signing(org)
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case.id).version
    barrier = threading.Barrier(20)

    def sign(key):
        barrier.wait()
        try:
            fired = fire_keyed(org, case.id, "sign", "office_head", version, key)
        except cases.StaleCase:
            return "stale"
        return fired.event.seq, json.loads(fired.event.payload)["letters"][0]["number"]

    # one click sent twenty times (one request key): the one event, letter and number for all
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(sign, ["click-0001"] * 20))
    assert set(answers) == {(answers[0][0], "某发改公开答〔2026〕1号")}
    assert [x.kind for x in _letters(org, case.id)] == ["reply_disclosed"]
    assert [t for t, _, _ in _events(org, case.id)].count("sign") == 1


def test_twenty_different_sign_requests_sign_once_and_the_rest_are_told_why(org):
    case = _to_signing(org)
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case.id).version
    barrier = threading.Barrier(20)

    def sign(key):
        barrier.wait()
        try:
            fire_keyed(org, case.id, "sign", "office_head", version, key)
        except cases.StaleCase as exc:
            return exc.code
        return "signed"

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(sign, [f"tab-{n:04d}" for n in range(20)]))
    assert sorted(answers) == ["case.stale"] * 19 + ["signed"]
    assert [x.kind for x in _letters(org, case.id)] == ["reply_disclosed"]


def test_a_repeated_request_replays_only_for_the_same_person_and_payload(org):
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case.id).version
    items = {"items": ["年份"], "guidance": "请写明年份"}
    first = fire_keyed(org, case.id, "request_correction", "caseworker", version, "k-1", items)
    again = fire_keyed(org, case.id, "request_correction", "caseworker", version, "k-1", items)
    assert again.event.seq == first.event.seq and again.event.hash == first.event.hash
    assert again.replayed and not first.replayed
    assert len(_letters(org, case.id)) == 1
    with pytest.raises(cases.StaleCase):  # another request (another key, or none): stale
        fire_keyed(org, case.id, "request_correction", "caseworker", version, "k-2", items)
    with pytest.raises(cases.StaleCase):
        fire(org, case.id, "request_correction", "caseworker", items, version=version)
    with pytest.raises(cases.StaleCase):  # the key is the caseworker's request, not another's
        fire_keyed(org, case.id, "request_correction", "registrar", version, "k-1", items)


# --- correction (更正) ------------------------------------------------------------------


def test_a_correction_voids_the_letter_with_its_reason_and_issues_it_again(org):
    case = register(org)
    with unit_of_work(org.engine) as session:
        old, _ = service.request_letter(
            session, case.id, "receipt", org.user("registrar"), as_of=D(2026, 3, 2)
        )
        old_id, old_number = old.id, old.number
    with pytest.raises(PermissionDenied):
        fire(org, case.id, "correct_letter", "registrar", {"letter_id": old_id, "reason": "x"})
    with pytest.raises(ValidationError) as caught:
        fire(org, case.id, "correct_letter", "office_head", {"letter_id": old_id})
    assert caught.value.field == "reason"
    reason = "回执中的申请人姓名有误"
    fired = fire(
        org,
        case.id,
        "correct_letter",
        "office_head",
        {"letter_id": old_id, "reason": reason},
        as_of=D(2026, 3, 3),
    )
    stored = json.loads(fired.event.payload)
    assert (stored["voids"], stored["voided_number"], fired.event.reason) == (
        old_id,
        "某发改公开收〔2026〕1号",
        reason,
    )
    [new] = stored["letters"]
    assert new["kind"] == "receipt" and new["number"] == "某发改公开收〔2026〕2号"
    with unit_of_work(org.engine) as session:
        row = session.get(Case, case.id)
        assert [x.id for x in service.live_letters(session, row)] == [new["letter_id"]]
        assert service.corrections(session, row)[old_id]["reason"] == reason
        # both stay: the voided letter is kept, frozen, and still verifies
        assert session.get(Letter, old_id).number == old_number
        assert service.verify_letter(session, old_id).identical
    with pytest.raises(ValidationError) as caught:  # a voided letter cannot be corrected again
        fire(org, case.id, "correct_letter", "office_head", {"letter_id": old_id, "reason": "再改"})
    assert caught.value.field == "letter_id"
    _verified(org, case.id)


# --- extension = approval + notice (Art 33 ¶2) --------------------------------------------


def test_an_extension_issues_its_notice_with_the_new_due_date(org):
    case = _handling(org)
    extend = {"workdays": 3, "reason": "需要调取历年档案", "approved_on": "2026-03-20"}
    fired = fire(org, case.id, "extend", "office_head", extend, as_of=D(2026, 3, 23))
    [entry] = json.loads(fired.event.payload)["letters"]
    [letter] = _letters(org, case.id)
    assert entry["kind"] == letter.kind == "extension_notice" and letter.issued_on == D(2026, 3, 23)
    # due Mon 3-30; +3 working days: 3-31, 4-1, 4-2
    assert "延长3个工作日，并将于2026年4月2日前作出答复" in letter.text
    assert "经本机关政府信息公开工作机构负责人同意" in letter.text
    assert "征求意见" not in letter.text


def test_no_extension_after_the_due_date_and_no_extension_without_its_notice(org):
    case = _handling(org)
    extend = {"workdays": 3, "reason": "需要调取历年档案"}
    with pytest.raises(GuardFailed):  # due 3-30: the notice could not be sent in time
        fire(org, case.id, "extend", "office_head", extend, as_of=D(2026, 3, 31))
    assert _letters(org, case.id) == []
    # a notice the lint refuses (an ID number in the reason): no extension either
    leaky = {"workdays": 3, "reason": "申请人身份证110105194912310021信息待核实"}
    with pytest.raises(service.LetterNotReady):
        fire(org, case.id, "extend", "office_head", leaky, as_of=D(2026, 3, 23))
    with unit_of_work(org.engine) as session:
        row = session.get(Case, case.id)
        assert row.reply_due == D(2026, 3, 30)
    assert [t for t, _, _ in _events(org, case.id)].count("extend") == 0


def test_an_extension_during_a_consultation_states_the_projected_date(org):
    case = _handling(org)
    consult = {"kind": "third_party", "party_name": "某某科技有限公司", "matters": "合同报价"}
    fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 3, 10))
    extend = {"workdays": 3, "reason": "需要调取历年档案"}
    fire(org, case.id, "extend", "office_head", extend, as_of=D(2026, 3, 20))
    notice = next(x for x in _letters(org, case.id) if x.kind == "extension_notice")
    # counted 3-3..3-10 (6 days, the sending day counts); paused (3-10, 3-20]; 14 left from
    # 3-23: 3-23..27, 3-30..4-3, 4-7..10 (4-6 清明 off) → 4-10; +3: 4-13, 4-14, 4-15
    assert "并将于2026年4月15日前作出答复" in notice.text
    assert "征求第三方和其他机关意见所需时间不计算在答复期限内" in notice.text
    assert "将于前" not in notice.text


# --- disclosure over a third party's objection (Art 32, Art 15) ----------------------------


def _objected(org):
    case = _handling(org)
    consult = {"kind": "third_party", "party_name": "某某科技有限公司", "matters": "合同报价"}
    fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 3, 4))
    with unit_of_work(org.engine) as session:
        cid = session.exec(select(Consultation.id).where(Consultation.case_id == case.id)).one()
    done = {"consultation_id": cid, "opinion": "object", "opinion_received_on": "2026-03-09"}
    fire(org, case.id, "consultation_done", "caseworker", done, as_of=D(2026, 3, 9))
    return case


def test_disclosure_over_an_objection_needs_the_finding_review_and_the_notice(org):
    case = _objected(org)
    with pytest.raises(ValidationError) as caught:
        fire(org, case.id, "draft_decision", "caseworker", DISCLOSED, as_of=D(2026, 3, 10))
    assert caught.value.field == "public_interest"
    finding = "该合同涉及财政资金使用，不公开可能对公共利益造成重大影响"
    decision = {
        "outcome": "disclosed",
        "fields": {"access_method": "随本答复书提供", "public_interest": finding},
    }
    fire(org, case.id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 10))
    with pytest.raises(
        GuardFailed
    ) as caught:  # 予以公开 alone needs no review; over objection it does
        fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    assert "法制审核" in caught.value.message
    with unit_of_work(org.engine) as session:
        pending = service.available_letters(session, session.get(Case, case.id))
    assert pending == ["receipt", "reply_disclosed", "third_party_disclosure_notice"]
    fire(org, case.id, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 10))
    with pytest.raises(IllegalTransition):  # not signed before the legal reviewer approves
        fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 11))
    fire(org, case.id, "approve", "legal_reviewer", {"comments": "同意"}, as_of=D(2026, 3, 11))
    fired = fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 12))
    kinds = [x["kind"] for x in json.loads(fired.event.payload)["letters"]]
    assert kinds == ["reply_disclosed", "third_party_disclosure_notice"]
    notice = next(x for x in _letters(org, case.id) if x.kind == "third_party_disclosure_notice")
    assert notice.text.splitlines()[2] == "某某科技有限公司："
    assert f"二、决定公开的理由：{finding}。" in notice.text
    assert "三、公开的时间：本机关将于向申请人作出答复时向申请人公开上述信息。" in notice.text
    assert "张三" not in notice.text  # the applicant is not named to the third party
    _verified(org, case.id)


def test_a_refusal_after_an_objection_owes_the_party_no_disclosure_notice(org):
    case = _objected(org)
    withheld = {
        "outcome": "withheld_third_party",
        "fields": {"grounds": [{"ground": "third_party", "reasons": "涉及商业秘密，第三方不同意"}]},
    }
    fire(org, case.id, "draft_decision", "caseworker", withheld, as_of=D(2026, 3, 10))
    with unit_of_work(org.engine) as session:
        pending = service.available_letters(session, session.get(Case, case.id))
    assert "third_party_disclosure_notice" not in pending
    fire(org, case.id, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 10))
    fire(org, case.id, "approve", "legal_reviewer", as_of=D(2026, 3, 11))
    fired = fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 12))
    assert [x["kind"] for x in json.loads(fired.event.payload)["letters"]] == ["reply_withheld"]


# --- the lint at every step ---------------------------------------------------------------


def test_approval_is_refused_while_the_reply_has_a_blocking_finding(org):
    from gkcase.models import Agency

    case = _handling(org)
    withheld = {
        "outcome": "withheld_internal_affairs",
        "fields": {"grounds": [{"ground": "internal_affairs", "reasons": "属于内部人事管理信息"}]},
    }
    fire(org, case.id, "draft_decision", "caseworker", withheld, as_of=D(2026, 3, 10))
    fire(org, case.id, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 10))
    with unit_of_work(org.engine) as session:  # the remedy clause cannot name a review body now
        agency = session.get(Agency, org.fgw.id)
        agency.review_body = ""
        session.add(agency)
    with pytest.raises(GuardFailed) as caught:
        fire(org, case.id, "approve", "legal_reviewer", as_of=D(2026, 3, 11))
    assert caught.value.message.startswith("文书存在问题：")
    with unit_of_work(org.engine) as session:
        assert session.get(Case, case.id).state == "legal_review"


def test_a_third_party_the_applicant_named_in_the_request_may_be_quoted_back(org):
    # The request names the company; the reply quotes the request. The company's contact, which
    # the applicant never gave, still may not appear.
    case = register(org, information_requested="对某某科技有限公司作出的行政处罚决定书")
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    consult = {
        "kind": "third_party",
        "party_name": "某某科技有限公司",
        "party_contact": "0000-7654321",
        "matters": "处罚决定书中涉及贵公司生产工艺的部分",
    }
    fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 3, 4))
    with unit_of_work(org.engine) as session:
        cid = session.exec(select(Consultation.id).where(Consultation.case_id == case.id)).one()
    done = {"consultation_id": cid, "opinion": "agree", "opinion_received_on": "2026-03-09"}
    fire(org, case.id, "consultation_done", "caseworker", done, as_of=D(2026, 3, 9))
    fire(org, case.id, "draft_decision", "caseworker", DISCLOSED, as_of=D(2026, 3, 10))
    with unit_of_work(org.engine) as session:
        service.save_slots(
            session,
            case.id,
            "reply_disclosed",
            org.user("caseworker"),
            {"intro": "电话0000-7654321"},
        )
    with pytest.raises(GuardFailed) as caught:
        fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
    assert "第三方的信息“0000-7654321”" in caught.value.message
    assert "某某科技有限公司”" not in caught.value.message
    with unit_of_work(org.engine) as session:
        service.save_slots(
            session, case.id, "reply_disclosed", org.user("caseworker"), {"intro": ""}
        )
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 10))
