"""Precision and recall of :func:`gkcase.services.similar.same_information` on the labelled pairs
(tests/data/similar_pairs.jsonl, built by benchmarks/similar_pairs.py), at the chosen threshold
and over a small sweep; beside it, the plain bigram score alone (what the registration warning
uses) at the same thresholds, to show what the hard constraints and the coverage check add.

The held-out hand-written pairs (``"held_out": true``) were written and labelled after the method
was tuned on the rest, and are reported on their own: they are the fairest estimate of how it
does on wording nobody anticipated. Deterministic: no timing.
Run: python benchmarks/similarity_precision.py [--errors]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gkcase.services.similar import SAME_THRESHOLD, judge, similarity

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "similar_pairs.jsonl"
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        return (
            f"{label:<28} precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"F1 {self.f1:.3f}  (tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})"
        )


def load(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(pairs: list[dict], decide: Callable[[str, str], bool]) -> Score:
    tp = fp = fn = tn = 0
    for pair in pairs:
        said, truth = decide(pair["a"], pair["b"]), pair["same"]
        tp += said and truth
        fp += said and not truth
        fn += truth and not said
        tn += not said and not truth
    return Score(tp, fp, fn, tn)


def same_at(threshold: float) -> Callable[[str, str], bool]:
    return lambda a, b: judge(a, b, threshold=threshold).same


def bigrams_at(threshold: float) -> Callable[[str, str], bool]:
    return lambda a, b: similarity(a, b) >= threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong judgement")
    args = parser.parse_args()
    pairs = load()
    same = sum(p["same"] for p in pairs)
    print(f"{len(pairs)} labelled pairs: {same} same, {len(pairs) - same} different")
    print(score(pairs, same_at(SAME_THRESHOLD)).line(f"same_information @ {SAME_THRESHOLD}"))
    subsets = {
        "generated": [p for p in pairs if p["source"] == "generated"],
        "hand, tuned on": [p for p in pairs if p["source"] == "hand" and not p.get("held_out")],
        "hand, held out": [p for p in pairs if p.get("held_out")],
    }
    for name, subset in subsets.items():
        print(score(subset, same_at(SAME_THRESHOLD)).line(f"  {name} ({len(subset)})"))
    print("\nsweep of SAME_THRESHOLD (same_information) against the bigram score alone:")
    for t in SWEEP:
        print(score(pairs, same_at(t)).line(f"same_information @ {t}"))
        print(score(pairs, bigrams_at(t)).line(f"bigram score alone @ {t}"))
    if args.errors:
        print("\nwrong judgements at the chosen threshold:")
        for pair in pairs:
            verdict = judge(pair["a"], pair["b"])
            if verdict.same != pair["same"]:
                kind = "FP" if verdict.same else "FN"
                print(f"{kind} [{pair.get('source')}/{pair.get('kind')}] {pair['why']}")
                print(f"   a: {pair['a']}\n   b: {pair['b']}\n   → {verdict.reason}")


if __name__ == "__main__":
    main()
