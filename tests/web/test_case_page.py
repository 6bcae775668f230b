"""The case page: summary, clock, the actions the machine permits as generated forms, refusals
kept on the form, stale versions, legal review comments, letters and the audit trail."""

from __future__ import annotations

import hashlib
import html
import json
import re

import pytest
from sqlmodel import select

from api.web import forms
from gkcase.db import read_session, unit_of_work
from gkcase.models import Case
from gkcase.services import cases as svc
from gkcase.states.machine import Trigger
from gkcase.states.outcomes import Outcome
from gkcase.states.payloads import PAYLOADS
from tests.web.conftest import screenshot

WITHHELD = Outcome.WITHHELD_THIRD_PARTY.value


def today():
    return svc.china_today()


def register(org, **changes):
    data = {
        "channel": "in_person",
        "arrived_on": today().isoformat(),
        "applicant": {
            "kind": "natural_person",
            "name": "张三",
            "id_type": "居民身份证",
            "id_number": "11010119900307002X",
            "phone": "13812341234",
        },
        "information_requested": "2025年某项目的环境影响评价批复文件",
        **changes,
    }
    with unit_of_work(org.engine) as session:
        return svc.register(session, org.fgw.id, data, org.user("registrar"), as_of=today()).case.id


def fire(org, case_id, trigger, role, payload=None):
    with unit_of_work(org.engine) as session:
        version = session.get(Case, case_id).version
        svc.fire(session, case_id, trigger, org.user(role), payload, version, as_of=today())


def version_of(org, case_id):
    with read_session(org.engine) as session:
        return session.get(Case, case_id).version


