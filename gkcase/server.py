"""Running the HTTP API: one uvicorn process, or several workers that share the load evenly.

``uvicorn --workers N`` binds one listening socket in the supervisor and hands it to every worker.
Two things follow on Linux, both measured in docs/performance.md ("HTTP load"):

* **Uneven load.** All workers wait on one accept queue; the first to wake accepts every pending
  connection, so long-lived keep-alive connections (a reverse proxy's, or a load test's) pile up
  on one worker while the others idle.
* **Nagle's algorithm stays on.** The socket is made with protocol 0, so asyncio does not set
  ``TCP_NODELAY`` on the connections it accepts; a response written in two parts (headers, then
  body) waits for the peer's delayed ACK — about 40 ms per keep-alive request.

``serve`` keeps uvicorn's supervisor (worker restarts, signals) but gives each worker its *own*
listening socket in a ``SO_REUSEPORT`` group, made with ``IPPROTO_TCP``: the kernel spreads new
connections across the workers by their address hash, and every accepted connection has
``TCP_NODELAY``. It does this by handing the supervisor a :class:`ReusePortListener`, a socket whose
pickled form is "open a listener on this address": each worker, when it is spawned (and re-spawned
after a crash), unpickles it into a fresh listener of its own. The supervisor's copy is bound (so a
port in use fails at once, before any worker starts) but never listens, so it receives nothing.

Where ``SO_REUSEPORT`` is missing (not Linux), the workers share one ``IPPROTO_TCP`` socket, as
uvicorn does, with Nagle off.
"""

from __future__ import annotations

import socket
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

#: Listen backlog per worker (uvicorn's default).
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
    from gkcase.letters.output import pdf_available

    pdf_available()


def warm_app() -> FastAPI:
    """The app factory ``serve`` gives uvicorn: :func:`api.app.create_app`, then
    :func:`warm_up`, both before the worker accepts its first connection."""
    from api.app import create_app

    app = create_app()
    warm_up()
    return app


def reuse_port_supported() -> bool:
    """Whether the kernel balances connections over a ``SO_REUSEPORT`` group (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def tcp_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A bound TCP socket (not yet listening) made with ``IPPROTO_TCP`` so that the connections
    asyncio accepts on it get ``TCP_NODELAY``."""
    family, address = _address(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def open_listener(host: str, port: int, backlog: int) -> socket.socket:
    """A worker's own listener in the address's ``SO_REUSEPORT`` group."""
    sock = tcp_socket(host, port, reuse_port=True)
    sock.listen(backlog)
    return sock


class ReusePortListener(socket.socket):
    """The supervisor's placeholder for the workers' listeners: bound, never listening, and
    pickled as the recipe for a new listener on the same address (see the module's docstring)."""

    def __init__(self, host: str, port: int, backlog: int = BACKLOG) -> None:
        family, address = _address(host, port)
        super().__init__(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.host, self.port, self.backlog = host, port, backlog
        try:
            self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            self.bind(address)
        except OSError:
            self.close()
            raise

    def __reduce__(self):
        return open_listener, (self.host, self.port, self.backlog)


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
    if reuse_port_supported():
        listener: socket.socket = ReusePortListener(host, port, BACKLOG)
    else:
        listener = tcp_socket(host, port, reuse_port=False)
        listener.listen(BACKLOG)
    try:
        Multiprocess(config, sockets=[listener]).run()
    finally:
        listener.close()
