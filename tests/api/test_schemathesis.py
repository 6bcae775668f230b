"""A bounded schemathesis run over the whole OpenAPI, in-process: no request it generates gets a
5xx, and every response matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.app import create_app
from gkcase.db import create_schema, make_engine, unit_of_work
from gkcase.services import auth
from gkcase.services.org import create_agency, create_user
from gkcase.states.machine import Role


def _app(folder):
    """The app on a fresh database, and a way to issue tokens for a user holding every staff
    role (the run itself may revoke a token or deactivate a user: each operation gets a fresh
    token)."""
    engine = make_engine(f"sqlite:///{folder / 'st.db'}")
    create_schema(engine)
    with unit_of_work(engine) as session:
        agency = create_agency(
            session,
            code="FGW",
            name="某市发展和改革委员会",
            letter_prefix="某发改公开",
            review_body="某市人民政府",
            court="某市某区人民法院",
        )
        everyone = create_user(
            session,
            username="all_roles",
            full_name="全角色",
            agency=agency,
            roles=[r for r in Role if r is not Role.SUPERVISOR],
        )
        # a second admin, so that the run deactivating users never locks itself out
        create_user(
            session, username="admin2", full_name="管理员二", agency=agency, roles=[Role.ADMIN]
        )
        user_id = everyone.id

    def headers() -> dict[str, str]:
        with unit_of_work(engine) as session:
            from gkcase.models import User

            user = session.get(User, user_id)
            user.active = True
            session.add(user)
            _row, token = auth.issue_api_token(
                session, name="schemathesis", user=user, issued_by=user
            )
        return {"Authorization": f"Bearer {token}"}

    return engine, create_app(engine), headers


@pytest.fixture
def api(tmp_path):
    engine, app, headers = _app(tmp_path)
    yield app, headers
    engine.dispose()


def test_no_server_error_and_responses_match_the_schema(api):
    app, fresh_headers = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        headers = fresh_headers()

        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(
                headers=dict(headers),  # noqa: B023 - run() is called in this iteration
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        try:
            run()
        except Exception as exc:  # collected: one report for every failing operation
            failures.append(
                f"{operation.method.upper()} {operation.path}: {str(exc).strip()[:400]}"
            )
    assert operations > 20
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/cases/{big}"),
        ("get", "/api/cases/{big}/letters"),
        ("get", "/api/letters/{big}.pdf"),
        ("get", "/api/letters/{big}/verify"),
        ("post", "/api/cases/{big}/letters/receipt/issue"),
        ("delete", "/api/admin/tokens/{big}"),
        ("post", "/api/admin/users/{big}/deactivate"),
    ],
)
def test_an_id_too_large_for_the_database_is_a_422(api, method, path):
    """Found by this run: ids in paths reached SQLite unbounded and answered 500."""
    app, fresh_headers = api
    client = TestClient(app, raise_server_exceptions=False)
    response = getattr(client, method)(path.format(big="9" * 23), headers=fresh_headers())
    assert response.status_code == 422
    assert response.json()["code"] == "validation"
