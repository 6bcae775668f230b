"""Admission control: at most ``worker_concurrency`` requests inside the app per worker process.

An API worker is one Python process: one thread runs Python at a time, so with dozens of requests
in flight (each on its own thread, each holding a database connection between its steps) the
process spends its time switching threads, and the database its time switching between as many
connections. Letting two requests in at a time and queueing the rest — in arrival order, on the
event loop, holding nothing — nearly doubled the case reads per second of two workers under 45
concurrent clients (docs/performance.md, "HTTP load"), and bounds the connections each worker
uses (the two concurrencies together ≤ ``db_pool_size``).

Reads (GET, HEAD, OPTIONS) and writes have separate slots (``worker_concurrency`` and
``worker_write_concurrency``): a write can take a quarter of a second (signing renders the reply's
PDF and DOCX and commits), and a case read should not queue behind one.

A queue longer than ``worker_queue`` means the worker is overloaded: the request is refused at
once with 503 ``server.busy`` and ``Retry-After``, rather than waiting until the proxy times out.
Static files bypass the gate (they are small and need no database). A request leaves the gate
when its response starts: the body's transfer to a slow client happens outside it.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUSY_CODE = "server.busy"
BUSY_MESSAGE = "服务器繁忙，请稍后重试"
RETRY_AFTER_SECONDS = 1


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class _Line:
    """One FIFO line: ``slots`` requests inside at once, at most ``queue`` waiting."""

    def __init__(self, slots: int, queue: int) -> None:
        self.slots = slots
        self.queue = queue
        self.waiting = 0
        self.inside = 0
        self._semaphore: asyncio.Semaphore | None = None  # made on the worker's own event loop

    @property
    def semaphore(self) -> asyncio.Semaphore:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.slots)
        return self._semaphore

    def full(self) -> bool:
        return self.semaphore.locked() and self.waiting >= self.queue


class AdmissionGate:
    """ASGI middleware: reads and writes each wait in their own FIFO line of ``concurrency`` and
    ``write_concurrency`` slots, with at most ``queue`` waiting in each."""

    def __init__(self, app: ASGIApp, concurrency: int, write_concurrency: int, queue: int) -> None:
        self.app = app
        self.reads = _Line(concurrency, queue)
        self.writes = _Line(write_concurrency, queue)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        line = self.reads if scope["method"] in _READS else self.writes
        if line.full():
            await _busy(scope, send)
            return
        line.waiting += 1
        try:
            await line.semaphore.acquire()
        finally:
            line.waiting -= 1
        line.inside += 1
        held = True

        def leave() -> None:
            nonlocal held
            if held:
                held = False
                line.inside -= 1
                line.semaphore.release()

        async def send_then_leave(message: Message) -> None:
            # The route's work is done once its response starts (gkcase's responses carry their
            # whole body): the slot goes to the next request while the body travels, so a slow
            # client downloading a bundle or an export does not hold up the worker's reads.
            if message["type"] == "http.response.start":
                leave()
            await send(message)

        try:
            await self.app(scope, receive, send_then_leave)
        finally:
            leave()


async def _busy(scope: Scope, send: Send) -> None:
    api = scope["path"].startswith("/api/")
    if api:
        body = json.dumps(
            {"code": BUSY_CODE, "message": BUSY_MESSAGE, "field": None}, ensure_ascii=False
        ).encode()
        content_type = b"application/json"
    else:
        body = f"<!doctype html><meta charset=utf-8><title>{BUSY_MESSAGE}</title><p>{BUSY_MESSAGE}"
        body = body.encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
