"""Letters over the API: listing, preview with the lint, slots, issuing (409 when refused), the
frozen downloads and their verification; another agency's case or letter is 404."""

from __future__ import annotations

import hashlib
from datetime import date as D
from urllib.parse import quote

from sqlmodel import select

from gkcase.db import unit_of_work
from gkcase.models import Letter
from tests.api.fixtures_more import api, engine, org, refused, token_for  # noqa: F401
from tests.services.helpers import fire, register

LEAKY = "请携带身份证110105194912310021到本机关补正"


def _correction_case(org):  # noqa: F811
    case = register(org)  # received Mon 2026-03-02
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    items = {"items": ["所需文件的年份"], "guidance": "请写明文件名称或文号"}
    fire(org, case.id, "request_correction", "caseworker", items, as_of=D(2026, 3, 4))
    return case


def _stored(org, letter_id):  # noqa: F811
    with unit_of_work(org.engine) as session:
        return session.get(Letter, letter_id)


def test_a_notice_is_issued_by_its_act_and_asking_again_gives_the_same(api, org):  # noqa: F811
    case = _correction_case(org)
    me = token_for(org, "caseworker")
    listed = api.get(f"/api/cases/{case.id}/letters", headers=me).json()
    # awaiting correction there is no due date, so no receipt; the notice went with its act
    assert listed["available"] == []
    [letter] = listed["issued"]
    assert letter["number"] == "某发改公开补〔2026〕1号" and letter["kind"] == "correction_notice"
    assert letter["void_reason"] is None and letter["issued_on"] == "2026-03-04"
    assert "请写明文件名称或文号" in _stored(org, letter["id"]).text
    url = f"/api/cases/{case.id}/letters/correction_notice"
    again = [api.post(f"{url}/issue", json={}, headers=me) for _ in range(3)]
    assert [r.status_code for r in again] == [200, 200, 200]
    assert {r.json()["id"] for r in again} == {letter["id"]}
    # a letter whose act has not happened cannot be issued here: the act is named
    body = refused(
        api.post(f"/api/cases/{case.id}/letters/extension_notice/issue", json={}, headers=me),
        409,
        "letter.issued_by_act",
    )
    assert "延长答复期限" in body["message"]
    with unit_of_work(org.engine) as session:
        assert len(session.exec(select(Letter)).all()) == 1


def test_the_reply_is_previewed_with_its_slots_and_issued_by_signing(api, org):  # noqa: F811
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 3, 3))
    decision = {"outcome": "disclosed", "fields": {"access_method": "随本答复书提供"}}
    fire(org, case.id, "draft_decision", "caseworker", decision, as_of=D(2026, 3, 5))
    me = token_for(org, "caseworker")
    listed = api.get(f"/api/cases/{case.id}/letters", headers=me).json()
    kinds = {k["kind"]: k["act"] for k in listed["available"]}
    assert kinds == {"receipt": "issue_receipt", "reply_disclosed": "sign"}
    url = f"/api/cases/{case.id}/letters/reply_disclosed"
    intro = "本机关已电话联系您确认所需信息的范围"
    preview = api.post(
        f"{url}/preview", json={"slots": {"intro": intro}, "as_of": "2026-03-05"}, headers=me
    ).json()
    assert preview["can_issue"] and intro in preview["text"]
    saved = api.put(f"{url}/slots", json={"slots": {"intro": intro}}, headers=me)
    assert saved.status_code == 200 and saved.json()["slots"] == {"intro": intro}
    refused(api.post(f"{url}/issue", json={}, headers=me), 409, "letter.issued_by_act")
    fire(org, case.id, "submit_for_signing", "caseworker", as_of=D(2026, 3, 5))
    fire(org, case.id, "sign", "office_head", as_of=D(2026, 3, 6))
    [letter] = api.get(f"/api/cases/{case.id}/letters", headers=me).json()["issued"]
    assert (
        letter["number"] == "某发改公开答〔2026〕1号" and intro in _stored(org, letter["id"]).text
    )
    assert api.post(f"{url}/issue", json={}, headers=me).json()["id"] == letter["id"]


def test_an_act_whose_letter_the_lint_refuses_is_409_and_writes_nothing(api, org):  # noqa: F811
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    me = token_for(org, "caseworker")
    version = api.get(f"/api/cases/{case.id}", headers=me).json()["version"]
    payload = {"items": ["所需文件的年份"], "guidance": LEAKY}
    body = refused(
        api.post(
            f"/api/cases/{case.id}/actions/request_correction",
            json={"expected_version": version, "payload": payload, "as_of": "2026-03-04"},
            headers=me,
        ),
        409,
        "letter.lint_errors",
    )
    assert any(f["code"] == "personal_data" and f["severity"] == "error" for f in body["findings"])
    detail = api.get(f"/api/cases/{case.id}", headers=me).json()
    assert detail["case"]["state"] == "reviewing" and detail["version"] == version
    with unit_of_work(org.engine) as session:
        assert session.exec(select(Letter)).all() == []


