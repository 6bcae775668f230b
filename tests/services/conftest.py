"""Database fixtures: every service test runs on SQLite, and on PostgreSQL too when
GKCASE_TEST_DATABASE_URL is set (CI sets it to the local server)."""

from __future__ import annotations

import os

import pytest
from sqlmodel import SQLModel

from gkcase.db import make_engine

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("GKCASE_TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    else:
        engine = make_engine(os.environ["GKCASE_TEST_DATABASE_URL"])
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    if request.param == "postgresql":
        SQLModel.metadata.drop_all(engine)
    engine.dispose()
