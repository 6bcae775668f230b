"""Running the HTTP API: one uvicorn process, or several workers that share the load evenly.

``uvicorn --workers N`` binds one listening socket in the supervisor and hands it to every worker.
Two things follow on Linux, both measured in docs/performance.md ("HTTP load"):

* **Uneven load.** All workers wait on one accept queue; the first to wake accepts every pending
  connection, so long-lived keep-alive connections (a reverse proxy's, or a load test's) pile up
  on one worker while the others idle.
* **Nagle's algorithm stays on.** The socket is made with protocol 0, so asyncio does not set
  ``TCP_NODELAY`` on the connections it accepts; a response written in two parts (headers, then
  body) waits for the peer's delayed ACK — about 40 ms per keep-alive request.

``serve`` keeps uvicorn's supervisor (worker restarts, signals) and its one shared listener, made
with ``IPPROTO_TCP`` (Nagle off on every connection), but the workers take new connections in
turn: **the worker with the fewest open connections accepts the next one.** Each worker counts
its open connections on a small board in shared memory (:class:`ConnectionBoard`, one slot per
worker process); when the listener becomes readable, a worker that has more connections than a
live sibling leaves the connection to it for up to ``DEFER_AT_MOST`` (then accepts it anyway, so
a stuck sibling delays nobody for long). The kernel's own spreading (``SO_REUSEPORT``, tried
before) hashes each connection's addresses, which leaves 45 keep-alive connections split 19/31
or 32/25 as often as not — and the busier worker's queue is the p99.

The hook is uvicorn's event loop setting: each worker runs :class:`BalancedLoop` (uvloop's loop,
or asyncio's where uvloop is missing), whose ``create_server`` serves a :class:`SharedListener`
with a :class:`BalancedAcceptor` instead of accepting greedily.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

logger = logging.getLogger(__name__)

#: Listen backlog (uvicorn's default).
BACKLOG = 2048
#: The app factory each worker calls: the app, warmed up (below).
APP = "gkcase.server:warm_app"


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple]:
    family, _type, _proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    return family, address


def warm_up() -> None:
    """What the first letter a worker signs would otherwise pay for inside a request: importing
    WeasyPrint, loading the system's fonts and rendering the PDF probe (about 0.6 s of CPU,
    measured under load as the slowest request of each new worker)."""
    from gkcase.letters.output import pdf_available, warm_printers

    pdf_available()
    warm_printers()


def warm_app() -> FastAPI:
    """The app factory ``serve`` gives uvicorn: :func:`api.app.create_app`, then
    :func:`warm_up`, both before the worker accepts its first connection."""
    from api.app import create_app

    app = create_app()
    warm_up()
    # Everything loaded so far (the app, SQLAlchemy's mappers, WeasyPrint, the fonts: ~200,000
    # objects) lives as long as the worker. Out of the collector's sight, a full collection
    # takes microseconds instead of ~145 ms during which the worker answers nobody.
    gc.collect()
    gc.freeze()
    return app


def tcp_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket (not yet listening) made with ``IPPROTO_TCP`` so that the connections
    accepted on it get ``TCP_NODELAY``."""
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


#: How long a worker leaves a waiting connection to a sibling with fewer connections.
DEFER_AT_MOST = 0.02
#: How often a deferring worker looks again whether the connection is still waiting.
RECHECK_EVERY = 0.002


