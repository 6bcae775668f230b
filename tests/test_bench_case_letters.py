"""benchmarks/bench_case_letters.py runs end to end on a small database: real letters issued,
each read it times finds the case's two letters, and every figure is printed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_case_letters


def test_the_benchmark_issues_letters_and_times_both_ways_of_reading_them(capsys) -> None:
    assert bench_case_letters.main(["--cases", "2", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 cases with 4 letters" in out
    for name in (
        "reference: primary-key read of a case",
        "a case's letters, listed (now)",
        "a case's letters, read whole (before)",
        "case detail (JSON), letters listed (now)",
        "case detail (JSON), letters read whole (before)",
    ):
        assert name in out
    assert out.count("read whole ÷ listed = ") == 2
