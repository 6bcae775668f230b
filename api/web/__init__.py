"""The server-rendered web UI (Simplified Chinese) for caseworkers, legal staff, supervisors,
administrators and — on the public status page — applicants.

Every module in ``api/web/pages/`` with a ``router`` is part of the UI. Pages call the same
services as the JSON API; what a user may do on a case comes from the state machine
(``permitted_events``), never from a template. Static files (our CSS and JS, and the vendored
htmx and Chart.js) are served by the app itself: nothing is loaded from another site.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

import api.web.pages
from api.web.core import STATIC_DIR, LoginRequired, redirect

#: The UI's pages allow only what the app itself serves (no inline scripts, no other origin).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'"
)


def install(app: FastAPI) -> None:
    """Add the UI's pages, its static files and its security headers to ``app``."""
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for module in sorted(pkgutil.iter_modules(api.web.pages.__path__), key=lambda m: m.name):
        pages = importlib.import_module(f"api.web.pages.{module.name}")
        if hasattr(pages, "router"):
            app.include_router(pages.router, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def login_required(_request: Request, exc: LoginRequired):
        from urllib.parse import quote

        return redirect(f"/login?next={quote(exc.next_path, safe='')}", exc.message)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001
        response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if not request.url.path.startswith("/static"):
                response.headers.setdefault("Cache-Control", "no-store")
        return response


def is_page(request: Request) -> bool:
    """A request for the UI (HTML) rather than the JSON API."""
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/openapi.json", "/docs", "/redoc"))
