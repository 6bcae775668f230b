"""Admission control (api/gate.py): how many requests a worker lets in, in what order, and what
an overloaded worker answers."""

from __future__ import annotations

import asyncio
import json

import pytest

from api.gate import BUSY_CODE, AdmissionGate


class SlowApp:
    """An ASGI app that records who is inside and answers when told to."""

    def __init__(self) -> None:
        self.inside: set[str] = set()
        self.most_inside = 0
        self.entered: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope, receive, send) -> None:
        name = scope["path"]
        self.entered.append(name)
        self.inside.add(name)
        self.most_inside = max(self.most_inside, len(self.inside))
        await self.release.setdefault(name, asyncio.Event()).wait()
        self.inside.discard(name)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def request(app, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    scope = {"type": "http", "method": method, "path": path, "headers": []}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_at_most_concurrency_requests_are_inside_and_the_rest_enter_in_arrival_order():
    async def scenario():
        inner = SlowApp()
        gate = AdmissionGate(inner, concurrency=2, write_concurrency=1, queue=100)
        paths = [f"/api/cases/{n}" for n in range(6)]
        tasks = []
        for path in paths:
            tasks.append(asyncio.create_task(request(gate, path)))
            await settle()
        assert inner.entered == paths[:2] and gate.reads.waiting == 4
        for path in paths:  # finish them one by one: each frees a slot for the next in line
            inner.release.setdefault(path, asyncio.Event()).set()
            await settle()
        results = await asyncio.gather(*tasks)
        assert inner.entered == paths  # first come, first served
        assert inner.most_inside == 2
        assert all(status == 200 for status, _, _ in results)
        assert gate.reads.inside == 0 and gate.reads.waiting == 0

    asyncio.run(scenario())


def test_writes_wait_in_their_own_line_so_reads_never_queue_behind_them():
    async def scenario():
        inner = SlowApp()
        gate = AdmissionGate(inner, concurrency=1, write_concurrency=1, queue=100)
        sign = asyncio.create_task(request(gate, "/api/cases/1/actions/sign", "POST"))
        await settle()
        second_write = asyncio.create_task(request(gate, "/api/cases/2/actions/sign", "POST"))
        read = asyncio.create_task(request(gate, "/api/cases/3"))
        await settle()
        # The slow write holds the write slot; the read goes in anyway, the second write waits.
        assert inner.inside == {"/api/cases/1/actions/sign", "/api/cases/3"}
        assert gate.writes.waiting == 1
        inner.release["/api/cases/3"].set()
        assert (await read)[0] == 200
        for path in ("/api/cases/1/actions/sign", "/api/cases/2/actions/sign"):
            inner.release.setdefault(path, asyncio.Event()).set()
            await settle()
        assert [r[0] for r in await asyncio.gather(sign, second_write)] == [200, 200]

    asyncio.run(scenario())


def test_a_full_queue_refuses_at_once_with_503_a_code_and_retry_after():
    async def scenario():
        inner = SlowApp()
        gate = AdmissionGate(inner, concurrency=1, write_concurrency=1, queue=1)
        first = asyncio.create_task(request(gate, "/api/cases/1"))
        await settle()
        queued = asyncio.create_task(request(gate, "/api/cases/2"))
        await settle()
        status, headers, body = await request(gate, "/api/cases/3")
        assert status == 503
        assert headers["retry-after"] == "1" and headers["content-type"] == "application/json"
        error = json.loads(body)
        assert error["code"] == BUSY_CODE and "繁忙" in error["message"]
        # A page gets the same refusal as an HTML page in Chinese.
        status, headers, body = await request(gate, "/cases")
        assert status == 503 and headers["content-type"].startswith("text/html")
        assert "服务器繁忙" in body.decode()
        assert "/api/cases/3" not in inner.entered and "/cases" not in inner.entered
        for path in ("/api/cases/1", "/api/cases/2"):
            inner.release.setdefault(path, asyncio.Event()).set()
            await settle()
        assert [r[0] for r in await asyncio.gather(first, queued)] == [200, 200]

    asyncio.run(scenario())


def test_static_files_and_non_http_scopes_pass_the_gate():
    async def scenario():
        inner = SlowApp()
        gate = AdmissionGate(inner, concurrency=1, write_concurrency=1, queue=0)
        busy = asyncio.create_task(request(gate, "/api/cases/1"))
        await settle()
        static = asyncio.create_task(request(gate, "/static/app.css"))
        await settle()
        assert "/static/app.css" in inner.inside  # not held back by the busy slot
        for path in ("/static/app.css", "/api/cases/1"):
            inner.release[path].set()
        assert [r[0] for r in await asyncio.gather(static, busy)] == [200, 200]

        seen = []

        async def lifespan_app(scope, receive, send):
            seen.append(scope["type"])

        await AdmissionGate(lifespan_app, 1, 1, 0)({"type": "lifespan"}, None, None)
        assert seen == ["lifespan"]

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GKCASE_WORKER_CONCURRENCY", "0"), ("GKCASE_WORKER_QUEUE", "-1")],
)
def test_settings_refuse_a_gate_that_lets_nothing_in(monkeypatch, variable, value):
    from pydantic import ValidationError

    from gkcase.settings import Settings

    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as error:
        Settings()
    assert variable.removeprefix("GKCASE_").lower() in str(error.value)


