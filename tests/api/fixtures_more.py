"""Fixtures for the letters, calendar, admin, public and auth API tests (kept apart from
tests/api/conftest.py): the service tests' organisation, an app on its engine, and callers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from gkcase.db import unit_of_work
from gkcase.models import User
from gkcase.services import auth
from tests.services.conftest import engine, org  # noqa: F401  (fixtures)

PASSWORD = "correct horse battery"
_HASH = auth.hash_password(PASSWORD)  # hashed once for every test


@pytest.fixture
def api(org):  # noqa: F811
    """A client on the organisation's database; every user's password is PASSWORD."""
    with unit_of_work(org.engine) as session:
        for user in session.exec(select(User)):
            user.password_hash = _HASH
            session.add(user)
    with TestClient(create_app(org.engine)) as client:
        yield client


def token_for(org, username):  # noqa: F811
    """A bearer-token header acting as ``username`` (no CSRF needed)."""
    with unit_of_work(org.engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        _row, token = auth.issue_api_token(session, name="test", user=user, issued_by=user)
    return {"Authorization": f"Bearer {token}"}


def log_in(client, username, password=PASSWORD):
    """Log in with the cookie; returns the CSRF header to send on writes."""
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


def refused(response, status, code=None, field=None):
    assert response.status_code == status, response.text
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body
    assert body["message"]
    return body
