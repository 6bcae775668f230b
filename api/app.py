"""The FastAPI application: the JSON API (one module per resource under api/routes/) and the
web UI (api/web/)."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI
from sqlalchemy.engine import Engine

import api.routes
import api.web
import gkcase
from api import errors
from api.gate import AdmissionGate
from gkcase.db import create_schema, get_engine
from gkcase.settings import get_settings


def create_app(engine: Engine | None = None, report_engine: Engine | None = None) -> FastAPI:
    """The app, on ``engine`` (default: the configured database, schema created if missing);
    reports and supervision read from ``report_engine`` (default: ``GKCASE_REPORT_DATABASE_URL``
    when set — a replica, whose schema its primary's replication keeps — else ``engine``)."""
    app = FastAPI(
        title="gkcase",
        version=gkcase.__version__,
        description="依申请公开办理系统 API — government information disclosure on request.",
    )
    app.state.engine = engine or get_engine()
    create_schema(app.state.engine)
    settings = get_settings()
    if report_engine is None and settings.report_database_url:
        report_engine = get_engine(settings.report_database_url)
    app.state.report_engine = report_engine or app.state.engine
    errors.install(app)
    # Every module in api/routes/ with a `router` is part of the API, in name order.
    for module in sorted(pkgutil.iter_modules(api.routes.__path__), key=lambda m: m.name):
        routes = importlib.import_module(f"api.routes.{module.name}")
        if hasattr(routes, "router"):
            app.include_router(routes.router)
    api.web.install(app)
    # Outermost of gkcase's middleware, so that a waiting request holds nothing (api/gate.py).
    app.add_middleware(
        AdmissionGate,
        concurrency=settings.worker_concurrency,
        write_concurrency=settings.worker_write_concurrency,
        queue=settings.worker_queue,
    )
    return app