def test_the_app_is_gated_with_the_configured_slots(monkeypatch, tmp_path):
    from api.app import create_app
    from gkcase.db import make_engine
    from gkcase.settings import get_settings

    monkeypatch.setenv("GKCASE_WORKER_CONCURRENCY", "3")
    monkeypatch.setenv("GKCASE_WORKER_WRITE_CONCURRENCY", "1")
    monkeypatch.setenv("GKCASE_WORKER_QUEUE", "7")
    get_settings.cache_clear()
    try:
        app = create_app(make_engine(f"sqlite:///{tmp_path / 'gate.db'}"))
        gate = next(m for m in app.user_middleware if m.cls is AdmissionGate)
        assert gate.kwargs == {"concurrency": 3, "write_concurrency": 1, "queue": 7}
        assert app.user_middleware[0].cls is AdmissionGate  # outermost of gkcase's own
    finally:
        get_settings.cache_clear()


def test_a_slow_download_leaves_the_gate_when_its_response_starts():
    async def scenario():
        body_sent = asyncio.Event()
        entered = []

        async def app(scope, receive, send):
            entered.append(scope["path"])
            await send({"type": "http.response.start", "status": 200, "headers": []})
            if scope["path"] == "/api/cases/1/bundle.zip":
                await body_sent.wait()  # the client reads the body slowly
            await send({"type": "http.response.body", "body": b"..."})

        gate = AdmissionGate(app, concurrency=1, write_concurrency=1, queue=10)
        download = asyncio.create_task(request(gate, "/api/cases/1/bundle.zip"))
        await settle()
        assert gate.reads.inside == 0  # the body is still on its way, the slot is free
        assert (await request(gate, "/api/cases/2"))[0] == 200
        body_sent.set()
        assert (await download)[0] == 200
        assert entered == ["/api/cases/1/bundle.zip", "/api/cases/2"]
        assert not gate.reads.semaphore.locked()

    asyncio.run(scenario())


def test_a_request_that_fails_before_answering_gives_its_slot_back():
    async def scenario():
        async def app(scope, receive, send):
            raise RuntimeError("boom")

        gate = AdmissionGate(app, concurrency=1, write_concurrency=1, queue=10)
        for _ in range(3):
            with pytest.raises(RuntimeError):
                await request(gate, "/api/cases/1")
        assert gate.reads.inside == 0 and not gate.reads.semaphore.locked()

    asyncio.run(scenario())
