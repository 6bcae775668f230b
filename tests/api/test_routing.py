"""One worker thread per API request (api/routing.py): the hops, the order of refusals, the
answer's status, headers and validation, and the schema left as it was."""

from __future__ import annotations

import anyio.to_thread
import pytest
from fastapi import FastAPI, Response
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.deps import CurrentUser, SessionDep
from api.routing import ApiRouter
from tests.api.conftest import bearer, log_in, refused
from tests.api.test_cases import APPLICATION, _intake

NOBODY = {"Authorization": "Bearer gk_no-such-token"}


@pytest.fixture
def hops(monkeypatch):
    """How many times a request went from the event loop to a worker thread."""
    seen: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        seen.append(getattr(func, "__qualname__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return seen


def test_a_read_and_a_change_each_take_one_thread_hop(client, org, hops):
    registrar = bearer(org, "registrar")
    case = _intake(client, registrar)
    hops.clear()
    assert client.get(f"/api/cases/{case['id']}", headers=registrar).status_code == 200
    assert len(hops) == 1, hops
    assert client.get("/api/cases?limit=5", headers=registrar).status_code == 200
    assert len(hops) == 2, hops
    hops.clear()
    body = {"expected_version": case["version"], "payload": {}, "as_of": "2026-01-05"}
    started = client.post(f"/api/cases/{case['id']}/actions/start_review", json=body,
                          headers=bearer(org, "caseworker"))  # fmt: skip
    assert started.status_code == 200, started.text
    assert started.json()["case"]["state"] == "reviewing"
    assert len(hops) == 1, hops


# --- who is asking is settled before what they sent -------------------------------------------


def test_a_stranger_with_malformed_fields_is_told_401_not_422(client):
    refused(client.get("/api/cases/not-a-number"), 401, "auth.not_authenticated")
    refused(client.get("/api/cases/not-a-number", headers=NOBODY), 401, "auth.not_authenticated")
    refused(client.post("/api/cases", json={"channel": 1}, headers=NOBODY), 401)


def test_a_cookie_without_csrf_with_malformed_fields_is_told_403_not_422(client):
    csrf = log_in(client, "registrar")
    refused(client.post("/api/cases", json={"channel": 1}), 403, "auth.csrf")
    refused(client.post("/api/cases", json={"channel": 1}, headers=csrf), 422, "validation")


def test_a_non_administrator_with_malformed_fields_is_told_403_not_422(client, org):
    refused(client.post("/api/admin/agencies", json={}, headers=bearer(org, "registrar")), 403,
            "auth.permission_denied")  # fmt: skip
    refused(client.post("/api/admin/agencies", json={}, headers=bearer(org, "admin")), 422,
            "validation")  # fmt: skip


def test_a_known_caller_with_malformed_fields_is_told_422(client, org):
    body = refused(client.get("/api/cases/0", headers=bearer(org, "registrar")), 422, "validation")
    assert body["field"] == "case_id"


def test_a_change_refused_in_its_thread_saves_nothing(client, org):
    registrar = bearer(org, "registrar")
    first = _intake(client, registrar, idempotency_key="routing-test-0001")
    listed = client.get("/api/cases?limit=100", headers=registrar).json()["total"]
    # The caseworker may not register: refused after the unit of work began, in the same thread.
    refused(client.post("/api/cases", json=APPLICATION, headers=bearer(org, "caseworker")), 403)
    assert client.get("/api/cases?limit=100", headers=registrar).json()["total"] == listed
    again = client.post("/api/cases", json={**APPLICATION, "idempotency_key": "routing-test-0001"},
                        headers=registrar)  # fmt: skip
    assert again.status_code == 200  # the sub-response's status, set by the endpoint, is kept
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True


# --- the answer --------------------------------------------------------------------------------


class Out(BaseModel):
    name: str
    note: str | None = None


def _app(**route: object) -> TestClient:
    router = ApiRouter()

    @router.get("/out", response_model=Out, **route)
    def out(response: Response, shape: str = "good") -> object:
        response.headers["X-Seen"] = "yes"
        return {"good": {"name": "甲"}, "bad": {"note": "no name"}, "obj": Out(name="乙")}[shape]

    @router.get("/raw")
    def raw() -> Response:
        return Response("plain", media_type="text/plain")

    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_the_answer_is_validated_and_serialized_with_the_routes_options():
    client = _app(status_code=202, response_model_exclude_none=True)
    answered = client.get("/out")
    assert answered.status_code == 202
    assert answered.headers["X-Seen"] == "yes"
    assert answered.headers["content-type"] == "application/json"
    assert answered.content == '{"name":"甲"}'.encode()
    assert client.get("/out?shape=obj").json() == {"name": "乙"}
    assert client.get("/raw").text == "plain"
    with pytest.raises(ResponseValidationError):
        client.get("/out?shape=bad")
    assert _app().get("/out").json() == {"name": "甲", "note": None}


def test_the_schema_shows_the_endpoints_parameters_not_the_wrappers(client):
    schema = client.get("/openapi.json").json()
    detail = schema["paths"]["/api/cases/{case_id}"]["get"]
    assert {p["name"] for p in detail["parameters"]} == {"case_id", "as_of"}
    assert detail["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CaseDetailOut"
    )
    assert detail["operationId"] == "case_detail_api_cases__case_id__get"
    text = str(schema)
    assert "gk_request_" not in text and "gk_credentials_" not in text and "session" not in {
        p["name"] for path in schema["paths"].values() for op in path.values()
        for p in op.get("parameters", [])
    }  # fmt: skip


def test_a_route_of_a_plain_router_still_finds_its_caller(org):
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/me")
    def me(session: SessionDep, user: CurrentUser) -> dict:
        return {"user": user.username}

    app = FastAPI()
    app.state.engine = org.engine
    app.include_router(router)
    client = TestClient(app)
    assert client.get("/me", headers=bearer(org, "registrar")).json() == {"user": "registrar"}


def test_every_api_route_module_uses_the_one_thread_router():
    import importlib
    import pkgutil

    import api.routes

    modules = [importlib.import_module(f"api.routes.{m.name}")
               for m in pkgutil.iter_modules(api.routes.__path__)]  # fmt: skip
    routers = {m.__name__: type(m.router) for m in modules if hasattr(m, "router")}
    assert len(routers) >= 10
    assert {name for name, kind in routers.items() if not issubclass(kind, ApiRouter)} == set()
