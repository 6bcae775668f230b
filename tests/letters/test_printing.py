"""Printing letters to PDF in helper processes (``GKCASE_PDF_PROCESSES``,
gkcase/letters/output.py ``print_pdf``): the same bytes as printing in the process itself, the
caller's process not doing the work, a helper that dies replaced, and the helpers running at a
lower CPU priority than the workers (``GKCASE_PDF_NICENESS``)."""

from __future__ import annotations

import os
import signal

import pytest

from gkcase.letters import output
from gkcase.letters.catalogue import CATALOGUE
from gkcase.letters.context import sample_context
from gkcase.letters.render import render_letter
from gkcase.settings import get_settings
from tests.letters.test_output import pdf_support  # noqa: F401 - skips (or, in CI, fails) without PDF support

pytestmark = pytest.mark.usefixtures("pdf_support")


@pytest.fixture
def printers(monkeypatch):
    monkeypatch.setenv("GKCASE_PDF_PROCESSES", "1")
    get_settings.cache_clear()
    yield
    output.stop_printers()
    get_settings.cache_clear()


def _letter(kind: str = "receipt"):
    spec = CATALOGUE[kind]
    return render_letter(spec, sample_context(spec))


def _helpers() -> list[int]:
    pool = output._printers
    return [] if pool is None else [p.pid for p in pool._processes.values()]


def test_a_helper_process_prints_the_same_bytes(printers):
    letter = _letter()
    printed = output.print_pdf(letter)
    helpers = _helpers()
    assert helpers and os.getpid() not in helpers  # printed elsewhere
    assert printed.startswith(b"%PDF-")
    assert printed == output.to_pdf(letter)  # deterministic, wherever it is printed


def test_warming_starts_the_helpers_ready_to_print(printers):
    output.warm_printers()
    assert len(_helpers()) == 1


def test_a_helper_that_dies_is_replaced_and_the_letter_still_printed(printers):
    letter = _letter("correction_notice")
    first = output.print_pdf(letter)
    [helper] = _helpers()
    os.kill(helper, signal.SIGKILL)
    assert output.print_pdf(letter) == first
    assert output.print_pdf(letter) == first  # and the next goes to a new helper
    assert helper not in _helpers()


def _niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


@pytest.mark.parametrize("niceness", ["3", "0"])
def test_helpers_give_way_to_the_workers_by_the_configured_niceness(
    printers, monkeypatch, niceness
):
    monkeypatch.setenv("GKCASE_PDF_NICENESS", niceness)
    get_settings.cache_clear()
    output.warm_printers()
    [helper] = _helpers()
    assert _niceness(helper) == min(19, _niceness(0) + int(niceness))
    assert output.print_pdf(_letter()).startswith(b"%PDF-")  # and they still print


def test_helpers_give_way_by_default():
    assert get_settings().pdf_niceness == 10


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for whoever adopted it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_a_helper_does_not_outlive_a_worker_that_is_killed():
    """A worker killed outright (out of memory, SIGKILL) cannot shut its helpers down; they
    notice their parent is gone and leave instead of holding their memory for ever."""
    import subprocess
    import sys
    import time

    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER],
        env={**os.environ, "GKCASE_PDF_PROCESSES": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        helper = int(worker.stdout.readline())
        assert _alive(helper)
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 30
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.2)
    left_behind = _alive(helper)
    if left_behind:
        os.kill(helper, signal.SIGKILL)
    assert not left_behind


_WORKER = """
import time
from gkcase.letters import output
if __name__ == "__main__":
    output.warm_printers()
    print(next(iter(output._printers._processes)), flush=True)
    time.sleep(600)
"""


def test_without_helpers_the_process_prints_itself(monkeypatch):
    monkeypatch.setenv("GKCASE_PDF_PROCESSES", "0")
    get_settings.cache_clear()
    try:
        assert output.print_pdf(_letter()).startswith(b"%PDF-")
        assert output._printers is None
    finally:
        get_settings.cache_clear()


def test_a_letter_being_issued_gets_both_files_from_one_helper(printers):
    spec = CATALOGUE["receipt"]
    context = sample_context(spec)
    letter = render_letter(spec, context)
    printed = output.print_letter(letter, context)
    assert len(_helpers()) == 1
    assert printed.docx == output.to_docx(letter, context)
    assert printed.pdf == output.to_pdf(letter)
    assert printed.pdf_problem is None


def test_without_pdf_support_the_docx_still_comes(monkeypatch):
    monkeypatch.setenv("GKCASE_PDF_PROCESSES", "0")
    monkeypatch.setattr(output, "pdf_available", lambda: (False, "没有中文字体"))
    get_settings.cache_clear()
    try:
        spec = CATALOGUE["receipt"]
        context = sample_context(spec)
        printed = output.print_letter(render_letter(spec, context), context)
        assert printed.docx.startswith(b"PK")
        assert printed.pdf is None
        assert "没有中文字体" in printed.pdf_problem
    finally:
        get_settings.cache_clear()
