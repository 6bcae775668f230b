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
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

    app.add_middleware(SecurityHeaders)


#: Headers added to every HTML response (the UI's pages and its error pages).
_PAGE_HEADERS = (
    (b"content-security-policy", PAGE_CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the UI's security headers (and ``no-store`` outside ``/static``) to HTML responses,
    keeping any the route set itself. A plain ASGI middleware: it only looks at the response's
    start message, so JSON and file responses pass through untouched and nothing is buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    wanted = _PAGE_HEADERS if static else (*_PAGE_HEADERS, _NO_STORE)
                    headers.extend(h for h in wanted if h[0] not in present)
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_page(request: Request) -> bool:
    """A request for the UI (HTML) rather than the JSON API."""
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/openapi.json", "/docs", "/redoc"))
