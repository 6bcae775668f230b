"""The whole life of one case, in a real browser, across every role that touches it.

registrar registers (in person) and assigns → caseworker starts review, asks for correction
and issues the notice → the correction arrives → accepted → third-party consultation (Art 32)
→ a partial disclosure drafted → legal reviewer returns it with comments → the caseworker sees
them and fixes the draft → legal approves → office head checks the reply's lint and signs →
delivery recorded → archived; then the supervisor sees the reply in the statistics and the
audit trail verifies, and the applicant sees the stage on the public status page.

Each step is done the way a person would: forms opened and sent with the keyboard (date fields
are filled, as their segment order follows the browser's locale), pages checked by what they
show. Every page visited is saved as a screenshot (test-artifacts/screenshots/lifecycle-*.png).
"""

from __future__ import annotations

import re

from sqlmodel import select

from gkcase.db import read_session
from gkcase.models import Case, CaseEvent, Letter
from gkcase.services import cases as svc
from tests.web.conftest import screenshot

ID = "11010119900307002X"
REQUESTED = "2025年本市某产业园区建设项目的环境影响评价批复文件及附件"
THIRD_PARTY = "某环保科技有限公司"


class Step:
    """Screenshots numbered in the order the scenario takes them."""

    def __init__(self):
        self.n = 0

    def shot(self, page, name):
        self.n += 1
        screenshot(page, f"lifecycle-{self.n:02d}-{name}")


def act(page, trigger, label, fields=None):
    """Open an action's form with the keyboard, fill it, send it with Enter; the page reloads
    with the case's new state and a message saying what was done."""
    summary = page.locator(f"#action-{trigger} > summary")
    summary.focus()
    page.keyboard.press("Enter")
    for name, value in (fields or {}).items():
        control = page.locator(f"#a-{trigger}-{name.replace('.', '-')}")
        control.wait_for()
        tag, kind = control.evaluate("e => [e.tagName, e.type]")
        if tag == "SELECT":
            control.focus()
            control.select_option(value)
        elif kind == "date":
            control.fill(value)
        else:
            control.focus()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type(value)
    page.locator(f"#action-{trigger} button.primary").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    flash = page.inner_text(".flash")
    assert f"已办理：{label}" in flash, flash


def state_of(page):
    return page.inner_text(".case-head")


