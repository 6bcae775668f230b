"""Fixtures for the web UI: form-posting clients per user (fast, on SQLite and PostgreSQL) and a
real browser — Debian's Chromium driven by Playwright — on a live server.

Browser tests skip with the reason when Chromium or Playwright is missing, except under CI
(``CI`` set), where a missing browser is a failure: CI never skips them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from gkcase.db import make_engine, unit_of_work
from gkcase.models import User
from tests.api.fixtures_more import _HASH, PASSWORD
from tests.services.conftest import build_schema, engine, make_org, org  # noqa: F401  (fixtures)

ARTIFACTS = Path(
    os.environ.get("GKCASE_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-quic",
    "--metrics-recording-only",
]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def set_passwords(engine):  # noqa: F811
    """Every user's password becomes PASSWORD (hashed once per test run)."""
    with unit_of_work(engine) as session:
        for user in session.exec(select(User)):
            user.password_hash = _HASH
            session.add(user)


class WebUser:
    """A signed-in browser-less user: GETs pages and posts forms with the CSRF token."""

    def __init__(self, app, username):
        self.username = username
        self.client = TestClient(app, follow_redirects=False)
        response = self.client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.text
        me = self.client.get("/api/auth/me")
        assert me.status_code == 200, me.text
        self.csrf = me.json()["csrf_token"]

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path, data=None, **kwargs):
        """Post a form (a dict, or a list of pairs for repeated fields) with the CSRF token."""
        pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
        pairs.append(("csrf_token", self.csrf))
        return self.client.post(path, data=_as_form(pairs), **kwargs)


def _as_form(pairs):
    form = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in form.items()}


@pytest.fixture
def web(org):  # noqa: F811
    """``web.user(name)`` signs a user of the organisation in; ``web.anonymous`` is nobody."""
    set_passwords(org.engine)
    app = create_app(org.engine)

    class Web:
        def __init__(self):
            self.app, self.org, self.engine = app, org, org.engine
            self.anonymous = TestClient(app, follow_redirects=False)

        def user(self, username):
            return WebUser(app, username)

    return Web()


def csrf_in(html):
    """The CSRF token a page's forms carry."""
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


# --- a real browser ---------------------------------------------------------------------------


def chromium_path():
    return (
        os.environ.get("GKCASE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot be skipped in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, launched by path (no browser download is possible)."""
    path = chromium_path()
    if not path:
        _unavailable("Chromium is not installed (apt-get install chromium; .ci/run does)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class LiveServer:
    """The app served by uvicorn in a thread on a free loopback port."""

    def __init__(self, app):
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_org(tmp_path):
    """The test organisation on a SQLite file of its own (browser tests run on SQLite)."""
    db = make_engine(f"sqlite:///{tmp_path / 'live.db'}")
    build_schema(db)
    built = make_org(db)
    set_passwords(db)
    yield built
    db.dispose()


@pytest.fixture
def live(live_org):
    """A live server on the organisation's database."""
    with LiveServer(create_app(live_org.engine)) as server:
        server.org = live_org
        yield server


@pytest.fixture
def pages(browser, live):
    """``pages.new(username=None)``: a fresh 1366×768 browser context (its own cookies), signed
    in as ``username`` when given. Pages answer dialogs (data-confirm) with OK."""
    contexts = []

    class Pages:
        url = live.url

        def new(self, username=None):
            context = browser.new_context(
                viewport={"width": 1366, "height": 768}, base_url=live.url, locale="zh-CN"
            )
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            if username:
                sign_in(page, username)
            return page

    yield Pages()
    for context in contexts:
        context.close()


def sign_in(page, username, password=PASSWORD):
    page.goto("/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"


def screenshot(page, name):
    """Save a full-page screenshot as a test artefact (test-artifacts/screenshots/)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
