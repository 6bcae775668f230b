"""法制审核: the legal reviewer's queue and its decisions, through the forms."""

from __future__ import annotations

import re
from datetime import date

from gkcase.db import unit_of_work
from gkcase.models import Case
from gkcase.services import cases as svc
from tests.services.test_supervision import fire, handling, in_legal_review
from tests.web.conftest import screenshot

D = date


def _version(html):
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the review form carries the case version"
    return match.group(1)


def _case(web, case_id):
    with unit_of_work(web.engine) as session:
        case = session.get(Case, case_id)
        events = [(e.trigger, e.reason) for e in svc.history(session, case)]
        session.expunge(case)
    return case, events


def test_the_queue_lists_only_the_agencys_cases_in_legal_review_oldest_first(web):
    org = web.org
    later = in_legal_review(org, D(2026, 3, 9))
    first = in_legal_review(org, D(2026, 3, 2))
    handling(org, D(2026, 3, 2))  # not submitted
    other = in_legal_review(org, D(2026, 3, 2), agency=org.zjw, worker="other_caseworker")
    page = web.user("legal_reviewer").get("/review")
    assert page.status_code == 200
    numbers = {cid: _case(web, cid)[0].number for cid in (later, first, other)}
    html = page.text
    assert numbers[first] in html and numbers[later] in html
    assert numbers[other] not in html  # ZJW's case: another agency
    assert html.index(numbers[first]) < html.index(numbers[later])
    assert html.count('href="/review/') == 2
    assert html.count("不予公开（保护第三方合法权益）") == 2
    assert "逾期" in html  # both were due in March/April


def test_the_detail_shows_grounds_reasons_articles_lint_and_the_letter(web):
    case_id = in_legal_review(web.org, D(2026, 3, 2))
    html = web.user("legal_reviewer").get(f"/review/{case_id}").text
    assert "涉及第三方商业秘密，第三方不同意公开" in html  # the reasons
    assert "《条例》第十五条、第三十二条" in html  # the ground's article
    assert "《条例》第三十六条第（三）项" in html  # the outcome's legal basis
    assert "文书检查" in html  # the reply letter's lint
    assert (
        f'class="letter" title="答复书预览" src="/cases/{case_id}/letters/reply_withheld/frame"'
        in html
    )
    assert "第 1 稿" in html
    assert f'href="/cases/{case_id}"' in html


def test_approve_moves_the_case_to_signing(web):
    case_id = in_legal_review(web.org, D(2026, 3, 2))
    reviewer = web.user("legal_reviewer")
    version = _version(reviewer.get(f"/review/{case_id}").text)
    done = reviewer.post(f"/review/{case_id}", {"action": "approve", "version": version})
    assert done.status_code == 303 and done.headers["location"] == "/review"
    case, events = _case(web, case_id)
    assert case.state == "signing" and case.approved_draft_version == case.draft_version
    assert events[-1][0] == "approve"
    after = reviewer.get("/review")
    assert "已审核通过" in after.text and case.number not in after.text.split("</h1>")[1]


def test_a_reply_the_lint_refuses_cannot_be_approved_and_the_reviewer_sees_why(web):
    from gkcase.models import Agency

    case_id = in_legal_review(web.org, D(2026, 3, 2))
    with unit_of_work(web.org.engine) as session:  # no review body: no remedy clause possible
        agency = session.get(Agency, web.org.fgw.id)
        agency.review_body = ""
        session.add(agency)
    reviewer = web.user("legal_reviewer")
    html = reviewer.get(f"/review/{case_id}").text
    assert re.search(r'<button type="submit" name="action" value="approve"[^>]* disabled', html)
    assert "暂不能「审核通过」：文书存在问题：" in html
    assert re.search(r'value="return_draft" class="danger">', html)  # returning stays possible
    version = _version(html)
    refused = reviewer.post(f"/review/{case_id}", {"action": "approve", "version": version})
    assert refused.status_code == 409 and "文书存在问题" in refused.text
    case, _events = _case(web, case_id)
    assert case.state == "legal_review"


