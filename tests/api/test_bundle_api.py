"""GET /api/cases/{id}/bundle.zip — the evidence bundle over HTTP: who may download it (the same
people as the service allows; another agency's case is 404), the ZIP and its headers, and the
link on the case page shown only to them.

Building a bundle prints PDFs: these tests skip where WeasyPrint or a CJK font is missing, except
under CI or with GKCASE_REQUIRE_PDF=1 (see tests/services/test_bundle.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date as D
from urllib.parse import quote

import pytest

from tests.api.fixtures_more import api, engine, org, refused, token_for  # noqa: F401
from tests.services.helpers import fire, register
from tests.services.test_bundle import pdf_support  # noqa: F401  (fixture)
from tests.web.conftest import WebUser

LINK = "下载证据材料包（复议、诉讼用）"


@pytest.fixture
def case(org):  # noqa: F811
    registered = register(org)  # received Mon 2026-03-02
    fire(org, registered.id, "start_review", "caseworker", as_of=D(2026, 3, 3))
    return registered


def url(case, as_of="2026-04-21"):
    return f"/api/cases/{case.id}/bundle.zip?as_of={as_of}"


def test_caseworker_downloads_the_zip_with_its_hash(api, org, case, pdf_support):  # noqa: F811
    response = api.get(url(case), headers=token_for(org, "caseworker"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["x-content-sha256"] == hashlib.sha256(response.content).hexdigest()
    assert response.headers["cache-control"] == "private, no-store"
    name = quote("FGW-2026-00001-evidence-20260421.zip")
    assert f"filename*=UTF-8''{name}" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        stamps = {info.date_time for info in archive.infolist()}
    assert names[0] == "00-index.pdf" and names[-1] == "manifest.json"
    assert names == sorted(names)
    assert stamps == {(2026, 4, 21, 0, 0, 0)}  # as_of dates the entries
    assert manifest["generated_by"] == "承办人甲（caseworker，承办人）"


@pytest.mark.parametrize("username", ["legal_reviewer", "office_head", "supervisor"])
def test_legal_office_head_and_supervisor_may_download(api, org, case, username, pdf_support):  # noqa: F811
    response = api.get(url(case), headers=token_for(org, username))
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"PK")


@pytest.mark.parametrize("username", ["registrar", "admin"])
def test_registrar_and_admin_are_403(api, org, case, username):  # noqa: F811
    body = refused(
        api.get(url(case), headers=token_for(org, username)), 403, "auth.permission_denied"
    )
    assert "完整个人信息" in body["message"]


def test_another_agency_gets_404_and_nobody_401(api, org, case):  # noqa: F811
    refused(api.get(url(case), headers=token_for(org, "zjw_caseworker")), 404, "not_found")
    refused(api.get(url(case)), 401, "auth.not_authenticated")
    missing = f"/api/cases/{case.id + 100}/bundle.zip"
    refused(api.get(missing, headers=token_for(org, "caseworker")), 404, "not_found")


def test_a_date_out_of_range_is_422(api, org, case):  # noqa: F811
    me = token_for(org, "caseworker")
    refused(api.get(url(case, "1900-01-01"), headers=me), 422, "validation", "as_of")


def test_without_pdf_support_it_is_503(api, org, case, monkeypatch):  # noqa: F811
    from gkcase.letters import output

    monkeypatch.setattr(output, "pdf_available", lambda: (False, "无法生成PDF：缺少字体"))
    body = refused(
        api.get(url(case), headers=token_for(org, "caseworker")), 503, "letter.pdf_unavailable"
    )
    assert "缺少字体" in body["message"]


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("caseworker", True),
        ("legal_reviewer", True),
        ("office_head", True),
        ("supervisor", True),
        ("registrar", False),
    ],
)
def test_the_case_page_links_the_bundle_only_for_those_allowed(api, case, username, shown):  # noqa: F811
    page = WebUser(api.app, username).get(f"/cases/{case.id}")
    assert page.status_code == 200, page.text
    assert (LINK in page.text) is shown
    assert (f'href="/api/cases/{case.id}/bundle.zip"' in page.text) is shown
