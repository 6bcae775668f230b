"""Logging in and out, CSRF on cookie writes, bearer tokens, and throttling."""

from __future__ import annotations

from sqlmodel import select

from api.deps import SESSION_COOKIE
from gkcase.db import unit_of_work
from tests.api.fixtures_more import PASSWORD, api, engine, log_in, org, refused, token_for  # noqa: F401
from tests.services.helpers import register


def test_login_me_and_logout(api):  # noqa: F811
    csrf = log_in(api, "caseworker")
    me = api.get("/api/auth/me").json()
    assert me["username"] == "caseworker" and me["roles"] == ["caseworker"]
    assert me["csrf_token"] == csrf["X-CSRF-Token"]
    assert api.post("/api/auth/logout", headers=csrf).status_code == 204
    refused(api.get("/api/auth/me"), 401, "auth.not_authenticated")


def test_wrong_password_and_unknown_user_answer_alike(api):  # noqa: F811
    wrong = refused(
        api.post("/api/auth/login", json={"username": "caseworker", "password": "nope"}), 401
    )
    unknown = refused(
        api.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD}), 401
    )
    assert wrong["message"] == unknown["message"]
    refused(
        api.post("/api/auth/login", json={"username": "caseworker"}), 422, "validation", "password"
    )


def test_cookie_writes_need_the_csrf_token(api):  # noqa: F811
    csrf = log_in(api, "admin")
    body = {"working": False, "name": "台风停工"}
    refused(api.post("/api/calendar/marks/2026-07-20", json=body), 403, "auth.csrf", "X-CSRF-Token")
    bad = {"X-CSRF-Token": "forged"}
    refused(api.post("/api/calendar/marks/2026-07-20", json=body, headers=bad), 403, "auth.csrf")
    assert api.post("/api/calendar/marks/2026-07-20", json=body, headers=csrf).status_code == 200
    assert api.get("/api/calendar/days/2026-07-20").json()["kind"] == "closure"  # GET: no CSRF


def test_bearer_token_writes_need_no_csrf(api, org):  # noqa: F811
    api.cookies.clear()
    headers = token_for(org, "admin")
    response = api.post(
        "/api/calendar/marks/2026-07-20", json={"working": False, "name": "停工"}, headers=headers
    )
    assert response.status_code == 200, response.text


def test_a_revoked_token_is_refused(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    issued = api.post("/api/admin/tokens", json={"name": "portal"}, headers=admin).json()
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert api.get("/api/auth/me", headers=mine).status_code == 200
    assert api.delete(f"/api/admin/tokens/{issued['id']}", headers=admin).status_code == 200
    refused(api.get("/api/auth/me", headers=mine), 401, "auth.not_authenticated")
    refused(api.get("/api/auth/me", headers={"Authorization": "Bearer gk_nonsense"}), 401)


def test_no_token_acts_as_another_person(api, org):  # noqa: F811
    from gkcase.models import CaseEvent
    from gkcase.services import cases as case_service

    admin = token_for(org, "admin")
    head = org.user("office_head")
    body = refused(
        api.post("/api/admin/tokens", json={"name": "签发", "user_id": head.id}, headers=admin),
        403,
        "auth.permission_denied",
        "user_id",
    )
    assert "不能以他人身份办理" in body["message"]
    assert all(t["user_id"] != head.id for t in api.get("/api/admin/tokens", headers=admin).json())
    # the office head makes their own token; it acts as them and only them
    mine = log_in(api, "office_head")
    own = api.post("/api/auth/tokens", json={"name": "我的脚本"}, headers=mine)
    assert own.status_code == 201, own.text
    bearer = {"Authorization": f"Bearer {own.json()['token']}"}
    assert api.get("/api/auth/me", headers=bearer).json()["username"] == "office_head"
    # a service account acts as itself: the trail names the integration, not a person
    portal = api.post(
        "/api/admin/service-accounts",
        json={"username": "portal", "full_name": "门户网站（服务账户）", "roles": ["registrar"]},
        headers=admin,
    )
    assert portal.status_code == 201 and portal.json()["service_account"]
    issued = api.post(
        "/api/admin/tokens", json={"name": "门户", "user_id": portal.json()["id"]}, headers=admin
    ).json()
    robot = {"Authorization": f"Bearer {issued['token']}"}
    case = register(org)
    version = api.get(f"/api/cases/{case.id}", headers=robot).json()["version"]
    receipt = api.post(
        f"/api/cases/{case.id}/actions/issue_receipt",
        json={"expected_version": version, "payload": {}},
        headers=robot,
    )
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["event"]["actor"] == "门户网站（服务账户）"
    with unit_of_work(org.engine) as session:
        last = session.exec(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
        ).first()
        assert last.actor_id == portal.json()["id"]
        assert case_service.verify(session, case.id).ok
    # a service account cannot sign in with a password, nor hold an accountable role
    refused(api.post("/api/auth/login", json={"username": "portal", "password": "x" * 8}), 401)
    refused(
        api.post(
            "/api/admin/service-accounts",
            json={"username": "signer", "full_name": "自动签发", "roles": ["office_head"]},
            headers=admin,
        ),
        422,
        "validation",
        "roles",
    )


def test_login_is_throttled_after_five_failures(api):  # noqa: F811
    for _ in range(5):
        refused(api.post("/api/auth/login", json={"username": "registrar", "password": "x"}), 401)
    # now even the right password is refused for a while
    refused(
        api.post("/api/auth/login", json={"username": "registrar", "password": PASSWORD}),
        429,
        "auth.throttled",
    )


def _session_cookie_attributes(response) -> set[str]:
    (header,) = [
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith(SESSION_COOKIE)
    ]
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_the_session_cookie_is_secure_exactly_when_the_request_came_over_https(org):  # noqa: F811
    """Behind the reverse proxy the scheme is the one it reports (X-Forwarded-Proto, trusted from
    --forwarded-allow-ips): a session signed in over HTTPS never travels over plain HTTP."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.web.conftest import set_passwords

    set_passwords(org.engine)
    app = create_app(org.engine)
    login = {"username": "caseworker", "password": PASSWORD}
    for scheme, secure in (("https", True), ("http", False)):
        client = TestClient(app, base_url=f"{scheme}://gkcase.example", follow_redirects=False)
        api_login = client.post("/api/auth/login", json=login)
        assert api_login.status_code == 200, api_login.text
        web_login = client.post("/login", data=login)
        assert web_login.status_code == 303, web_login.text
        for response in (api_login, web_login):
            attributes = _session_cookie_attributes(response)
            assert {"httponly", "samesite", "path", "max-age"} <= attributes
            assert ("secure" in attributes) is secure, (scheme, attributes)