def test_return_needs_comments_kept_next_to_the_field(web):
    case_id = in_legal_review(web.org, D(2026, 3, 2))
    reviewer = web.user("legal_reviewer")
    version = _version(reviewer.get(f"/review/{case_id}").text)
    refused = reviewer.post(
        f"/review/{case_id}", {"action": "return_draft", "version": version, "comments": "   "}
    )
    assert refused.status_code == 422
    assert 'id="err-comments"' in refused.text and "须填写审核意见" in refused.text
    assert _case(web, case_id)[0].state == "legal_review"
    comments = "请逐项说明不予公开的内容，并核对第三方意见"
    done = reviewer.post(
        f"/review/{case_id}", {"action": "return_draft", "version": version, "comments": comments}
    )
    assert done.status_code == 303
    case, events = _case(web, case_id)
    assert case.state == "handling"
    assert events[-1] == ("return_draft", comments)  # the caseworker reads it in the history


def test_a_stale_form_shows_who_acted_and_keeps_the_comments(web):
    org = web.org
    case_id = in_legal_review(org, D(2026, 3, 2))
    reviewer = web.user("legal_reviewer")
    version = _version(reviewer.get(f"/review/{case_id}").text)
    fire(
        org, case_id, "approve", org.user("legal_reviewer"), {"comments": "同意"}, on=D(2026, 3, 5)
    )
    comments = "理由部分请补充第三方书面意见"
    stale = reviewer.post(
        f"/review/{case_id}", {"action": "return_draft", "version": version, "comments": comments}
    )
    assert stale.status_code == 409
    assert f"案件已由 {org.user('legal_reviewer').full_name} 于" in stale.text
    assert comments in stale.text  # kept
    assert "待签发" in stale.text  # the refreshed case
    assert _case(web, case_id)[0].state == "signing"


def test_only_legal_reviewers_see_the_queue(web):
    assert web.user("caseworker").get("/review").status_code == 403
    assert web.user("supervisor").get("/review").status_code == 403
    case_id = in_legal_review(web.org, D(2026, 3, 2), agency=web.org.zjw, worker="other_caseworker")
    assert web.user("legal_reviewer").get(f"/review/{case_id}").status_code == 404
    forged = web.user("caseworker").post(f"/review/{case_id}", {"action": "approve", "version": 1})
    assert forged.status_code == 403


def test_review_queue_in_a_real_browser(pages, live):
    org = live.org
    case_id = in_legal_review(org, D(2026, 3, 2))
    page = pages.new("legal_reviewer")
    page.goto("/review")
    page.wait_for_selector("table.review-queue")
    screenshot(page, "review-queue")
    page.click(f"a[href='/review/{case_id}']")
    page.wait_for_selector("table.grounds")
    screenshot(page, "review-case")
    page.click("button[value=return_draft]")
    page.wait_for_selector("#err-comments")
    page.fill("#f-comments", "请补充理由")
    page.click("button[value=return_draft]")
    page.wait_for_selector(".flash")
    assert "已退回" in page.inner_text(".flash")


def test_a_disclosure_over_an_objection_shows_the_objection_and_the_finding(web):
    from tests.services.helpers import fire as fire_as
    from tests.services.test_letter_acts import _objected

    case_id = _objected(web.org).id
    finding = "该合同涉及财政资金使用，不公开可能对公共利益造成重大影响"
    decision = {
        "outcome": "disclosed",
        "fields": {"access_method": "随本答复书提供", "public_interest": finding},
    }
    fire_as(web.org, case_id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 10))
    fire_as(web.org, case_id, "submit_for_legal_review", "caseworker", as_of=D(2026, 3, 10))
    html = web.user("legal_reviewer").get(f"/review/{case_id}").text
    assert "第三方不同意公开（第三十二条）" in html and "某某科技有限公司" in html
    assert f'href="/cases/{case_id}/letters/third_party_disclosure_notice"' in html
    assert "不公开可能对公共利益造成重大影响的认定及理由" in html and finding in html
    assert "拟定答复未列明不予公开的依据" not in html  # nothing is withheld
    assert "public_interest" not in html.split("<main", 1)[1].split("<form", 1)[0]
