"""``gkcase serve`` (gkcase/server.py): the workers share one listener and take new connections
in turn (the one with the fewest open connections accepts), Nagle is off on every accepted
connection, and several workers answer on one port, evenly."""

from __future__ import annotations

import asyncio
import gc
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

import httpx2 as httpx
import pytest

import gkcase.db
from gkcase import server

ROOT = Path(__file__).resolve().parents[1]
needs_ss = pytest.mark.skipif(
    shutil.which("ss") is None, reason="ss (iproute2) shows which process holds a connection"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn_copy(listener: socket.socket) -> socket.socket:
    """What a spawned worker receives: the listener through multiprocessing's pickler, as it is
    pickled while a process is being spawned (the only time a descriptor can be passed)."""
    from multiprocessing import get_context
    from multiprocessing.context import set_spawning_popen

    class Spawning:  # what DupFd asks of the process being spawned
        def DupFd(self, fd):  # multiprocessing's name
            return os.dup(fd)

    buffer = io.BytesIO()
    set_spawning_popen(Spawning())
    try:
        get_context("spawn")  # the board's array is the spawn context's
        ForkingPickler(buffer).dump(listener)
    finally:
        set_spawning_popen(None)
    return ForkingPickler.loads(buffer.getvalue())


class _Descriptor:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    def detach(self) -> int:
        return self.fd


def test_each_worker_receives_the_one_listener_and_the_shared_board(monkeypatch):
    # Spawning passes the descriptor itself; in one process, a duplicate stands in for it.
    monkeypatch.setattr(
        "multiprocessing.reduction.DupFd", lambda fd: _Descriptor(os.dup(fd)), raising=True
    )
    port = free_port()
    listener = server.SharedListener.open("127.0.0.1", port, 16, workers=2)
    first, second = spawn_copy(listener), spawn_copy(listener)
    try:
        for worker in (first, second):
            assert isinstance(worker, server.SharedListener)
            assert worker.fileno() != listener.fileno()
            assert worker.getsockname() == ("127.0.0.1", port)
            assert worker.proto == socket.IPPROTO_TCP
            assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
        # One board in shared memory: what one worker counts, the other reads.
        slot = first.board.claim(os.getpid())
        first.board.add(slot, 3)
        assert second.board.count(slot) == 3
        assert listener.board.count(slot) == 3
    finally:
        for sock in (first, second, listener):
            sock.close()


def test_a_port_in_use_fails_in_the_supervisor_before_any_worker_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            server.SharedListener.open("127.0.0.1", taken.getsockname()[1], 16, workers=2)


def _dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


def test_the_board_gives_each_worker_a_slot_and_reclaims_a_dead_workers():
    board = server.ConnectionBoard(slots=2)
    mine, parent = board.claim(os.getpid()), board.claim(os.getppid())
    assert {mine, parent} == {0, 1}
    assert board.claim(os.getpid()) is None  # full, and both owners live: no balancing then
    board.release(mine)
    assert board.claim(os.getpid()) == mine

    crashed = server.ConnectionBoard(slots=1)
    slot = crashed.claim(_dead_pid())
    crashed.add(slot, 5)
    # The crashed worker's slot goes to its replacement, with the count back to zero.
    assert crashed.claim(os.getpid()) == slot
    assert crashed.count(slot) == 0


def test_fewest_compares_with_live_siblings_only():
    board = server.ConnectionBoard(slots=3)
    a, b, gone = board.claim(os.getpid()), board.claim(os.getppid()), board.claim(_dead_pid())
    board.add(a, 2)
    board.add(b, 1)
    assert board.count(gone) == 0
    assert board.fewest(b)  # 1 < 2; the dead worker's 0 does not count
    assert not board.fewest(a)
    board.add(b, 5)
    assert board.fewest(a)  # 2 < 6


def test_the_worker_with_fewest_connections_accepts_the_next():
    """Two acceptors on one listener (as two workers would be): 20 connections opened one after
    another split 10/10, whichever loop wakes first; each has Nagle off."""

    async def scenario() -> tuple[list[int], list[int]]:
        loop = asyncio.get_running_loop()
        listener = server.SharedListener.open("127.0.0.1", free_port(), 64, workers=2)
        # A second descriptor of the same socket, as the other worker holds.
        twin = server.SharedListener(
            listener.family, socket.SOCK_STREAM, listener.proto, fileno=os.dup(listener.fileno())
        )
        twin.board = listener.board
        accepted: dict[int, list[int]] = {0: [], 1: []}

        class Hold(asyncio.Protocol):
            def __init__(self, which: int) -> None:
                self.which = which

            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                accepted[self.which].append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        first = server.BalancedAcceptor(loop, listener, lambda: Hold(0))
        second = server.BalancedAcceptor(loop, twin, lambda: Hold(1))
        assert {first.slot, second.slot} == {0, 1}
        clients = []
        try:
            for n in range(20):
                clients.append(socket.create_connection(listener.getsockname()))
                for _ in range(200):  # until one of them has it
                    if len(accepted[0]) + len(accepted[1]) == n + 1:
                        break
                    await asyncio.sleep(0.005)
            counts = (listener.board.count(first.slot), listener.board.count(second.slot))
            assert counts == (len(accepted[0]), len(accepted[1]))
            for client in clients[:6]:
                client.close()
            await asyncio.sleep(0.1)
            after = listener.board.count(first.slot) + listener.board.count(second.slot)
            assert after == 14  # connection_lost is counted too
            return accepted[0], accepted[1]
        finally:
            for client in clients:
                client.close()
            first.close()
            second.close()
            listener.close()
            twin.close()

    to_first, to_second = asyncio.run(scenario())
    assert abs(len(to_first) - len(to_second)) <= 1, (len(to_first), len(to_second))
    assert len(to_first) + len(to_second) == 20
    assert all(flag != 0 for flag in to_first + to_second)  # Nagle off


def test_a_worker_accepts_anyway_when_its_sibling_does_not():
    """A sibling with fewer connections that does not accept (stuck) delays a connection by at
    most DEFER_AT_MOST; then the busier worker takes it."""

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        listener = server.SharedListener.open("127.0.0.1", free_port(), 16, workers=2)
        stuck = listener.board.claim(os.getppid())  # a live process that never accepts
        made = asyncio.Event()

        class Note(asyncio.Protocol):
            def connection_made(self, transport):
                made.set()

        acceptor = server.BalancedAcceptor(loop, listener, Note)
        listener.board.add(acceptor.slot, 1)  # one more than the stuck sibling's none
        started = time.perf_counter()
        client = socket.create_connection(listener.getsockname())
        try:
            await asyncio.wait_for(made.wait(), 5)
            return time.perf_counter() - started
        finally:
            client.close()
            acceptor.close()
            listener.board.release(stuck)
            listener.close()

    waited = asyncio.run(scenario())
    assert waited + 0.005 >= server.DEFER_AT_MOST, waited


def test_uvicorn_workers_run_the_balancing_loop():
    loop = server.BalancedLoop()
    try:
        assert isinstance(loop, asyncio.AbstractEventLoop)
        assert hasattr(loop, "create_server")
    finally:
        loop.close()


@needs_ss
def test_serve_with_two_workers_answers_from_both_evenly(tmp_path):
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
        # Both workers are up (each answers its health check) before the count starts.
        time.sleep(1.0)
        # One listening socket on the port, held by the supervisor and its two workers.
        listening = _ss("-Hltnp", f"sport = :{port}")
        assert len(listening.strip().splitlines()) == 1, listening
        assert len(set(re.findall(r"pid=(\d+)", listening))) == 3, listening
        # Twenty connections held open: ten on each worker (the kernel's hash would split them
        # unevenly about as often as not). Each answers, so its worker has accepted it.
        connections = []
        try:
            for _ in range(20):
                connection = socket.create_connection(("127.0.0.1", port), timeout=5)
                connection.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n\r\n")
                assert connection.recv(64).startswith(b"HTTP/1.1 200")
                connections.append(connection)
            established = _ss("-Htnp", "state", "established", f"( sport = :{port} )")
            per_worker = sorted(
                re.findall(r"pid=(\d+)", established).count(pid)
                for pid in set(re.findall(r"pid=(\d+)", established))
            )
            assert per_worker == [10, 10], established
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
        gc.unfreeze()  # warm_app froze the test process's heap
        get_settings.cache_clear()
        for engine in gkcase.db._engines.values():
            engine.dispose()
        gkcase.db._engines.clear()
