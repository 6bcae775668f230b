"""One due date everywhere (issue #18): after the admin marks a closure day, the case page, the
inbox, the public status page, the admin's list of moved cases and a newly issued receipt all
say the same date — on SQLite and PostgreSQL.

Counted by hand (tests/services/test_recompute.py): received Mon 2026-12-07, due Tue
2027-01-05 (20 working days; 元旦 Fri 2027-01-01 off). Mon 2026-12-21 closed → Wed 2027-01-06.
"""

from __future__ import annotations

import re
from datetime import date as D

from sqlmodel import select

from api.web.core import date_zh
from gkcase.db import read_session
from gkcase.models import Letter
from tests.services.helpers import fire, register

BEFORE, AFTER = D(2027, 1, 5), D(2027, 1, 6)


def _assigned_case(org):
    case = register(org, arrived_on="2026-12-07")
    fire(org, case.id, "assign", "office_head", {"assignee_id": org.user("caseworker").id},
         as_of=D(2026, 12, 7))  # fmt: skip
    return case


def _row_of(html, number):
    """The table row that names ``number``."""
    found = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{number}(?:(?!</tr>).)*</tr>", html, re.S)
    assert found, f"{number} is listed"
    return found.group(0)


def _mark_closure(admin):
    return admin.post(
        "/admin/calendar/marks",
        {"day": "2026-12-21", "working": "0", "name": "台风停工", "reason": "市政府通知"},
    )


def test_after_a_closure_every_screen_and_a_new_receipt_say_the_same_date(web):
    case = _assigned_case(web.org)
    untouched = register(web.org, arrived_on="2026-11-02")  # due 2026-11-30, before the closure
    assert case.reply_due == BEFORE

    admin = web.user("admin")
    marked = _mark_closure(admin)
    assert marked.status_code == 303
    admin_page = admin.get("/admin/calendar").text
    assert (
        "已将 2026-12-21 标记为停工：台风停工。重新计算了 1 件在办案件的期限，1 件变动"
        in admin_page
    )
    assert "只影响此后计算的期限" not in admin_page
    moved = _row_of(admin_page, case.number)
    assert f"{date_zh(BEFORE)}（暂定） → <strong>{date_zh(AFTER)}（暂定）</strong>" in moved
    assert untouched.number not in admin_page

    due = date_zh(AFTER, weekday=True)
    caseworker = web.user("caseworker")
    assert due in caseworker.get(f"/cases/{case.id}").text
    inbox = caseworker.get("/inbox").text
    row = _row_of(inbox, case.number)
    assert date_zh(AFTER) in row and date_zh(BEFORE) not in row
    status = web.anonymous.post("/status", data={"number": case.number, "code": case.lookup_code})
    assert due in status.text
    api = web.anonymous.post(
        "/api/public/status", json={"number": case.number, "code": case.lookup_code}
    ).json()
    assert api["reply_due"] == AFTER.isoformat()

    registrar = web.user("registrar")
    assert registrar.post(f"/cases/{case.id}/letters/receipt/issue").status_code == 303
    with read_session(web.org.engine) as session:
        receipt = session.exec(select(Letter).where(Letter.case_id == case.id)).one()
    assert date_zh(AFTER) in receipt.text and date_zh(BEFORE) not in receipt.text


def test_a_receipt_stating_the_old_date_is_flagged_to_the_caseworker(web):
    case = _assigned_case(web.org)
    registrar = web.user("registrar")
    assert registrar.post(f"/cases/{case.id}/letters/receipt/issue").status_code == 303
    admin = web.user("admin")
    _mark_closure(admin)

    admin_page = admin.get("/admin/calendar").text
    assert "其中 1 件已发文书所载日期需更正" in admin_page
    caseworker = web.user("caseworker")
    inbox = caseworker.get("/inbox").text
    assert "文书所载日期需更正" in inbox
    flagged = re.search(r'<section class="panel letters-to-correct".*?</section>', inbox, re.S)
    assert case.number in flagged.group(0)
    assert date_zh(BEFORE) in flagged.group(0) and date_zh(AFTER) in flagged.group(0)
    page = caseworker.get(f"/cases/{case.id}").text
    assert "文书需更正" in page and f"载明答复期限为 {date_zh(BEFORE)}" in page


def test_the_api_answers_a_mark_with_the_cases_it_moved(web):
    case = _assigned_case(web.org)
    admin = web.user("admin")
    response = admin.client.post(
        "/api/calendar/marks/2026-12-21",
        json={"working": False, "name": "台风停工"},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert response.status_code == 200, response.text
    recomputed = response.json()["recomputed"]
    assert (recomputed["checked"], recomputed["moved"], recomputed["letters"]) == (1, 1, 0)
    (moved,) = recomputed["cases"]
    assert (moved["number"], moved["reply_due_before"], moved["reply_due_after"]) == (
        case.number,
        BEFORE.isoformat(),
        AFTER.isoformat(),
    )
    runs = admin.get("/api/calendar/recomputes").json()
    assert runs[0]["change"] == "将 2026-12-21 标记为停工：台风停工" and runs[0]["by"] == "admin"
    detail = admin.get(f"/api/calendar/recomputes/{runs[0]['id']}").json()
    assert [c["number"] for c in detail["cases"]] == [case.number]
    missing = admin.get("/api/calendar/recomputes/999999")
    assert missing.status_code == 404 and missing.json()["field"] == "record_id"
    assert web.user("caseworker").get("/api/calendar/recomputes").status_code == 403