def test_the_life_of_a_case_across_roles(pages, live):
    org, step, today = live.org, Step(), svc.china_today()
    caseworker_id = org.user("caseworker").id

    # --- the registrar registers an application handed in at the counter ----------------------
    registrar = pages.new("registrar")
    registrar.goto("/register")
    registrar.focus("#f-channel")
    registrar.select_option("#f-channel", "in_person")
    registrar.fill("#f-arrived_on", today.isoformat())
    registrar.wait_for_selector(f'[data-receipt-date="{today.isoformat()}"]')
    registrar.select_option("#f-applicant-kind", "natural_person")
    for field, text in (
        ("#f-applicant-name", "王五"),
        ("#f-applicant-id_number", ID),
        ("#f-applicant-phone", "13912345678"),
        ("#f-applicant-address", "某市某区某路1号"),
        ("#f-information_requested", REQUESTED),
        ("#f-delivery_requested", "邮寄"),
    ):
        registrar.focus(field)
        registrar.keyboard.type(text)
    registrar.select_option("#f-applicant-id_type", "居民身份证")
    step.shot(registrar, "register")
    registrar.focus("#register-form button[type=submit]")
    with registrar.expect_navigation():
        registrar.keyboard.press("Enter")
    flash = registrar.inner_text(".flash")
    number = re.search(r"[A-Z]+-\d{4}-\d+", flash).group(0)
    code = re.search(r"查询码 ([0-9A-Z]+)", flash).group(1)
    case_id = int(re.search(r"/cases/(\d+)$", registrar.url).group(1))
    assert "登记" in state_of(registrar)
    act(registrar, "assign", "指定承办人", {"assignee_id": str(caseworker_id)})
    step.shot(registrar, "case-registered")

    # --- the applicant can already follow it ---------------------------------------------------
    public = pages.new()
    public.goto("/status")
    public.fill("#f-number", number)
    public.fill("#f-code", code)
    with public.expect_navigation():
        public.keyboard.press("Enter")
    assert "答复期限" in public.inner_text(".status-result")
    step.shot(public, "status-registered")

    # --- the caseworker: inbox, review, correction ---------------------------------------------
    caseworker = pages.new("caseworker")
    caseworker.goto("/inbox")
    assert number in caseworker.inner_text("main")
    step.shot(caseworker, "inbox")
    with caseworker.expect_navigation():
        caseworker.click(f"a[href='/cases/{case_id}']")
    act(caseworker, "start_review", "开始审核")
    act(
        caseworker,
        "request_correction",
        "告知补正",
        {
            "items": "所需批复文件的文号或者批复年份",
            "guidance": "请写明批复文件的名称、文号或者其他特征性描述",
        },
    )
    assert "待补正" in state_of(caseworker)
    step.shot(caseworker, "case-awaiting-correction")

    # the correction notice went out with the act: numbered, frozen, listed with the case
    assert "政府信息公开申请补正告知书" in caseworker.inner_text("#letters")
    assert "某发改公开补〔" in caseworker.inner_text("#letters")
    with caseworker.expect_navigation():
        caseworker.click(f"#letters a[href='/cases/{case_id}/letters/correction_notice']")
    assert "随「告知补正」出具" in caseworker.inner_text("main")
    assert caseworker.locator("form[action$='/issue']").count() == 0
    step.shot(caseworker, "letter-correction-notice")
    caseworker.goto(f"/cases/{case_id}")

    act(
        caseworker,
        "correction_received",
        "收到补正",
        {"received_on": today.isoformat(), "summary": "申请人补充了批复文件的年份和项目名称"},
    )
    act(caseworker, "accept", "受理办理", {"note": "补正后内容明确，予以受理"})

    # --- third-party consultation (Art 32) -----------------------------------------------------
    act(
        caseworker,
        "consult",
        "征求意见",
        {
            "kind": "third_party",
            "party_name": THIRD_PARTY,
            "matters": "申请公开的批复附件中含有贵公司的工艺参数，请于15个工作日内提出意见",
        },
    )
    assert "征求意见" in state_of(caseworker)
    assert THIRD_PARTY in caseworker.inner_text("main")
    step.shot(caseworker, "case-consulting")
    consultation = caseworker.locator("#a-consultation_done-consultation_id option:not([value=''])")
    act(
        caseworker,
        "consultation_done",
        "征求意见结束",
        {
            "consultation_id": consultation.first.get_attribute("value"),
            "opinion": "object",
            "opinion_received_on": today.isoformat(),
            "summary": "第三方不同意公开附件中的工艺参数部分",
        },
    )

    # --- a partial disclosure, returned by legal review, fixed, approved -----------------------
    act(
        caseworker,
        "draft_decision",
        "拟定答复",
        {
            "outcome": "partially_disclosed",
            "fields.access_method": "邮寄",
            "fields.grounds.0.ground": "third_party",
            "fields.grounds.0.part": "附件三中的工艺参数",
            "fields.grounds.0.reasons": "涉及第三方商业秘密",
        },
    )
    act(caseworker, "submit_for_legal_review", "提交法制审核")
    assert "法制审核" in state_of(caseworker)

    reviewer = pages.new("legal_reviewer")
    reviewer.goto("/review")
    step.shot(reviewer, "review-queue")
    with reviewer.expect_navigation():
        reviewer.click(f"a[href='/review/{case_id}']")
    assert "涉及第三方商业秘密" in reviewer.inner_text("table.grounds")
    step.shot(reviewer, "review-case-first-draft")
    reviewer.focus("#f-comments")
    reviewer.keyboard.type("请写明工艺参数构成商业秘密的理由及第三方的意见")
    with reviewer.expect_navigation():
        reviewer.click("button[value=return_draft]")
    assert "已退回" in reviewer.inner_text(".flash")

    caseworker.goto(f"/cases/{case_id}")
    head = state_of(caseworker)
    assert "办理中" in head, head
    assert "请写明工艺参数构成商业秘密的理由及第三方的意见" in caseworker.inner_text("main")
    step.shot(caseworker, "case-returned")
    # the returned draft is in the form, ready to be fixed: only the reasons are rewritten
    assert (
        caseworker.input_value("#a-draft_decision-outcome") == "partially_disclosed"
        and caseworker.input_value("#a-draft_decision-fields-grounds-0-part")
        == "附件三中的工艺参数"
    )
    fixed = (
        "附件三中的工艺参数属于该公司的技术秘密，经征求意见该公司不同意公开，"
        "公开会对其合法权益造成损害，依据《条例》第十五条不予公开"
    )
    act(caseworker, "draft_decision", "拟定答复", {"fields.grounds.0.reasons": fixed})
    act(caseworker, "submit_for_legal_review", "提交法制审核")

    reviewer.goto(f"/review/{case_id}")
    assert fixed in reviewer.inner_text("table.grounds")
    step.shot(reviewer, "review-case-second-draft")
    reviewer.focus("#f-comments")
    reviewer.keyboard.type("同意")
    with reviewer.expect_navigation():
        reviewer.click("button[value=approve]")
    assert "待签发" in reviewer.inner_text("main") or "签发" in reviewer.inner_text(".flash")

    # --- the office head reads the reply, its lint is clean, and signs -------------------------
    head_page = pages.new("office_head")
    head_page.goto(f"/cases/{case_id}/letters/reply_partially_disclosed")
    body = head_page.frame_locator("iframe.letter").locator("body")
    body.wait_for()
    assert "附件三中的工艺参数" in body.inner_text()
    assert head_page.locator(".findings li.error").count() == 0
    step.shot(head_page, "letter-reply")
    head_page.goto(f"/cases/{case_id}")
    act(head_page, "sign", "签发")
    assert "已答复" in state_of(head_page)
    step.shot(head_page, "case-signed")

    # --- delivery and archiving ---------------------------------------------------------------
    caseworker.goto(f"/cases/{case_id}")
    act(
        caseworker,
        "deliver",
        "登记送达",
        {
            "method": "post",
            "delivered_on": today.isoformat(),
            "posted_on": today.isoformat(),
            "tracking_number": "EMS1234567890",
            "recipient": "王五",
        },
    )
    act(caseworker, "archive", "归档", {"file_number": "2026-公开-0001"})
    assert "已归档" in state_of(caseworker)
    history = caseworker.inner_text("#history")
    for label in ("告知补正", "收到补正", "征求意见", "退回修改", "法制审核同意", "签发", "归档"):
        assert label in history, label
    step.shot(caseworker, "case-archived")

    with read_session(org.engine) as session:
        case = session.get(Case, case_id)
        assert (case.state, case.outcome, case.draft_version) == (
            "archived",
            "partially_disclosed",
            2,
        )
        letters = session.exec(select(Letter.kind).where(Letter.case_id == case_id)).all()
        # each issued by its act: the notice, the consultation letter, the reply (no disclosure
        # notice: the third party's part was withheld)
        assert letters == [
            "correction_notice",
            "third_party_consultation",
            "reply_partially_disclosed",
        ]
        assert session.exec(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()

    # --- the supervisor sees the reply in the statistics, and the audit trail verifies ---------
    supervisor = pages.new("supervisor")
    supervisor.goto("/supervision")
    supervisor.wait_for_selector("#chart-on-time[data-rendered]")
    supervisor.click("details.sv-data:has(table.on-time) > summary")
    on_time = supervisor.locator("table.on-time tr", has_text=org.fgw.short_name or org.fgw.name)
    cells = on_time.first.locator("td").all_inner_texts()
    assert cells[:2] == ["1", "1"] and cells[-1] == "100.0%", cells
    supervisor.click("details.sv-data:has(table.weekly) > summary")
    weekly = supervisor.locator("table.weekly tfoot td").all_inner_texts()
    assert weekly == ["1", "1"], weekly  # received and replied within the weeks shown
    step.shot(supervisor, "supervision")
    supervisor.goto(f"/cases/{case_id}")  # read-only, the applicant's details masked
    assert ID not in supervisor.content() and "13912345678" not in supervisor.content()
    assert supervisor.locator("details.action").count() == 0
    supervisor.goto(f"/supervision/cases/{case_id}/audit")
    assert "完整性校验通过" in supervisor.inner_text("main")
    step.shot(supervisor, "supervision-audit")

    # --- and the applicant sees that it is done -----------------------------------------------
    public.goto("/status")
    public.fill("#f-number", number)
    public.fill("#f-code", code)
    with public.expect_navigation():
        public.keyboard.press("Enter")
    result = public.inner_text(".status-result")
    assert number in result and "已办结" in result, result
    step.shot(public, "status-archived")