class ConnectionBoard:
    """Open connections per worker process, in shared memory: ``slots`` pairs of (pid, count).

    A worker claims a free slot when it starts serving (one whose process is gone, after a crash
    or a restart) and is the only writer of its count; the others only read it. Reads of a
    sibling's count may be a moment old, which costs at most one connection placed unevenly.
    Passed to the workers (spawned) with the listener; only claiming takes the board's lock.
    """

    def __init__(self, slots: int) -> None:
        import multiprocessing

        self._shared = multiprocessing.get_context("spawn").Array("q", 2 * slots)

    @property
    def _cells(self) -> Any:
        """A ctypes array: pid, count, pid, count, ..."""
        return self._shared.get_obj()

    def claim(self, pid: int) -> int | None:
        """A slot for ``pid`` with its count at zero; None when every slot is taken (a worker
        then accepts without deferring)."""
        lock = self._shared.get_lock()
        locked = lock.acquire(timeout=1.0)  # a process killed while holding it must not hang us
        try:
            cells = self._cells
            for slot in range(len(cells) // 2):
                owner = cells[2 * slot]
                if owner == 0 or (owner != pid and not _alive(owner)):
                    cells[2 * slot], cells[2 * slot + 1] = pid, 0
                    return slot
            return None
        finally:
            if locked:
                lock.release()

    def release(self, slot: int) -> None:
        cells = self._cells
        cells[2 * slot + 1], cells[2 * slot] = 0, 0

    def add(self, slot: int, delta: int) -> None:
        self._cells[2 * slot + 1] += delta

    def count(self, slot: int) -> int:
        return self._cells[2 * slot + 1]

    def fewest(self, slot: int) -> bool:
        """Whether no live sibling has fewer open connections than ``slot``'s worker."""
        cells = self._cells
        mine = cells[2 * slot + 1]
        for other in range(len(cells) // 2):
            owner, count = cells[2 * other], cells[2 * other + 1]
            if other != slot and owner and count < mine and _alive(owner):
                return False
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SharedListener(socket.socket):
    """The workers' one listening socket, with the board they balance on. Pickled (when uvicorn
    spawns a worker) as the socket's descriptor, as multiprocessing does for sockets, and the
    board."""

    board: ConnectionBoard

    @classmethod
    def open(cls, host: str, port: int, backlog: int, workers: int) -> SharedListener:
        plain = tcp_socket(host, port)
        sock = cls(plain.family, plain.type, plain.proto, fileno=plain.detach())
        try:
            sock.listen(backlog)
        except OSError:
            sock.close()
            raise
        # Spare slots for the replacements ``restart_all`` starts before retiring the old.
        sock.board = ConnectionBoard(slots=2 * workers + 2)
        return sock

    def __reduce__(self):
        from multiprocessing.reduction import DupFd

        return _rebuild_listener, (DupFd(self.fileno()), self.family, self.proto, self.board)


def _rebuild_listener(
    descriptor: Any, family: int, proto: int, board: ConnectionBoard
) -> SharedListener:
    sock = SharedListener(family, socket.SOCK_STREAM, proto, fileno=descriptor.detach())
    sock.board = board
    return sock


class BalancedAcceptor:
    """Accepts on a :class:`SharedListener` when this worker has the fewest open connections
    (or a connection has waited ``DEFER_AT_MOST`` for the others), and serves each connection
    with uvicorn's protocol, counted on the board from ``connection_made`` to
    ``connection_lost``. Stands in for the ``asyncio.Server`` uvicorn would keep."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        listener: SharedListener,
        factory: Callable[[], asyncio.Protocol],
    ) -> None:
        self._loop, self._listener, self._factory = loop, listener, factory
        self._board = listener.board
        self._slot = self._board.claim(os.getpid())
        self._deferring_since: float | None = None
        self._closed = False
        self.sockets = (listener,)
        listener.setblocking(False)
        loop.add_reader(listener.fileno(), self._readable)

    @property
    def slot(self) -> int | None:
        return self._slot

    def _readable(self) -> None:
        loop = self._loop
        if self._slot is not None and not self._board.fewest(self._slot):
            now = loop.time()
            if self._deferring_since is None:
                self._deferring_since = now
            if now - self._deferring_since < DEFER_AT_MOST:
                self._pause(RECHECK_EVERY)
                return
        self._deferring_since = None
        try:
            connection, _address = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return  # a sibling took it
        except OSError as exc:  # out of descriptors or memory: wait, as asyncio's server does
            logger.error("accepting a connection failed: %s; retrying in 1 s", exc)
            self._pause(1.0)
            return
        connection.setblocking(False)
        if connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        loop.create_task(self._serve(connection))

    def _pause(self, seconds: float) -> None:
        self._loop.remove_reader(self._listener.fileno())
        self._loop.call_later(seconds, self._resume)

    def _resume(self) -> None:
        if not self._closed:
            self._loop.add_reader(self._listener.fileno(), self._readable)

    async def _serve(self, connection: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._counted, sock=connection)
        except Exception as exc:  # the peer may be gone already; keep serving the others
            logger.warning("a new connection could not be set up: %s", exc)
            connection.close()

    def _counted(self) -> asyncio.Protocol:
        protocol = self._factory()
        if self._slot is None:
            return protocol
        board, slot = self._board, self._slot
        made, lost = protocol.connection_made, protocol.connection_lost

        def connection_made(transport: asyncio.BaseTransport) -> None:
            board.add(slot, 1)
            made(transport)

        def connection_lost(exc: Exception | None) -> None:
            board.add(slot, -1)
            lost(exc)

        protocol.connection_made, protocol.connection_lost = connection_made, connection_lost
        return protocol

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, ValueError):  # the listener may be closed already
            self._loop.remove_reader(self._listener.fileno())
        if self._slot is not None:
            self._board.release(self._slot)

    async def wait_closed(self) -> None:
        return None


class _Balancing:
    """``create_server`` for a :class:`SharedListener`: a :class:`BalancedAcceptor`."""

    async def create_server(
        self,
        protocol_factory: Callable[[], asyncio.Protocol],
        host: Any = None,
        port: Any = None,
        *,
        sock: socket.socket | None = None,
        **kw: Any,
    ) -> Any:
        if isinstance(sock, SharedListener) and kw.get("ssl") is None:
            return BalancedAcceptor(self, sock, protocol_factory)
        return await super().create_server(protocol_factory, host, port, sock=sock, **kw)


try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard] on Linux and macOS

    class BalancedLoop(_Balancing, asyncio.SelectorEventLoop):
        """asyncio's loop, with connections balanced across workers."""

else:

    class BalancedLoop(_Balancing, uvloop.Loop):
        """uvloop's loop, with connections balanced across workers."""


def serve(
    host: str,
    port: int,
    *,
    workers: int = 1,
    access_log: bool = True,
    forwarded_allow_ips: str | None = None,
    app: str = APP,
) -> None:
    """Run ``app`` (an import string of an app factory) until interrupted. The client's address
    is taken from ``X-Forwarded-For`` only when the request comes from ``forwarded_allow_ips``
    (uvicorn's default: 127.0.0.1, or ``$FORWARDED_ALLOW_IPS``) — the reverse proxy."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from gkcase.settings import get_settings

    # Letters are printed in a helper process of each worker unless configured otherwise
    # (gkcase/letters/output.py, print_pdf); the workers read it from the environment.
    os.environ.setdefault("GKCASE_PDF_PROCESSES", "1")
    get_settings.cache_clear()
    config = uvicorn.Config(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        backlog=BACKLOG,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    if workers == 1:
        # One process: asyncio opens the listener from host and port (IPPROTO_TCP, Nagle off).
        uvicorn.Server(config).run()
        return
    config.loop = "gkcase.server:BalancedLoop"
    listener = SharedListener.open(host, port, BACKLOG, workers)
    try:
        Multiprocess(config, sockets=[listener]).run()
    finally:
        listener.close()
