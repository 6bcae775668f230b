"""系统管理 pages: users, agencies, template overrides, the calendar and API tokens — each
scoped to the admin's agency and its subtree, as the JSON admin API is; refusals are shown
next to the field with everything typed kept."""

from __future__ import annotations

import re

import pytest
from sqlmodel import col, select

from gkcase.db import read_session
from gkcase.letters.catalogue import CATALOGUE
from gkcase.models import Agency, LetterTemplate, User, UserSession
from gkcase.services import letters as letters_service
from tests.web.conftest import screenshot

ADMIN_PAGES = [
    "/admin",
    "/admin/users",
    "/admin/agencies",
    "/admin/templates",
    "/admin/templates/receipt",
    "/admin/calendar",
    "/admin/tokens",
]

NOTICE_2027_TOML = """\
year = 2027
title = "国务院办公厅关于2027年部分节假日安排的通知"
number = "国办发明电〔2026〕99号"

[[holiday]]
name = "元旦"
off_from = 2027-01-01
off_to = 2027-01-03
"""

NOTICE_2028_JSON = """{
  "year": 2028,
  "title": "国务院办公厅关于2028年部分节假日安排的通知",
  "holiday": [{"name": "元旦", "off_from": "2028-01-01", "off_to": "2028-01-03"}]
}"""


def field_error(html, name):
    """The message shown beside field ``name`` (the form macro's err-<name> paragraph)."""
    match = re.search(rf'<p class="field-error" id="err-{name}" role="alert">([^<]*)</p>', html)
    return match.group(1) if match else None


def user_row(engine, username):
    with read_session(engine) as session:
        row = session.exec(select(User).where(User.username == username)).first()
        if row is not None:
            session.expunge(row)  # readable after the session ends
        return row


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["caseworker", "registrar", "supervisor", "office_head"])
def test_every_admin_page_and_form_is_refused_to_non_admins(web, role):
    user = web.user(role)
    for path in ADMIN_PAGES:
        response = user.get(path)
        assert response.status_code == 403, path
        assert "系统管理员" in response.text
    added = user.post(
        "/admin/users",
        {"username": "sneaky", "full_name": "某", "roles": "admin", "password": "12345678"},
    )
    assert added.status_code == 403
    assert user_row(web.engine, "sneaky") is None


def test_admin_forms_need_the_csrf_token(web):
    admin = web.user("admin")
    forged = admin.client.post(
        "/admin/users",
        data={"username": "forged", "full_name": "某", "roles": "admin", "password": "12345678"},
    )
    assert forged.status_code == 403
    assert user_row(web.engine, "forged") is None


def test_overview_links_every_section(web):
    page = web.user("admin").get("/admin")
    assert page.status_code == 200
    for path in ADMIN_PAGES[1:]:
        if path.count("/") == 2:
            assert f'href="{path}"' in page.text
    assert "系统管理" in page.text and "某市发展和改革委员会" in page.text


# --- users ------------------------------------------------------------------------------------


def test_users_lists_the_subtree_only_with_chinese_role_labels(web):
    page = web.user("admin").get("/admin/users")
    assert page.status_code == 200
    assert "<code>caseworker</code>" in page.text and "承办人" in page.text
    assert "法制审核" in page.text
    # a sibling agency's users and the city's supervisor are outside the FGW admin's subtree
    assert "zjw_caseworker" not in page.text and "<code>supervisor</code>" not in page.text
    assert "某市住房和城乡建设局" not in page.text