def text_of(page):
    """The page's visible text, tags stripped."""
    body = page[page.find("<main") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def actions_on(page):
    """(allowed triggers, blocked labels) as the page shows them."""
    allowed = re.findall(r'<details class="action" id="action-([a-z_]+)"', page)
    blocked = re.findall(r"<li><button type=\"button\" disabled>([^<]+)</button>", page)
    return allowed, blocked


def details_of(page, trigger):
    """The <details> element of one action form."""
    start = page.index(f'id="action-{trigger}"')
    return page[page.rindex("<details", 0, start) : page.index("</details>", start)]


def reviewing(org):
    case_id = register(org)
    fire(org, case_id, "start_review", "caseworker")
    return case_id


def handling(org):
    case_id = reviewing(org)
    fire(org, case_id, "accept", "caseworker")
    return case_id


WITHHELD_FORM = {
    "outcome": WITHHELD,
    "fields.grounds.0.ground": "third_party",
    "fields.grounds.0.reasons": "涉及某公司的商业秘密，该公司不同意公开",
    "fields.grounds.0.part": "",
}


# --- reading the case ----------------------------------------------------------------------


def test_the_page_shows_the_summary_the_clock_and_the_audit_trail(web):
    case_id = reviewing(web.org)
    page = web.user("caseworker").get(f"/cases/{case_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    with read_session(web.engine) as session:
        case = session.get(Case, case_id)
        view = svc.clock_of(session, case, today())
        number = case.number
    assert number in text and "审核中" in text and "某市发展和改革委员会" in text
    assert "2025年某项目的环境影响评价批复文件" in text and "当面提交" in text
    # the statutory clock, step by step, as the engine explains it
    for step in view.reply.steps:
        assert html.escape(step.text) in page.text
    assert "剩 20 个工作日" in text or "剩 19 个工作日" in text
    assert "补正告知期限" in text  # the Art 30 window runs at review
    # the audit trail with the chain check
    assert "审计链完整" in text and "共 2 条记录" in text
    assert "登记员甲" in text and "开始审核" in text and "已登记 → 审核中" in text


def test_the_applicant_is_masked_for_those_who_do_not_need_the_details(web):
    case_id = reviewing(web.org)
    clear = web.user("caseworker").get(f"/cases/{case_id}").text
    masked = web.user("legal_reviewer").get(f"/cases/{case_id}").text
    assert "13812341234" in clear and "11010119900307002X" in clear
    assert "13812341234" not in masked and "11010119900307002X" not in masked
    assert "已脱敏" in masked and "张三" in masked


@pytest.mark.parametrize("role", ["caseworker", "registrar", "office_head", "legal_reviewer"])
def test_the_actions_are_the_services_permitted_list(web, role):
    case_id = reviewing(web.org)
    fire(web.org, case_id, "request_reasons", "caseworker", {"matters": "请说明用途"})
    page = web.user(role).get(f"/cases/{case_id}").text
    with read_session(web.engine) as session:
        case = session.get(Case, case_id)
        expected = svc.permitted(session, case, web.org.user(role), today())
    allowed, blocked = actions_on(page)
    assert allowed == [t.value for t, reason in expected if reason is None]
    assert blocked == [t.label for t, reason in expected if reason is not None]
    for _, reason in expected:
        if reason is not None:  # greyed, with the service's reason in Chinese
            assert html.escape(reason) in page


def test_a_blocked_action_is_greyed_with_the_reason(web):
    case_id = reviewing(web.org)
    fire(web.org, case_id, "request_reasons", "caseworker", {"matters": "请说明用途"})
    page = web.user("caseworker").get(f"/cases/{case_id}").text
    _, blocked = actions_on(page)
    assert "要求说明理由" in blocked and "已要求申请人说明理由" in page
    assert 'id="action-request_reasons"' not in page


# --- the generated forms -------------------------------------------------------------------


def test_form_controls_follow_the_payload_types(web):
    case_id = reviewing(web.org)
    page = web.user("caseworker").get(f"/cases/{case_id}").text
    correction = details_of(page, "request_correction")
    # list[str] → a textarea, one item per line; required marked
    assert re.search(
        r'<textarea id="a-request_correction-items" name="items"[^>]* required', correction
    )
    assert "每行一项" in correction
    # int with bounds → number
    assert re.search(
        r'name="period_workdays" type="number" value=""\s*min="1" max="60"', correction
    )
    # date → type=date, today for the day the notice goes out, blank for the applicant's receipt
    assert f'name="sent_on" type="date" value="{today().isoformat()}"' in correction
    assert 'name="received_on" type="date" value=""' in correction
    # a decision at review offers only the outcomes decidable at review, in Chinese
    decide = details_of(page, "decide_without_handling")
    offered = re.findall(r'<option value="([a-z_]+)"', decide)
    assert set(offered) == {o.value for o in svc.DECIDABLE_AT_REVIEW}
    assert "已主动公开，告知获取方式、途径" in decide and "withheld" not in decide
    assert 'hx-get="/cases/' in decide and 'name="_choose"' in decide


def test_enums_are_selects_with_chinese_labels_and_ids_become_choices(web):
    case_id = handling(web.org)
    page = web.user("caseworker").get(f"/cases/{case_id}").text
    consult = details_of(page, "consult")
    assert '<option value="third_party">第三方（第三十二条）</option>' in consult
    assert "共同制作机关（第三十四条）" in consult
    # assign: a select of the agency's active caseworkers, not an id box
    assign = details_of(web.user("registrar").get(f"/cases/{case_id}").text, "assign")
    caseworker = web.org.user("caseworker")
    assert f'<option value="{caseworker.id}">{caseworker.full_name}</option>' in assign
    assert "住建承办人" not in assign  # another agency's caseworker is not offered
    # consultation_done: a select of the case's open consultations
    fire(
        web.org,
        case_id,
        "consult",
        "caseworker",
        {"kind": "third_party", "party_name": "某某科技有限公司", "matters": "合同报价"},
    )
    done = details_of(web.user("caseworker").get(f"/cases/{case_id}").text, "consultation_done")
    assert re.search(r'<option value="\d+">某某科技有限公司（', done)
    assert "逾期未提出意见" in done


def test_the_decision_fields_follow_the_outcome_with_htmx_and_without(web):
    case_id = handling(web.org)
    user = web.user("caseworker")
    fragment = user.get(f"/cases/{case_id}/actions/draft_decision/fields?outcome=not_exist")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'name="fields.search_record"' in fragment.text and "检索记录" in fragment.text
    partial = user.get(
        f"/cases/{case_id}/actions/draft_decision/fields?outcome=partially_disclosed"
    )
    assert 'name="fields.access_method"' in partial.text
    assert all(f'name="fields.grounds.{i}.reasons"' in partial.text for i in range(3))
    # no script: the 选择 button re-renders the page with the chosen outcome's fields, open
    chosen = user.post(
        f"/cases/{case_id}/actions/draft_decision",
        {
            "expected_version": str(version_of(web.org, case_id)),
            "outcome": "not_exist",
            "_choose": "1",
        },
    )
    assert chosen.status_code == 200
    form = details_of(chosen.text, "draft_decision")
    assert '<details class="action" id="action-draft_decision" open>' in chosen.text
    assert 'name="fields.search_record"' in form
    assert version_of(web.org, case_id) == version_of(web.org, case_id)  # nothing fired
    assert "拟稿中" not in text_of(chosen.text).split("申请概况")[0]


def test_an_action_fires_and_redirects_with_a_message(web):
    case_id = reviewing(web.org)
    user = web.user("caseworker")
    done = user.post(
        f"/cases/{case_id}/actions/request_correction",
        {
            "expected_version": str(version_of(web.org, case_id)),
            "items": "所需文件的年份\n\n文件名称或文号\n",
            "guidance": "请写明文件名称、文号或者其他特征性描述",
            "sent_on": today().isoformat(),
            "received_on": "",
            "period_workdays": "",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{case_id}"
    page = user.get(f"/cases/{case_id}").text
    assert "已办理：告知补正" in page and "待补正" in page
    with read_session(web.engine) as session:
        payload = json.loads(svc.history(session, session.get(Case, case_id))[-1].payload)
    assert payload["items"] == ["所需文件的年份", "文件名称或文号"]
    assert "所需文件的年份；文件名称或文号" in text_of(page)  # the history reads it back


# --- refusals ------------------------------------------------------------------------------


def test_a_refused_action_shows_the_message_by_the_field_and_keeps_what_was_typed(web):
    case_id = reviewing(web.org)
    future = today().replace(year=today().year + 1).isoformat()
    refused = web.user("caseworker").post(
        f"/cases/{case_id}/actions/request_correction",
        {
            "expected_version": str(version_of(web.org, case_id)),
            "items": "所需文件的年份\n文号",
            "guidance": "请写明文件名称",
            "sent_on": future,
        },
    )
    assert refused.status_code == 422
    form = details_of(refused.text, "request_correction")
    assert '<details class="action" id="action-request_correction" open>' in refused.text
    assert 'id="err-sent_on"' in form and "不能晚于办理日期" in form
    assert f'value="{future}"' in form
    assert "所需文件的年份\n文号</textarea>" in form and "请写明文件名称</textarea>" in form
    assert version_of(web.org, case_id) == 2  # nothing was written


def test_a_withheld_draft_without_reasons_is_refused_on_the_ground_row(web):
    case_id = handling(web.org)
    refused = web.user("caseworker").post(
        f"/cases/{case_id}/actions/draft_decision",
        {
            "expected_version": str(version_of(web.org, case_id)),
            **WITHHELD_FORM,
            "fields.grounds.0.reasons": "",
            "fields.grounds.0.part": "合同报价部分",
        },
    )
    assert refused.status_code == 422
    form = details_of(refused.text, "draft_decision")
    assert 'id="err-fields-grounds-0-reasons"' in form and "须说明不予公开的理由" in form
    assert 'value="合同报价部分"' in form
    assert '<option value="third_party" selected>' in form
    assert f'<option value="{WITHHELD}" selected>' in form


def test_a_stale_version_says_who_acted_and_keeps_the_typed_values(web):
    case_id = reviewing(web.org)
    seen = version_of(web.org, case_id)
    caseworker = web.user("caseworker")
    caseworker.get(f"/cases/{case_id}")
    fire(web.org, case_id, "assign", "registrar", {"assignee_id": web.org.user("caseworker").id})
    stale = caseworker.post(
        f"/cases/{case_id}/actions/request_correction",
        {"expected_version": str(seen), "items": "年份", "guidance": "请写明文件的年份"},
    )
    assert stale.status_code == 409
    text = text_of(stale.text)
    assert "案件已由登记员甲于" in text and "办理，页面已刷新" in text
    form = details_of(stale.text, "request_correction")
    assert "年份</textarea>" in form and "请写明文件的年份</textarea>" in form
    assert f'name="expected_version" value="{seen + 1}"' in form
    assert "承办人甲" in text  # the freshly loaded case


# --- who sees what -------------------------------------------------------------------------


def test_another_agencys_case_is_not_found(web):
    case_id = reviewing(web.org)
    other = web.user("zjw_caseworker")
    assert other.get(f"/cases/{case_id}").status_code == 404
    assert other.get(f"/cases/{case_id}/letters/receipt").status_code == 404
    assert other.get(f"/cases/{case_id}/letters/receipt/frame").status_code == 404
    fired = other.post(
        f"/cases/{case_id}/actions/accept", {"expected_version": str(version_of(web.org, case_id))}
    )
    assert fired.status_code == 404 and version_of(web.org, case_id) == 2
    assert web.user("caseworker").get("/cases/999999").status_code == 404


def test_a_supervisor_reads_the_case_but_gets_no_forms(web):
    case_id = reviewing(web.org)
    page = web.user("supervisor").get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert "2025年某项目的环境影响评价批复文件" in page.text and "审计链完整" in page.text
    assert "/actions/" not in page.text and 'class="action"' not in page.text
    letter = web.user("supervisor").get(f"/cases/{case_id}/letters/receipt")
    assert letter.status_code == 200 and "/issue" not in letter.text and "/slots" not in letter.text
    assert "暂不能" not in letter.text  # nothing is offered to a role that has no part in it


# --- the legal review round trip -----------------------------------------------------------


def test_draft_legal_review_return_and_fix_through_the_forms(web):
    org = web.org
    case_id = register(org)
    caseworker, reviewer = web.user("caseworker"), web.user("legal_reviewer")

    def act(user, trigger, data=None, status=303):
        response = user.post(
            f"/cases/{case_id}/actions/{trigger}",
            {"expected_version": str(version_of(org, case_id)), **(data or {})},
        )
        assert response.status_code == status, text_of(response.text)[:2000]
        return response

    act(caseworker, "start_review")
    act(caseworker, "accept", {"note": ""})
    act(caseworker, "draft_decision", WITHHELD_FORM)
    act(caseworker, "submit_for_legal_review")
    review_page = reviewer.get(f"/cases/{case_id}").text
    assert actions_on(review_page)[0] == ["approve", "return_draft"]
    act(reviewer, "return_draft", {"comments": "请写明商业秘密的具体内容及不公开的理由"})

    page = caseworker.get(f"/cases/{case_id}").text
    text = text_of(page)
    assert "法制审核退回意见： 请写明商业秘密的具体内容及不公开的理由" in text
    assert "法制审核人员甲" in text
    draft = details_of(page, "draft_decision")  # the returned draft, ready to be fixed
    assert f'<option value="{WITHHELD}" selected>' in draft
    assert "涉及某公司的商业秘密，该公司不同意公开</textarea>" in draft

    act(
        caseworker,
        "draft_decision",
        {
            **WITHHELD_FORM,
            "fields.grounds.0.reasons": "合同报价属于该公司的商业秘密，公开会损害其合法权益",
        },
    )
    page = caseworker.get(f"/cases/{case_id}").text
    assert "法制审核退回意见" not in page  # superseded by the new draft
    act(caseworker, "submit_for_legal_review")
    act(reviewer, "approve", {"comments": "同意"})
    with read_session(org.engine) as session:
        case = session.get(Case, case_id)
        assert case.state == "signing" and case.approved_draft_version == 2
    assert "第2稿，法制审核已同意第2稿" in text_of(caseworker.get(f"/cases/{case_id}").text)


# --- letters -------------------------------------------------------------------------------


def test_the_receipt_is_issued_from_its_page_once_however_often_it_is_clicked(web):
    case_id = reviewing(web.org)
    user = web.user("registrar")
    case_page = user.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}/letters/receipt"' in case_page
    page = user.get(f"/cases/{case_id}/letters/receipt")
    assert page.status_code == 200
    assert (
        f'<iframe class="letter" title="政府信息公开申请接收回执预览" src="/cases/{case_id}/letters/receipt/frame">'
        in page.text
    )
    assert "本文书随「出具接收回执」出具" in page.text
    # clean — unless today's 20 working days run into a year whose holiday arrangement is not
    # published yet: then the one finding is that warning (issue #18's timing lint)
    assert "未发现问题" in page.text or "节假日安排尚未由国务院办公厅公布" in page.text
    frame = user.get(f"/cases/{case_id}/letters/receipt/frame")
    assert frame.status_code == 200 and "查询码" in frame.text
    assert "style-src 'unsafe-inline'" in frame.headers["content-security-policy"]
    assert "script-src" not in frame.headers["content-security-policy"]

    issued = user.post(f"/cases/{case_id}/letters/receipt/issue")
    assert issued.status_code == 303 and issued.headers["location"] == f"/cases/{case_id}#letters"
    page = user.get(f"/cases/{case_id}").text
    number = re.search(r"已出具：(\S+?)</div>", page).group(1)
    assert number == "某发改公开收〔" + str(today().year) + "〕1号" and number in page
    again = user.post(f"/cases/{case_id}/letters/receipt/issue")  # a double click
    assert again.status_code == 303
    assert f"已出具：{number}" in user.get(f"/cases/{case_id}").text
    with read_session(web.org.engine) as session:
        from gkcase.models import Letter

        assert len(session.exec(select(Letter).where(Letter.case_id == case_id)).all()) == 1
    assert "出具接收回执" in text_of(user.get(f"/cases/{case_id}").text)  # in the history
    letter_id = re.search(r'href="/api/letters/(\d+)\.html"', page).group(1)
    download = user.get(f"/api/letters/{letter_id}.html")
    assert download.status_code == 200
    sha = hashlib.sha256(download.content).hexdigest()
    assert sha in page and download.headers["x-content-sha256"] == sha
    assert user.get(f"/api/letters/{letter_id}.docx").status_code == 200
    verified = user.post(f"/cases/{case_id}/issued/{letter_id}/verify")
    assert verified.status_code == 303
    assert "核验通过" in user.get(f"/cases/{case_id}").text


def test_a_notice_goes_out_with_its_act_and_its_page_shows_what_was_issued(web):
    case_id = reviewing(web.org)
    user = web.user("caseworker")
    act = user.post(
        f"/cases/{case_id}/actions/request_correction",
        {
            "expected_version": str(version_of(web.org, case_id)),
            "items": "所需文件的年份",
            "guidance": "请写明文件名称、文号或者其他特征性描述",
        },
    )
    assert act.status_code == 303, text_of(act.text)[:2000]
    page = user.get(f"/cases/{case_id}").text
    assert "政府信息公开申请补正告知书" in page and "某发改公开补〔" in page
    letter = user.get(f"/cases/{case_id}/letters/correction_notice").text
    assert "没有待出具的稿件" in letter and "/slots" not in letter
    assert "/letters/correction_notice/issue" not in letter
    assert "已出具：某发改公开补〔" in letter
    frame = re.search(r'src="(/cases/\d+/issued/\d+/frame)"', letter).group(1)
    shown = user.get(frame)
    assert shown.status_code == 200 and "请写明文件名称、文号或者其他特征性描述" in shown.text
    assert "script-src" not in shown.headers["content-security-policy"]
    assert web.user("zjw_caseworker").get(frame).status_code == 404
    # its history entry names the letter it issued
    assert "出具的文书 政府信息公开申请补正告知书 某发改公开补〔" in text_of(page)


def test_a_double_clicked_action_is_done_once_and_both_clicks_succeed(web):
    case_id = reviewing(web.org)
    user = web.user("caseworker")
    page = user.get(f"/cases/{case_id}").text
    form = details_of(page, "request_correction")
    key = re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    data = {
        "expected_version": str(version_of(web.org, case_id)),
        "request_key": key,
        "items": "所需文件的年份",
        "guidance": "请写明文件名称",
    }
    first, second = (
        user.post(f"/cases/{case_id}/actions/request_correction", data) for _ in range(2)
    )
    assert first.status_code == second.status_code == 303
    with read_session(web.org.engine) as session:
        from gkcase.models import CaseEvent, Letter

        triggers = session.exec(select(CaseEvent.trigger).where(CaseEvent.case_id == case_id)).all()
        letters = session.exec(select(Letter).where(Letter.case_id == case_id)).all()
    assert triggers.count("request_correction") == 1 and len(letters) == 1
    # the page is shown afresh with a new key: another submission is another request
    assert key not in user.get(f"/cases/{case_id}").text


def test_the_reply_is_written_on_its_page_and_issued_by_signing(web):
    case_id = handling(web.org)
    fire(
        web.org,
        case_id,
        "draft_decision",
        "caseworker",
        {"outcome": "disclosed", "fields": {"access_method": "随本答复书提供"}},
    )
    user = web.user("caseworker")
    page = user.get(f"/cases/{case_id}/letters/reply_disclosed")
    assert page.status_code == 200 and "本文书随「签发」出具" in page.text
    assert f'action="/cases/{case_id}/letters/reply_disclosed/issue"' not in page.text
    assert f'href="/cases/{case_id}#action-sign"' in page.text
    saved = user.post(
        f"/cases/{case_id}/letters/reply_disclosed/slots",
        {"slots.intro": "本机关已电话联系您确认所需信息的范围。"},
    )
    assert saved.status_code == 303
    frame = user.get(f"/cases/{case_id}/letters/reply_disclosed/frame").text
    assert "本机关已电话联系您确认所需信息的范围" in frame
    # a forged post to the old issue address issues nothing: the reply is 签发's
    forged = user.post(f"/cases/{case_id}/letters/reply_disclosed/issue")
    assert forged.status_code == 409 and "只能随「签发」出具" in forged.text


def test_the_office_head_corrects_a_letter_and_both_stay_in_the_record(web):
    case_id = reviewing(web.org)
    registrar = web.user("registrar")
    registrar.post(f"/cases/{case_id}/letters/receipt/issue")
    head = web.user("office_head")
    page = head.get(f"/cases/{case_id}").text
    form = details_of(page, "correct_letter")
    letter_id = re.search(r'<option value="(\d+)"[^>]*>政府信息公开申请接收回执 ', form).group(1)
    corrected = head.post(
        f"/cases/{case_id}/actions/correct_letter",
        {
            "expected_version": str(version_of(web.org, case_id)),
            "letter_id": letter_id,
            "reason": "回执中的收到日期有误",
        },
    )
    assert corrected.status_code == 303, text_of(corrected.text)[:2000]
    page = head.get(f"/cases/{case_id}").text
    assert "已更正作废" in page and "<s>某发改公开收〔" in page
    assert "某发改公开收〔" + str(today().year) + "〕2号" in page
    assert "correct_letter" not in actions_on(registrar.get(f"/cases/{case_id}").text)[0]


# --- the form builder ------------------------------------------------------------------------


def test_every_payload_field_has_a_chinese_label():
    for trigger, model in PAYLOADS.items():
        for name in model.model_fields:
            label = forms.label_of(name, trigger)
            assert label != name and not label.isascii(), (trigger, name)


def test_the_parser_drops_blanks_splits_lines_and_drops_empty_ground_rows():
    assert forms.parse(
        Trigger.REQUEST_CORRECTION,
        {"items": "甲\r\n\r\n乙 ", "guidance": " 说明 ", "sent_on": "", "period_workdays": "10"},
    ) == {"items": ["甲", "乙"], "guidance": "说明", "period_workdays": 10}
    payload = forms.parse(
        Trigger.DRAFT_DECISION,
        {
            "outcome": "partially_disclosed",
            "fields.access_method": "邮寄",
            "fields.grounds.0.ground": "",
            "fields.grounds.0.reasons": "",
            "fields.grounds.1.ground": "process_info",
            "fields.grounds.1.reasons": "讨论稿",
            "fields.grounds.1.part": "第三部分",
            "fields.reasons": "not a field of this outcome",
        },
    )
    assert payload == {
        "outcome": "partially_disclosed",
        "fields": {
            "access_method": "邮寄",
            "grounds": [{"ground": "process_info", "reasons": "讨论稿", "part": "第三部分"}],
        },
    }
    form = forms.build_form(Trigger.DRAFT_DECISION, values={"outcome": WITHHELD})
    assert forms.error_field(form, "grounds.0.reasons") == "fields.grounds.0.reasons"
    assert forms.error_field(form, "grounds") == "fields.grounds"
    assert forms.error_field(form, "case_id") == "_"


# --- a real browser --------------------------------------------------------------------------


def test_a_caseworker_fires_an_action_with_the_keyboard_only(pages):
    page = pages.new("caseworker")
    case_id = _live_case(pages, page)
    page.goto(f"/cases/{case_id}")
    summary = page.locator("#action-accept > summary")
    for _ in range(80):  # Tab from the top of the page to the action
        page.keyboard.press("Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the 受理办理 action cannot be reached with Tab")
    page.keyboard.press("Enter")  # opens the <details>
    assert page.locator("#action-accept").get_attribute("open") is not None
    page.keyboard.press("Tab")
    page.keyboard.type("材料齐全，予以受理")
    page.keyboard.press("Tab")  # to the submit button
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash")
    assert "已办理：受理办理" in page.inner_text(".flash")
    assert "办理中" in page.inner_text(".case-head")
    assert "材料齐全，予以受理" in page.inner_text("#history")
    screenshot(page, "case-page")


def test_the_outcome_select_swaps_the_decision_fields_in_the_browser(pages):
    page = pages.new("caseworker")
    case_id = _live_case(pages, page, accept=True)
    page.goto(f"/cases/{case_id}")
    assert page.locator("#action-draft_decision button.choose").is_hidden()
    page.click("#action-draft_decision > summary")
    page.select_option("#a-draft_decision-outcome", "not_exist")
    page.wait_for_selector("#a-draft_decision-fields-search_record")
    page.fill("#a-draft_decision-fields-search_record", "经检索本机关档案及业务系统，未找到")
    page.locator("#action-draft_decision button.primary").click()
    page.wait_for_selector(".flash")
    assert "已办理：拟定答复" in page.inner_text(".flash")
    assert "拟稿中" in page.inner_text(".case-head")
    screenshot(page, "case-page-drafting")


def _live_case(pages, page, *, accept=False):
    """A case in review (or handling) on the live server, registered through the JSON API."""
    registrar = pages.new("registrar")
    client = registrar.context.request
    csrf = client.get("/api/auth/me").json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    created = client.post(
        "/api/cases",
        headers=headers,
        data={
            "channel": "in_person",
            "arrived_on": today().isoformat(),
            "applicant": {"kind": "natural_person", "name": "李四"},
            "information_requested": "某项目的批复文件",
        },
    ).json()
    case_id, version = created["id"], created["version"]
    triggers = ["start_review", "accept"] if accept else ["start_review"]
    me = page.context.request
    token = me.get("/api/auth/me").json()["csrf_token"]
    for trigger in triggers:
        done = me.post(
            f"/api/cases/{case_id}/actions/{trigger}",
            headers={"X-CSRF-Token": token},
            data={"expected_version": version, "payload": {}},
        )
        assert done.ok, done.text()
        version = done.json()["case"]["version"]
    return case_id