def test_bad_input_is_422_naming_the_field(api, org):  # noqa: F811
    case = _correction_case(org)
    me = token_for(org, "caseworker")
    base = f"/api/cases/{case.id}/letters"
    refused(api.post(f"{base}/no_such/preview", json={}, headers=me), 422, "validation", "kind")
    refused(  # a kind this case has nothing pending of
        api.post(f"{base}/extension_notice/preview", json={}, headers=me), 422, "validation", "kind"
    )
    refused(  # issued already: nothing left to fill in
        api.put(f"{base}/correction_notice/slots", json={"slots": {"x": "y"}}, headers=me),
        422,
        "validation",
        "kind",
    )
    refused(
        api.post(f"{base}/receipt/preview", json={"as_of": "2026-02-30"}, headers=me),
        422,
        "validation",
        "as_of",
    )


def test_another_agencys_case_and_letter_are_404(api, org):  # noqa: F811
    case = register(org)
    mine = token_for(org, "registrar")
    response = api.post(
        f"/api/cases/{case.id}/letters/receipt/issue", json={"as_of": "2026-03-03"}, headers=mine
    )
    assert response.status_code == 201, response.text
    letter = response.json()
    other = token_for(org, "zjw_caseworker")
    refused(api.get(f"/api/cases/{case.id}/letters", headers=other), 404, "not_found")
    refused(api.post(f"/api/cases/{case.id}/letters/receipt/issue", json={}, headers=other), 404)
    for fmt in ("html", "docx"):
        refused(api.get(f"/api/letters/{letter['id']}.{fmt}", headers=other), 404, "not_found")
    refused(api.get(f"/api/letters/{letter['id']}/verify", headers=other), 404)
    refused(api.get("/api/letters/999999.html", headers=mine), 404)
    refused(api.get(f"/api/cases/{case.id}/letters"), 401, "auth.not_authenticated")


def test_downloads_are_the_frozen_bytes_and_verify(api, org):  # noqa: F811
    case = register(org)
    me = token_for(org, "registrar")
    issued = api.post(
        f"/api/cases/{case.id}/letters/receipt/issue", json={"as_of": "2026-03-03"}, headers=me
    ).json()
    stored = _stored(org, issued["id"])
    html = api.get(f"/api/letters/{stored.id}.html", headers=me)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert html.content == stored.html.encode()
    assert hashlib.sha256(html.content).hexdigest() == stored.html_sha256
    docx = api.get(f"/api/letters/{stored.id}.docx", headers=me)
    assert docx.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert docx.content == stored.docx
    assert hashlib.sha256(docx.content).hexdigest() == stored.docx_sha256
    disposition = docx.headers["content-disposition"]
    assert f"filename*=UTF-8''{quote(stored.number + '.docx')}" in disposition
    assert stored.number == "某发改公开收〔2026〕1号"
    if stored.pdf is not None:
        pdf = api.get(f"/api/letters/{stored.id}.pdf", headers=me)
        assert pdf.headers["content-type"] == "application/pdf"
        assert hashlib.sha256(pdf.content).hexdigest() == stored.pdf_sha256
    refused(api.get(f"/api/letters/{stored.id}.exe", headers=me), 422, "validation", "fmt")
    check = api.get(f"/api/letters/{stored.id}/verify", headers=me).json()
    assert check == {
        "letter_id": stored.id,
        "number": stored.number,
        "identical": True,
        "problems": [],
    }


def test_a_retried_action_with_its_idempotency_key_gets_the_same_letter(api, org):  # noqa: F811
    case = register(org)
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    me = token_for(org, "caseworker")
    version = api.get(f"/api/cases/{case.id}", headers=me).json()["version"]
    body = {
        "expected_version": version,
        "payload": {"items": ["所需文件的年份"], "guidance": "请写明文件名称或文号"},
        "as_of": "2026-03-04",
    }
    url = f"/api/cases/{case.id}/actions/request_correction"
    keyed = me | {"Idempotency-Key": "retry-0001"}
    first, again = (api.post(url, json=body, headers=keyed) for _ in range(2))
    assert first.status_code == again.status_code == 200, again.text
    assert first.json()["event"] == again.json()["event"]
    assert first.json()["event"]["payload"]["letters"][0]["number"] == "某发改公开补〔2026〕1号"
    refused(api.post(url, json=body, headers=me), 409, "case.stale")  # no key: another request
    refused(
        api.post(url, json=body, headers=me | {"Idempotency-Key": "bad key!"}),
        422,
        "validation",
    )
    with unit_of_work(org.engine) as session:
        assert len(session.exec(select(Letter)).all()) == 1