def test_admin_adds_a_user_who_can_then_sign_in(web):
    admin = web.user("admin")
    response = admin.post(
        "/admin/users",
        [
            ("username", "fgw_new"),
            ("full_name", "王五"),
            ("agency_id", str(web.org.fgw.id)),
            ("roles", "caseworker"),
            ("roles", "registrar"),
            ("password", "initial-pass-1"),
            ("email", "wangwu@fgw.example.gov.cn"),
        ],
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/users"
    listed = admin.get("/admin/users")
    assert "已添加用户 fgw_new（王五）" in listed.text
    row = user_row(web.engine, "fgw_new")
    assert row.agency_id == web.org.fgw.id and row.role_set == {"caseworker", "registrar"}
    assert row.email == "wangwu@fgw.example.gov.cn"
    assert "<td>wangwu@fgw.example.gov.cn</td>" in listed.text
    api = {u["username"]: u for u in admin.get("/api/admin/users").json()}
    assert api["fgw_new"]["roles"] == ["caseworker", "registrar"] and api["fgw_new"]["active"]
    assert api["fgw_new"]["email"] == "wangwu@fgw.example.gov.cn"
    signed_in = web.anonymous.post(
        "/login", data={"username": "fgw_new", "password": "initial-pass-1"}
    )
    assert signed_in.status_code == 303


def test_a_duplicate_username_is_refused_beside_the_field_keeping_what_was_typed(web):
    admin = web.user("admin")
    response = admin.post(
        "/admin/users",
        {
            "username": "caseworker",
            "full_name": "重名者",
            "agency_id": str(web.org.fgw.id),
            "roles": "legal_reviewer",
            "password": "secret-typed-1",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "username") == "用户名 caseworker 已被使用"
    assert 'value="重名者"' in response.text
    assert re.search(r'value="legal_reviewer" checked', response.text)
    assert "secret-typed-1" not in response.text  # the password is never sent back


def test_missing_roles_short_password_and_bad_username_are_each_named(web):
    admin = web.user("admin")
    response = admin.post(
        "/admin/users",
        {
            "username": "a b",
            "full_name": "",
            "agency_id": str(web.org.fgw.id),
            "password": "123",
            "email": "not-an-address",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "roles") == "至少选择一项"
    assert field_error(response.text, "password") == "至少 8 个字符"
    assert field_error(response.text, "username") == "只能使用英文字母、数字和 _ - ."
    assert field_error(response.text, "full_name") == "不能为空"
    assert field_error(response.text, "email") == "电子邮箱格式不正确，如 name@example.gov.cn"
    assert 'value="a b"' in response.text and 'value="not-an-address"' in response.text


def test_a_user_cannot_be_added_to_a_sibling_agency(web):
    admin = web.user("admin")
    response = admin.post(
        "/admin/users",
        {
            "username": "zjw_intruder",
            "full_name": "越权者",
            "agency_id": str(web.org.zjw.id),
            "roles": "caseworker",
            "password": "initial-pass-1",
        },
    )
    assert response.status_code == 422
    assert field_error(response.text, "agency_id") == "机关不存在"
    assert user_row(web.engine, "zjw_intruder") is None
    # the select offers the subtree only
    assert f'<option value="{web.org.zjw.id}"' not in admin.get("/admin/users").text


def test_deactivating_a_user_ends_their_sessions(web):
    target = web.user("caseworker")
    admin = web.user("admin")
    user_id = web.org.user("caseworker").id
    page = admin.get("/admin/users")
    assert f'action="/admin/users/{user_id}/deactivate"' in page.text
    assert 'data-confirm="停用用户 caseworker' in page.text
    done = admin.post(f"/admin/users/{user_id}/deactivate")
    assert done.status_code == 303
    assert "已停用用户 caseworker" in admin.get("/admin/users").text
    assert not user_row(web.engine, "caseworker").active
    assert target.get("/api/auth/me").status_code == 401
    with read_session(web.engine) as session:
        open_sessions = session.exec(
            select(UserSession).where(
                UserSession.user_id == user_id, col(UserSession.revoked_at).is_(None)
            )
        ).all()
    assert open_sessions == []
    # the admin's own row has no deactivate button
    own = web.org.user("admin").id
    assert f"/admin/users/{own}/deactivate" not in admin.get("/admin/users").text


def test_a_sibling_agencys_user_cannot_be_deactivated(web):
    admin = web.user("admin")
    sibling = web.org.user("other_caseworker")
    response = admin.post(f"/admin/users/{sibling.id}/deactivate")
    assert response.status_code == 404
    assert user_row(web.engine, "zjw_caseworker").active


# --- agencies ---------------------------------------------------------------------------------

AGENCY_FORM = {
    "parent_id": None,  # the FGW id, filled in by the test
    "code": "fgw-jgc",
    "name": "某市发展和改革委员会价格监督检查处",
    "short_name": "价监处",
    "letter_prefix": "某发改价公开",
    "review_body": "某市发展和改革委员会",
    "court": "某市某区人民法院",
    "vertical": "1",
    "address": "某市人民路1号",
    "postcode": "215000",
    "phone": "0000-12345679",
    "email": "jgc@example.gov.cn",
    "correction_period_workdays": "15",
    "explanation_period_workdays": "10",
    "confirmation_workdays": "1",
    "at_risk_workdays": "5",
    "consultation_pause_from": "receipt",
}


def test_admin_adds_a_subordinate_agency_with_its_policies(web):
    admin = web.user("admin")
    response = admin.post("/admin/agencies", {**AGENCY_FORM, "parent_id": str(web.org.fgw.id)})
    assert response.status_code == 303, response.text
    with read_session(web.engine) as session:
        added = session.exec(select(Agency).where(Agency.code == "FGW-JGC")).one()
        assert added.parent_id == web.org.fgw.id
        assert added.path == f"{web.org.fgw.path}{added.id}/"
        assert added.vertical and not added.fee_window_pauses_clock  # box left unticked
        assert added.correction_period_workdays == 15 and added.at_risk_workdays == 5
        assert added.consultation_pause_from == "receipt"
        assert added.email == "jgc@example.gov.cn"
    api = [a["code"] for a in admin.get("/api/admin/agencies").json()]
    assert "FGW-JGC" in api
    page = admin.get("/admin/agencies")
    assert "已添加机关：某市发展和改革委员会价格监督检查处" in page.text
    # indented one level below the admin's own agency
    assert re.search(r'<td class="depth-1">.*某市发展和改革委员会价格监督检查处', page.text)
    assert '<td class="depth-0">某市发展和改革委员会' in page.text
    assert "某市住房和城乡建设局" not in page.text


def test_agency_refusals_are_named_beside_the_field(web):
    admin = web.user("admin")
    duplicate = admin.post(
        "/admin/agencies", {**AGENCY_FORM, "code": "zjw", "parent_id": str(web.org.fgw.id)}
    )
    assert duplicate.status_code == 422
    assert field_error(duplicate.text, "code") == "机关代码 ZJW 已被使用"
    assert 'value="某市发展和改革委员会价格监督检查处"' in duplicate.text
    bad = admin.post(
        "/admin/agencies",
        {
            **AGENCY_FORM,
            "code": "价格处",
            "name": "",
            "correction_period_workdays": "0",
            "parent_id": str(web.org.fgw.id),
        },
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "code") == "只能使用英文字母、数字和 _ - ."
    assert field_error(bad.text, "name") == "不能为空"
    assert field_error(bad.text, "correction_period_workdays") == "数值过小"
    assert 'value="价格处"' in bad.text and 'value="某发改价公开"' in bad.text
    sibling = admin.post("/admin/agencies", {**AGENCY_FORM, "parent_id": str(web.org.zjw.id)})
    assert sibling.status_code == 422
    assert field_error(sibling.text, "parent_id") == "机关不存在"
    with read_session(web.engine) as session:
        assert session.exec(select(Agency).where(Agency.code == "FGW-JGC")).first() is None


# --- letter templates -------------------------------------------------------------------------


def test_templates_list_every_letter_kind_in_chinese(web):
    page = web.user("admin").get("/admin/templates")
    assert page.status_code == 200
    for spec in CATALOGUE.values():
        assert f'href="/admin/templates/{spec.kind}">{spec.title}</a>' in page.text
    assert "内置模板" in page.text


def test_an_override_is_saved_as_a_new_version(web):
    admin = web.user("admin")
    page = admin.get("/admin/templates/receipt")
    assert page.status_code == 200 and "内置模板" in page.text
    with read_session(web.engine) as session:
        builtin = letters_service.template_in_use(session, web.org.fgw.id, "receipt").source
    source = builtin + "<p>特此告知。</p>\n"
    saved = admin.post("/admin/templates/receipt", {"source": source, "note": "加结束语"})
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/templates/receipt"
    shown = admin.get("/admin/templates/receipt")
    assert "已保存「政府信息公开申请接收回执」模板第 1 版" in shown.text
    assert "本机关模板" in shown.text and "特此告知。" in shown.text
    api = admin.get("/api/admin/templates/receipt").json()
    assert api["origin"] == "agency" and api["version"] == 1 and api["source"] == source
    again = admin.post("/admin/templates/receipt", {"source": source + "<p>再改。</p>"})
    assert again.status_code == 303
    assert admin.get("/api/admin/templates/receipt").json()["version"] == 2
    listed = admin.get("/admin/templates")
    assert "本机关模板 第 2 版" in listed.text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<p>本机关已收到您的申请。</p>", "模板缺少必备内容"),
        ("<p>{% if %}</p>", "语法错误"),
        ("<p>{{ applicant.nonexistent.deeper }}</p>", "模板"),
    ],
)
def test_a_bad_override_is_refused_beside_the_editor_keeping_the_source(web, source, message):
    admin = web.user("admin")
    response = admin.post("/admin/templates/receipt", {"source": source})
    assert response.status_code == 422
    shown = field_error(response.text, "source")
    assert shown and message in shown
    assert f">{source.replace('<', '&lt;').replace('>', '&gt;')}</textarea>" in response.text
    with read_session(web.engine) as session:
        assert session.exec(select(LetterTemplate)).first() is None


def test_an_unknown_letter_kind_is_refused(web):
    response = web.user("admin").get("/admin/templates/no_such_letter")
    assert response.status_code == 422 and "没有“no_such_letter”这种文书" in response.text


# --- calendar ---------------------------------------------------------------------------------


def test_calendar_shows_each_years_status(web):
    admin = web.user("admin")
    page = admin.get("/admin/calendar")
    assert page.status_code == 200
    years = admin.get("/api/calendar/years").json()["years"]
    for year in years:
        label = "正式" if year["status"] == "official" else "预估"
        assert re.search(rf'{year["year"]}</td>\s*<td><span class="badge \w+">{label}', page.text)
    assert 'enctype="multipart/form-data"' in page.text and 'type="file"' in page.text


def test_a_notice_is_loaded_from_an_uploaded_file(web):
    admin = web.user("admin")
    response = admin.client.post(
        "/admin/calendar/notices",
        data={"csrf_token": admin.csrf, "notice_text": ""},
        files={"notice_file": ("arrangement-2027.toml", NOTICE_2027_TOML.encode(), "text/plain")},
    )
    assert response.status_code == 303, response.text
    page = admin.get("/admin/calendar")
    assert "已导入 2027 年节假日安排：国务院办公厅关于2027年部分节假日安排的通知" in page.text
    years = {y["year"]: y for y in admin.get("/api/calendar/years").json()["years"]}
    assert years[2027]["status"] == "official"
    assert years[2027]["notice_number"] == "国办发明电〔2026〕99号"
    day = admin.get("/api/calendar/days/2027-01-04").json()
    assert day["working"] and not day["estimated"]
    again = admin.client.post(
        "/admin/calendar/notices",
        data={"csrf_token": admin.csrf},
        files={"notice_file": ("again.toml", NOTICE_2027_TOML.encode(), "text/plain")},
    )
    assert again.status_code == 303
    assert "已在使用，未作改动" in admin.get("/admin/calendar").text


def test_a_notice_is_loaded_from_pasted_json(web):
    admin = web.user("admin")
    response = admin.post("/admin/calendar/notices", {"notice_text": NOTICE_2028_JSON})
    assert response.status_code == 303, response.text
    assert "已导入 2028 年节假日安排" in admin.get("/admin/calendar").text
    years = {y["year"]: y for y in admin.get("/api/calendar/years?to=2028").json()["years"]}
    assert years[2028]["status"] == "official"


def test_a_bad_notice_is_refused_naming_the_field_and_keeping_the_paste(web):
    admin = web.user("admin")
    bad = NOTICE_2027_TOML.replace("off_to = 2027-01-03", "off_to = 2026-12-30")
    response = admin.post("/admin/calendar/notices", {"notice_text": bad})
    assert response.status_code == 422
    message = field_error(response.text, "notice_text")
    assert message and message.startswith("holiday.0：") and "早于开始日" in message
    assert "off_to = 2026-12-30" in response.text
    broken = admin.post("/admin/calendar/notices", {"notice_text": "year = = 2027"})
    assert broken.status_code == 422
    assert field_error(broken.text, "notice_text").startswith("格式错误")
    upload = admin.client.post(
        "/admin/calendar/notices",
        data={"csrf_token": admin.csrf},
        files={"notice_file": ("notice.docx", b"PK\x03\x04", "application/octet-stream")},
    )
    assert upload.status_code == 422
    assert field_error(upload.text, "notice_file") == "文件须为 .toml 或 .json"
    empty = admin.post("/admin/calendar/notices", {"notice_text": "  "})
    assert field_error(empty.text, "notice_file") == "请选择通知文件，或粘贴通知内容"
    years = {y["year"]: y for y in admin.get("/api/calendar/years").json()["years"]}
    assert years[2027]["status"] == "estimated"


def test_a_day_is_marked_and_unmarked(web):
    admin = web.user("admin")
    marked = admin.post(
        "/admin/calendar/marks",
        {"day": "2026-07-20", "working": "0", "name": "台风停工", "reason": "市政府通知"},
    )
    assert marked.status_code == 303
    page = admin.get("/admin/calendar")
    assert "已将 2026-07-20 标记为停工：台风停工" in page.text
    assert "2026年7月20日" in page.text and "市政府通知" in page.text
    day = admin.get("/api/calendar/days/2026-07-20").json()
    assert not day["working"] and day["kind"] == "closure"
    assert 'action="/admin/calendar/marks/2026-07-20/unmark"' in page.text
    unmarked = admin.post("/admin/calendar/marks/2026-07-20/unmark")
    assert unmarked.status_code == 303
    assert "已取消 2026-07-20 的标记" in admin.get("/admin/calendar").text
    assert admin.get("/api/calendar/days/2026-07-20").json()["working"]
    assert admin.get("/api/calendar/years").json()["marks"] == []


def test_a_mark_without_a_name_or_date_is_refused_beside_the_field(web):
    admin = web.user("admin")
    response = admin.post(
        "/admin/calendar/marks", {"day": "2026-07-20", "working": "1", "name": "", "reason": "x"}
    )
    assert response.status_code == 422
    assert field_error(response.text, "name") == "不能为空"
    assert 'value="2026-07-20"' in response.text and 'value="1" selected' in response.text
    no_day = admin.post("/admin/calendar/marks", {"day": "", "working": "0", "name": "停工"})
    assert no_day.status_code == 422 and field_error(no_day.text, "day")
    assert admin.get("/api/calendar/years").json()["marks"] == []


def test_unmarking_a_day_without_a_mark_is_refused(web):
    response = web.user("admin").post("/admin/calendar/marks/2026-07-21/unmark")
    assert response.status_code == 422 and "没有标记" in response.text


# --- API tokens -------------------------------------------------------------------------------


def test_a_token_is_shown_once_works_and_can_be_revoked(web):
    admin = web.user("admin")
    registrar = web.org.user("registrar")
    # a person's token is their own: the admin cannot mint one that acts as the registrar
    page = admin.get("/admin/tokens")
    assert f'<option value="{registrar.id}"' not in page.text
    response = admin.post("/admin/tokens", {"name": "冒名", "user_id": registrar.id})
    assert response.status_code == 422
    assert "不能以他人身份办理" in field_error(response.text, "user_id")
    created = admin.post(
        "/admin/service-accounts",
        {"username": "portal", "full_name": "门户网站在线申请（服务账户）", "roles": ["registrar"]},
    )
    assert created.status_code == 303
    assert "已新增服务账户「门户网站在线申请（服务账户）」" in admin.get("/admin/tokens").text
    portal = next(u for u in admin.get("/api/admin/users").json() if u["username"] == "portal")
    assert portal["service_account"] and portal["roles"] == ["registrar"]
    response = admin.post("/admin/tokens", {"name": "门户网站在线申请", "user_id": portal["id"]})
    assert response.status_code == 200
    token = re.search(r'<code class="token" id="issued-token">([^<]+)</code>', response.text)[1]
    me = web.anonymous.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "portal"
    page = admin.get("/admin/tokens")
    assert "门户网站在线申请" in page.text and token not in page.text
    token_id = admin.get("/api/admin/tokens").json()[-1]["id"]
    revoked = admin.post(f"/admin/tokens/{token_id}/revoke")
    assert revoked.status_code == 303
    assert "已吊销令牌「门户网站在线申请」" in admin.get("/admin/tokens").text
    gone = web.anonymous.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401


def test_a_service_account_holds_no_accountable_role(web):
    admin = web.user("admin")
    response = admin.post(
        "/admin/service-accounts",
        {"username": "robot", "full_name": "自动签发", "roles": ["office_head"]},
    )
    assert response.status_code == 422
    assert field_error(response.text, "roles") == "服务账户只能具有登记员、督查人员角色"
    assert 'value="自动签发"' in response.text
    assert all(u["username"] != "robot" for u in admin.get("/api/admin/users").json())


def test_a_token_for_a_sibling_agencys_user_is_refused(web):
    admin = web.user("admin")
    sibling = web.org.user("other_caseworker")
    response = admin.post("/admin/tokens", {"name": "越权", "user_id": sibling.id})
    assert response.status_code == 422
    assert field_error(response.text, "user_id") == "用户不存在"
    assert 'value="越权"' in response.text
    assert admin.get("/api/admin/tokens").json() == []


# --- a real browser ---------------------------------------------------------------------------


def test_admin_adds_a_user_with_the_keyboard_only(pages, live):
    page = pages.new("admin")
    page.goto("/admin/users")
    page.focus("#f-username")
    page.keyboard.type("kb_user")
    page.keyboard.press("Tab")
    page.keyboard.type("键盘用户")
    page.keyboard.press("Tab")  # the e-mail for the daily digest
    page.keyboard.type("kb_user@fgw.example.gov.cn")
    page.keyboard.press("Tab")  # the agency select: the admin's own agency is chosen already
    page.keyboard.press("Tab")  # first role checkbox
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    for _ in range(4):  # past the remaining roles to the password field
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-password"
    page.keyboard.type("keyboard-pass-1")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash")
    assert "已添加用户 kb_user（键盘用户）" in page.inner_text(".flash")
    row = page.locator("tr", has_text="kb_user")
    assert row.count() == 1
    assert "登记员、法制审核人员" in row.inner_text()  # the first and third boxes
    added = user_row(live.org.engine, "kb_user")
    assert added.role_set == {"registrar", "legal_reviewer"}
    assert added.email == "kb_user@fgw.example.gov.cn"
    screenshot(page, "admin-users")
    page.goto("/admin/calendar")
    assert page.locator("table.years tbody tr").count() >= 8
    screenshot(page, "admin-calendar")


def test_the_legal_review_range_is_widened_never_below_the_floor(web):
    from gkcase.states.outcomes import LEGAL_REVIEW_MINIMUM, legal_review_outcomes

    admin = web.user("admin")
    fgw = web.org.fgw.id
    page = admin.get("/admin/agencies").text
    assert "法制审核范围" in page
    # the floor's boxes are locked (and carried by hidden inputs)
    assert re.search(r'id="f-review-\d+-withheld_state_secret"[^>]* checked disabled', page)
    floor = [o.value for o in LEGAL_REVIEW_MINIMUM]
    saved = admin.post(f"/admin/agencies/{fgw}/legal-review", {"outcomes": [*floor, "not_exist"]})
    assert saved.status_code == 303
    assert "已更新「某市发展和改革委员会」的法制审核范围" in admin.get("/admin/agencies").text
    with read_session(web.org.engine) as session:
        stored = session.get(Agency, fgw).legal_review_outcomes
    assert {o.value for o in legal_review_outcomes(stored)} == {*floor, "not_exist"}
    forged = admin.post(f"/admin/agencies/{fgw}/legal-review", {"outcomes": ["not_exist"]})
    assert forged.status_code == 422
    assert "不予公开、部分公开的答复必须经法制审核，不能取消" in forged.text
    with read_session(web.org.engine) as session:
        assert session.get(Agency, fgw).legal_review_outcomes == stored
