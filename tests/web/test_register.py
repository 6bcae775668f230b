"""登记申请 through the form clients: every channel with the facts it needs, the live receipt date
with its Art 31 rule and the reply due date, the duplicate warning (fragment and submit), an
idempotent double submit, and a refusal that names the field and keeps everything typed.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlmodel import func, select

from api.web.core import FLASH_COOKIE
from gkcase.db import read_session, unit_of_work
from gkcase.models import Applicant, Case
from gkcase.services import cases as svc
from gkcase.services.calendar import current_calendar
from tests.web.conftest import screenshot

TODAY = svc.china_today()
ID = "11010119900307002X"  # a valid 居民身份证 number (check digit X)


def _cal(org):
    with read_session(org.engine) as session:
        return current_calendar(session)


def back(org, workdays):
    return _cal(org).add_workdays(TODAY, -workdays)


def form(**changes):
    data = {
        "channel": "in_person",
        "arrived_on": TODAY.isoformat(),
        "signed_for_on": "",
        "confirmed_on": "",
        "applicant.kind": "natural_person",
        "applicant.name": "张三",
        "applicant.id_type": "居民身份证",
        "applicant.id_number": ID,
        "applicant.contact_person": "",
        "applicant.phone": "13812341234",
        "applicant.email": "zhangsan@example.com",
        "applicant.address": "某市东湖区解放路128号502室",
        "applicant.postcode": "330000",
        "information_requested": "2025年某项目的环境影响评价批复文件",
        "form_requested": "纸质",
        "delivery_requested": "邮寄",
    }
    data.update(changes)
    return data


def key_of(html):
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match, "the form has no idempotency key"
    return match.group(1)


def submit(user, **changes):
    page = user.get("/register")
    return user.post("/register", form(idempotency_key=key_of(page.text), **changes))


def flash(response):
    return unquote(response.cookies.get(FLASH_COOKIE) or "")


def stored(org, case_id):
    with read_session(org.engine) as session:
        case = session.get(Case, case_id)
        session.expunge(case)
        return case


def cases_count(org):
    with read_session(org.engine) as session:
        return session.exec(select(func.count()).select_from(Case)).one()


def test_the_form_is_for_registrars_only(web):
    assert web.user("caseworker").get("/register").status_code == 403
    assert web.user("caseworker").get("/register/receipt?channel=fax").status_code == 403
    refused = web.user("caseworker").post("/register", form(idempotency_key="k" * 20))
    assert refused.status_code == 403 and cases_count(web.org) == 0


def test_the_form_shows_every_channel_and_applicant_type_and_todays_receipt(web):
    html = web.user("registrar").get("/register").text
    for label in (
        "当面提交",
        "口头提出（代为填写）",
        "邮寄（需签收）",
        "平常信函",
        "互联网",
        "传真",
    ):
        assert f">{label}</option>" in html
    for label in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"):
        assert f">{label}</option>" in html
    assert len(key_of(html)) >= 20
    # rendered server-side on first load: today, in person, with its rule and the reply due date
    assert f'data-receipt-date="{TODAY.isoformat()}"' in html
    assert "以提交之日为收到申请之日（第三十一条第一项）" in html
    due = _cal(web.org).add_workdays(TODAY, 20)
    assert f'data-reply-due="{due.isoformat()}"' in html
    assert 'hx-get="/register/receipt"' in html and 'src="/static/register.js"' in html


# channel, facts typed, the expected receipt date (a function of the dates), the rule's words
CHANNELS = [
    ("in_person", {}, "arrived", "第三十一条第一项"),
    ("oral", {}, "arrived", "第三十一条第一项"),
    ("signed_mail", {"signed_for_on": "signed"}, "signed", "以行政机关签收之日为收到申请之日"),
    ("ordinary_letter", {"confirmed_on": "confirmed"}, "confirmed", "确认之日为收到申请之日"),
    ("internet", {"confirmed_on": "confirmed"}, "confirmed", "通过互联网提交的，以双方确认之日"),
    ("fax", {"confirmed_on": "confirmed"}, "confirmed", "通过传真提交的，以双方确认之日"),
]


def _dates(org):
    return {"arrived": back(org, 3), "signed": back(org, 2), "confirmed": back(org, 1)}


@pytest.mark.parametrize(("channel", "facts", "receipt", "rule"), CHANNELS)
def test_the_live_receipt_fragment_for_each_channel(web, channel, facts, receipt, rule):
    days = _dates(web.org)
    params = {"channel": channel, "arrived_on": days["arrived"].isoformat()}
    params |= {name: days[which].isoformat() for name, which in facts.items()}
    user = web.user("registrar")
    response = user.get("/register/receipt", params=params)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html  # a fragment, not a page
    assert rule in html
    day = days[receipt]
    assert f'data-receipt-date="{day.isoformat()}"' in html
    due = _cal(web.org).add_workdays(day, 20)
    assert f'data-reply-due="{due.isoformat()}"' in html
    if facts:  # without its fact, the channel says what is still needed
        missing = user.get("/register/receipt", params={**params, **dict.fromkeys(facts, "")})
        assert "data-receipt-date" not in missing.text
        assert "收到申请之日尚未确定" in missing.text
        assert ("签收日期" if channel == "signed_mail" else "尚待与申请人确认") in missing.text


def test_the_receipt_fragment_explains_impossible_dates(web):
    user = web.user("registrar")
    days = _dates(web.org)
    early = user.get(
        "/register/receipt",
        params={
            "channel": "internet",
            "arrived_on": days["confirmed"].isoformat(),
            "confirmed_on": days["arrived"].isoformat(),
        },
    )
    assert "确认日期不能早于申请到达日期" in early.text
    garbled = user.get("/register/receipt", params={"channel": "fax", "arrived_on": "2026-13-40"})
    assert "日期格式不正确" in garbled.text
    assert "请选择申请渠道" in user.get("/register/receipt", params={"channel": "pigeon"}).text


@pytest.mark.parametrize(("channel", "facts", "receipt", "rule"), CHANNELS)
def test_registration_from_each_channel(web, channel, facts, receipt, rule):
    days = _dates(web.org)
    dates = {name: days[which].isoformat() for name, which in facts.items()}
    response = submit(
        web.user("registrar"), channel=channel, arrived_on=days["arrived"].isoformat(), **dates
    )
    assert response.status_code == 303
    case_id = int(response.headers["location"].rsplit("/", 1)[1])
    case = stored(web.org, case_id)
    assert response.headers["location"] == f"/cases/{case.id}"
    assert case.channel == channel and case.receipt_date == days[receipt]
    assert case.state == "registered"
    assert case.reply_due == _cal(web.org).add_workdays(days[receipt], 20)
    message = flash(response)
    assert case.number in message and f"查询码 {case.lookup_code}" in message


def test_an_unconfirmed_internet_application_is_received_pending_confirmation(web):
    response = submit(web.user("registrar"), channel="internet")
    assert response.status_code == 303
    case = stored(web.org, int(response.headers["location"].rsplit("/", 1)[1]))
    assert case.state == "received" and case.receipt_date is None
    assert "尚待与申请人确认收到申请" in flash(response)


def test_a_double_submit_registers_once(web):
    user = web.user("registrar")
    data = form(idempotency_key=key_of(user.get("/register").text))
    first = user.post("/register", data)
    again = user.post("/register", data)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert cases_count(web.org) == 1
    assert "重复提交未再次登记" in flash(again)
    # a fresh form is a fresh key
    assert key_of(user.get("/register").text) != data["idempotency_key"]


def test_a_refusal_names_the_field_and_keeps_everything_typed(web):
    user = web.user("registrar")
    response = submit(
        user,
        **{
            "applicant.id_number": "110101199003070021",  # wrong check digit
            "applicant.name": "李四",
            "information_requested": "某街道2025年度财政预算",
            "channel": "signed_mail",
            "signed_for_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="err-applicant-id_number"' in html and "居民身份证号码校验位不符" in html
    assert 'value="李四"' in html and 'value="110101199003070021"' in html
    assert "某街道2025年度财政预算</textarea>" in html
    assert '<option value="signed_mail" selected>' in html
    assert f'name="signed_for_on" type="date" value="{TODAY.isoformat()}"' in html
    assert cases_count(web.org) == 0
    # the same key is kept, so the corrected form still registers once
    key = key_of(html)
    fixed = user.post(
        "/register", form(idempotency_key=key, **{"applicant.name": "李四"}) | {"channel": "fax"}
    )
    assert fixed.status_code == 303 and cases_count(web.org) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"arrived_on": ""}, "arrived_on", "请填写申请到达日期"),
        ({"information_requested": "   "}, "information_requested", "不能为空"),
        ({"applicant.name": ""}, "applicant-name", "不能为空"),
        ({"applicant.kind": "alien"}, "applicant-kind", "不是允许的取值"),
        ({"arrived_on": "2099-01-01"}, "arrived_on", "不能晚于办理日期"),
        (
            {"channel": "fax", "confirmed_on": "2026-01-01", "arrived_on": "2026-02-02"},
            "confirmed_on",
            "确认日期不能早于申请到达日期",
        ),
        (
            {"applicant.id_type": "统一社会信用代码", "applicant.id_number": "91350100M000100Y4"},
            "applicant-id_number",
            "统一社会信用代码校验不通过",
        ),
    ],
)
def test_each_refused_field_is_named(web, changes, field, message):
    response = submit(web.user("registrar"), **changes)
    assert response.status_code == 422
    assert f'id="err-{field}"' in response.text and message in response.text
    assert cases_count(web.org) == 0


def test_a_forged_post_is_refused(web):
    user = web.user("registrar")
    response = user.client.post("/register", data=form(idempotency_key="x" * 20))
    assert response.status_code == 403 and cases_count(web.org) == 0


def _earlier(web, **changes):
    response = submit(
        web.user("registrar"),
        arrived_on=back(web.org, 10).isoformat(),
        information_requested="2025年某项目的环境影响评价批复文件",
        **changes,
    )
    return stored(web.org, int(response.headers["location"].rsplit("/", 1)[1]))


def test_the_similar_fragment_warns_of_the_same_applicants_earlier_request(web):
    earlier = _earlier(web)
    user = web.user("registrar")
    params = {
        "applicant.name": "张三",
        "applicant.id_type": "居民身份证",
        "applicant.id_number": ID.lower(),
        "information_requested": "请公开：2025年 某项目的环境影响评价批复文件。",
    }
    html = user.get("/register/similar", params=params).text
    assert f'data-similar="{earlier.number}"' in html
    assert "该申请人此前在本机关提出过相似申请（1 件）" in html
    assert "已登记" in html and "2025年某项目的环境影响评价批复文件" in html
    assert earlier.receipt_date.day and f"{earlier.receipt_date.year}年" in html
    # a different request of the same applicant, or the same request of someone else: no warning
    other = user.get(
        "/register/similar", params={**params, "information_requested": "本市新能源汽车补贴名单"}
    )
    assert "data-similar" not in other.text and "未发现" in other.text
    stranger = user.get(
        "/register/similar",
        params={**params, "applicant.id_number": "110101198001010014", "applicant.name": "王五"},
    )
    assert "data-similar" not in stranger.text


def test_without_an_id_number_name_and_phone_identify_the_applicant(web):
    earlier = _earlier(web, **{"applicant.id_type": "", "applicant.id_number": ""})
    user = web.user("registrar")
    params = {
        "applicant.name": "张三",
        "applicant.phone": "13812341234",
        "information_requested": "2025年某项目的环境影响评价批复文件",
    }
    assert earlier.number in user.get("/register/similar", params=params).text
    namesake = user.get("/register/similar", params={**params, "applicant.phone": "13900000000"})
    assert earlier.number not in namesake.text


def test_a_similar_request_is_warned_on_submit_and_still_registered(web):
    earlier = _earlier(web)
    user = web.user("registrar")
    page = user.get("/register").text
    again = user.post(
        "/register",
        form(
            idempotency_key=key_of(page), information_requested="2025年某项目环境影响评价批复文件"
        ),
    )
    assert again.status_code == 303
    assert cases_count(web.org) == 2
    message = flash(again)
    assert "此前提出过相似申请" in message and earlier.number in message
    # a refused form shows the warning too
    refused = user.post("/register", form(idempotency_key=key_of(page), arrived_on=""))
    assert refused.status_code == 422 and f'data-similar="{earlier.number}"' in refused.text


def test_the_warning_stays_within_the_agency(web):
    earlier = _earlier(web)
    zjw = web.user("zjw_caseworker")  # also a registrar, in another agency
    html = zjw.get(
        "/register/similar",
        params={
            "applicant.name": "张三",
            "applicant.id_type": "居民身份证",
            "applicant.id_number": ID,
            "information_requested": "2025年某项目的环境影响评价批复文件",
        },
    ).text
    assert earlier.number not in html


def test_the_applicant_is_recorded_once_across_registrations(web):
    _earlier(web)
    _earlier(web)
    with read_session(web.org.engine) as session:
        assert session.exec(select(func.count()).select_from(Applicant)).one() == 1


def test_register_with_the_keyboard_in_a_real_browser(pages, live):
    earlier = {
        "channel": "in_person",
        "arrived_on": "2026-03-02",
        "applicant": {
            "kind": "natural_person",
            "name": "张三",
            "id_type": "居民身份证",
            "id_number": ID,
        },
        "information_requested": "2025年某项目的环境影响评价批复文件及其附件",
    }
    with unit_of_work(live.org.engine) as session:
        first = svc.register(
            session, live.org.fgw.id, earlier, live.org.user("registrar"), as_of=TODAY
        ).case.number
    page = pages.new("registrar")
    page.goto("/register")
    assert page.locator("[data-receipt-date]").get_attribute("data-receipt-date") == (
        TODAY.isoformat()
    )
    # 邮寄（需签收）: pick it with the keyboard; the signed-for date appears, confirmation hides
    page.focus("#f-channel")
    for _ in range(2):
        page.keyboard.press("ArrowDown")
    assert page.input_value("#f-channel") == "signed_mail"
    assert page.is_visible("#f-signed_for_on") and not page.is_visible("#f-confirmed_on")
    with read_session(live.org.engine) as session:
        cal = current_calendar(session)
    arrived, signed = cal.add_workdays(TODAY, -3), cal.add_workdays(TODAY, -2)
    page.wait_for_selector("#receipt-result .notice")  # no signed-for date yet
    # Date fields: the order of their segments follows the browser's own locale, so they are
    # filled (which fires the same input and change events); everything else is typed.
    page.fill("#f-arrived_on", arrived.isoformat())
    page.wait_for_selector("#receipt-result .notice")
    page.fill("#f-signed_for_on", signed.isoformat())
    page.wait_for_selector(f'[data-receipt-date="{signed.isoformat()}"]')
    assert "以行政机关签收之日为收到申请之日" in page.inner_text("#receipt")
    due = cal.add_workdays(signed, 20)
    assert page.locator("[data-reply-due]").get_attribute("data-reply-due") == due.isoformat()
    page.focus("#f-applicant-name")
    page.keyboard.type("张三")
    page.keyboard.press("Tab")  # to the ID type, then the number
    page.keyboard.press("Tab")
    page.keyboard.type(ID)
    page.focus("#f-information_requested")
    page.keyboard.type("2025年某项目的环境影响评价批复文件")
    page.keyboard.press("Tab")  # leaving the field asks for similar earlier requests
    page.wait_for_selector(f'[data-similar="{first}"]')
    assert "该申请人此前在本机关提出过相似申请" in page.inner_text("#similar")
    screenshot(page, "register")
    page.focus("#register-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    with read_session(live.org.engine) as session:
        case = session.exec(select(Case).order_by(Case.id.desc())).first()
        assert (case.channel, case.receipt_date, case.reply_due) == ("signed_mail", signed, due)
        assert page.url.endswith(f"/cases/{case.id}")
        flash_text = page.inner_text(".flash")
        assert f"查询码 {case.lookup_code}" in flash_text and first in flash_text


def test_date_fields_refuse_the_future_in_the_browser_too(web):
    html = web.user("registrar").get("/register").text
    assert html.count(f'max="{TODAY.isoformat()}"') == 3
