"""``gkcase serve`` (gkcase/server.py): each worker its own listener in a SO_REUSEPORT group,
Nagle off on every accepted connection, and several workers answering on one port."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

import httpx
import pytest

import gkcase.db
from gkcase import server

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(
    not server.reuse_port_supported(), reason="SO_REUSEPORT load balancing is Linux's"
)
needs_ss = pytest.mark.skipif(
    shutil.which("ss") is None, reason="ss (iproute2) shows which process holds a connection"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn_copy(listener: socket.socket) -> socket.socket:
    """What a spawned worker receives: the listener through multiprocessing's pickler."""
    buffer = io.BytesIO()
    ForkingPickler(buffer).dump(listener)
    return ForkingPickler.loads(buffer.getvalue())


@linux_only
def test_each_worker_unpickles_a_listener_of_its_own_in_the_reuse_port_group():
    port = free_port()
    placeholder = server.ReusePortListener("127.0.0.1", port)
    first, second = spawn_copy(placeholder), spawn_copy(placeholder)
    try:
        for worker in (first, second):
            assert worker.fileno() != placeholder.fileno()
            assert worker.getsockname() == ("127.0.0.1", port)
            assert worker.proto == socket.IPPROTO_TCP
            assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        # The supervisor's placeholder is bound but never listens, so it is never given a
        # connection nobody would accept.
        assert placeholder.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0
    finally:
        for sock in (first, second, placeholder):
            sock.close()


@linux_only
def test_a_port_in_use_fails_in_the_supervisor_before_any_worker_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            server.ReusePortListener("127.0.0.1", taken.getsockname()[1])


def test_connections_accepted_on_a_worker_listener_have_nagle_off():
    """uvicorn's own --workers socket is made with protocol 0, and asyncio then leaves Nagle on:
    each keep-alive response waits ~40 ms for the client's delayed ACK."""

    async def scenario(listener: socket.socket) -> int:
        flags = []

        async def handle(reader, writer):
            sock = writer.get_extra_info("socket")
            flags.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        async with await asyncio.start_server(handle, sock=listener):
            _reader, writer = await asyncio.open_connection(*listener.getsockname())
            for _ in range(100):
                if flags:
                    break
                await asyncio.sleep(0.01)
            writer.close()
        return flags[0]

    if server.reuse_port_supported():
        listener = server.open_listener("127.0.0.1", free_port(), 16)
    else:
        listener = server.tcp_socket("127.0.0.1", free_port(), reuse_port=False)
        listener.listen(16)
    assert asyncio.run(scenario(listener)) != 0


@linux_only
@needs_ss
def test_serve_with_two_workers_answers_from_both(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "GKCASE_DATA_DIR": str(tmp_path / "var"),
        "GKCASE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
    }
    command = [sys.executable, "-m", "gkcase", "serve", "--workers", "2", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "gkcase serve did not answer within 60 s"
            time.sleep(0.2)
        # Two listening sockets on the port, one per worker process.
        listening = _ss("-Hltnp", f"sport = :{port}")
        assert len(listening.strip().splitlines()) == 2, listening
        # Twenty connections held open at once: the kernel spreads them over both workers (all
        # on one worker has a chance of 2 in 2**20). Each answers, so its worker has accepted it.
        connections = []
        try:
            for _ in range(20):
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                connection.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
                assert connection.recv(64).startswith(b"HTTP/1.1 200")
                connections.append(connection)
            established = _ss("-Htnp", "state", "established", f"( sport = :{port} )")
            pids = set(re.findall(r"pid=(\d+)", established))
            assert len(pids) == 2, established
        finally:
            for connection in connections:
                connection.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _ss(*args: str) -> str:
    return subprocess.run(["ss", *args], capture_output=True, text=True, check=True).stdout


def test_serve_refuses_a_bad_worker_count(capsys, tmp_path, monkeypatch):
    from gkcase.cli import main
    from gkcase.settings import get_settings

    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        for count in ("0", "65", "two"):
            assert main(["serve", "--workers", count]) == 2
            err = capsys.readouterr().err
            assert "--workers" in err
    finally:
        get_settings.cache_clear()


def test_the_served_app_is_warmed_up_before_its_first_request(tmp_path, monkeypatch):
    from gkcase.letters import output
    from gkcase.settings import get_settings

    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    output._probe.cache_clear()
    try:
        app = server.warm_app()
        assert app.title == "gkcase"
        assert output._probe.cache_info().currsize == 1  # the PDF probe has run
    finally:
        get_settings.cache_clear()
        for engine in gkcase.db._engines.values():
            engine.dispose()
        gkcase.db._engines.clear()
