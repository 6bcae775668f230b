"""Administration over the API: scoped to the admin's agency and its subtree."""

from __future__ import annotations

from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.render import builtin_source
from tests.api.fixtures_more import PASSWORD, api, engine, org, refused, token_for  # noqa: F401

OVERRIDE = builtin_source(CATALOGUE["reply_disclosed"]).replace("经审查，", "经本机关审查，")
NEW_AGENCY = {
    "code": "fgw-jc",
    "name": "某市发展和改革委员会价格监测中心",
    "letter_prefix": "某价监公开",
    "review_body": "某市发展和改革委员会",
    "court": "某市某区人民法院",
}


def test_agencies_are_listed_and_created_within_the_subtree(api, org):  # noqa: F811
    admin = token_for(org, "admin")  # an admin of FGW
    listed = api.get("/api/admin/agencies", headers=admin).json()
    assert [a["code"] for a in listed] == ["FGW"]  # not the city above, not ZJW beside it
    created = api.post("/api/admin/agencies", json=NEW_AGENCY, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["parent_id"] == org.fgw.id and created.json()["code"] == "FGW-JC"
    assert len(api.get("/api/admin/agencies", headers=admin).json()) == 2
    refused(  # under an agency outside the subtree
        api.post(
            "/api/admin/agencies",
            json={**NEW_AGENCY, "code": "X1", "parent_id": org.zjw.id},
            headers=admin,
        ),
        404,
        "not_found",
        "parent_id",
    )
    refused(
        api.post("/api/admin/agencies", json=NEW_AGENCY, headers=admin), 422, "validation", "code"
    )
    refused(
        api.post(
            "/api/admin/agencies", json={**NEW_AGENCY, "code": "X2", "court": ""}, headers=admin
        ),
        422,
        "validation",
        "court",
    )


def test_users_created_with_roles_and_password_then_deactivated(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    new = {
        "username": "fgw_new",
        "full_name": "李四",
        "roles": ["caseworker", "registrar"],
        "password": "a long initial pw",
    }
    created = api.post("/api/admin/users", json=new, headers=admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["roles"] == ["caseworker", "registrar"] and user["agency_id"] == org.fgw.id
    login = api.post(
        "/api/auth/login", json={"username": "fgw_new", "password": "a long initial pw"}
    )
    assert login.status_code == 200
    usernames = {u["username"] for u in api.get("/api/admin/users", headers=admin).json()}
    assert (
        "fgw_new" in usernames
        and "zjw_caseworker" not in usernames
        and "supervisor" not in usernames
    )
    assert user["email"] == ""
    refused(
        api.post("/api/admin/users", json={**new, "email": "no at sign"}, headers=admin),
        422,
        "validation",
        "email",
    )
    refused(
        api.post("/api/admin/users", json={**new, "roles": ["king"]}, headers=admin),
        422,
        "validation",
        "roles.0",
    )
    refused(
        api.post("/api/admin/users", json={**new, "password": "short"}, headers=admin),
        422,
        "validation",
        "password",
    )
    refused(api.post("/api/admin/users", json=new, headers=admin), 422, "validation", "username")
    refused(
        api.post(
            "/api/admin/users",
            json={**new, "username": "x_9", "agency_id": org.zjw.id},
            headers=admin,
        ),
        404,
        "not_found",
        "agency_id",
    )
    gone = api.post(f"/api/admin/users/{user['id']}/deactivate", headers=admin)
    assert gone.status_code == 200 and gone.json()["active"] is False
    refused(api.get("/api/auth/me"), 401)  # the session cookie it had is dead
    refused(
        api.post("/api/auth/login", json={"username": "fgw_new", "password": "a long initial pw"}),
        401,
    )
    other = org.users["other_caseworker"].id
    refused(api.post(f"/api/admin/users/{other}/deactivate", headers=admin), 404, "not_found")
    me = org.user("admin").id
    refused(
        api.post(f"/api/admin/users/{me}/deactivate", headers=admin), 422, "validation", "user_id"
    )


def test_tokens_issued_once_listed_and_revoked(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    portal = api.post(
        "/api/admin/service-accounts",
        json={"username": "portal", "full_name": "门户网站（服务账户）", "roles": ["registrar"]},
        headers=admin,
    ).json()
    issued = api.post(
        "/api/admin/tokens", json={"name": "门户", "user_id": portal["id"]}, headers=admin
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token.startswith("gk_")
    as_worker = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/auth/me", headers=as_worker).json()["username"] == "portal"
    listed = api.get("/api/admin/tokens", headers=admin).json()
    assert any(t["id"] == issued.json()["id"] for t in listed)
    assert all("token" not in t for t in listed)
    revoked = api.delete(f"/api/admin/tokens/{issued.json()['id']}", headers=admin).json()
    assert revoked["revoked_at"] is not None
    refused(api.get("/api/auth/me", headers=as_worker), 401)
    other = org.users["other_caseworker"].id
    refused(api.post("/api/admin/tokens", json={"name": "x", "user_id": other}, headers=admin), 404)
    refused(api.delete("/api/admin/tokens/99999", headers=admin), 404)
    refused(
        api.post("/api/admin/tokens", json={"name": ""}, headers=admin), 422, "validation", "name"
    )


def test_template_overrides(api, org):  # noqa: F811
    admin = token_for(org, "admin")
    shipped = api.get("/api/admin/templates/reply_disclosed", headers=admin).json()
    assert (shipped["origin"], shipped["version"]) == ("builtin", 0)
    saved = api.put(
        "/api/admin/templates/reply_disclosed",
        json={"source": OVERRIDE, "note": "措辞"},
        headers=admin,
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["origin"], saved.json()["version"]) == ("agency", 1)
    again = api.put(
        "/api/admin/templates/reply_disclosed", json={"source": OVERRIDE}, headers=admin
    )
    assert again.json()["version"] == 2
    assert (
        api.get("/api/admin/templates/reply_disclosed", headers=admin).json()["source"] == OVERRIDE
    )
    incomplete = OVERRIDE.replace("<p>{{ remedy.text }}</p>", "")
    body = refused(
        api.put("/api/admin/templates/reply_disclosed", json={"source": incomplete}, headers=admin),
        422,
        "letter.template_incomplete",
        "source",
    )
    assert "救济告知" in body["message"]
    for broken in ("{% if %}", "{{ ''.__class__.__mro__ }}"):
        refused(
            api.put("/api/admin/templates/reply_disclosed", json={"source": broken}, headers=admin),
            422,
            "letter.template",
        )
    refused(api.get("/api/admin/templates/no_such", headers=admin), 422, "validation", "kind")


def test_non_admins_are_refused(api, org):  # noqa: F811
    worker = token_for(org, "caseworker")
    for method, url in [
        ("get", "/api/admin/agencies"),
        ("get", "/api/admin/users"),
        ("get", "/api/admin/tokens"),
        ("get", "/api/admin/templates/receipt"),
    ]:
        refused(getattr(api, method)(url, headers=worker), 403, "auth.permission_denied")
    refused(api.post("/api/admin/users", json={}, headers=worker), 403)
    refused(
        api.put("/api/admin/templates/reply_disclosed", json={"source": OVERRIDE}, headers=worker),
        403,
    )
    refused(api.get("/api/admin/users"), 401)
