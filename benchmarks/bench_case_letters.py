"""A case with letters: its detail and its list of letters read without the letters' files.

    python benchmarks/bench_case_letters.py [--postgres] [--cases 10] [--runs 20]

An issued letter keeps its HTML, text, variables, DOCX and PDF (~0.3 MB with the PDF's embedded
CJK font). The case detail and the case page list a case's letters — kind, 文号, date, which
files exist — so they read every column but those (``gkcase.models.letter.LETTER_LISTED``).
Neither benchmarks/bench_scale.py (its generator writes no letters) nor benchmarks/load.py (its
read cases have none) sees a letter, so this one issues real ones.

1. Seeds a database through the services (SQLite in a temporary folder, or with
   ``--postgres`` the PostgreSQL database ``gk_bench_letters``, recreated): load.py's
   organisation and 200 cases, of which ``--cases`` go through a whole lifecycle (register →
   … → sign, which issues the reply letter with its DOCX and PDF → deliver → archive) and get
   their receipt notice too: two letters each.
2. Times, best of ``--runs`` after a warm-up, on those cases in turn: a primary-key read of a
   case row (the reference); a case's letters as listed now and read whole (as before); and the
   JSON case detail (``api.routes.cases.case_detail``) as now and with its letters read whole.
   Every figure is printed in ms and as a ratio to the reference; the saving as whole ÷ listed.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import func, literal, text
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import best
from load import LIFECYCLE, recreate_database, seed

from api.routes import cases as routes
from gkcase.db import make_engine, read_session, unit_of_work
from gkcase.models import Letter, User
from gkcase.models.letter import LETTER_BODY
from gkcase.services import cases as svc
from gkcase.services import letters

AS_OF = date(2026, 3, 20)
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def conclude(engine, ids: list[int]) -> dict[str, User]:
    """Each case of ``ids`` with its receipt issued, then through load.py's lifecycle."""
    with read_session(engine) as session:
        staff = {u.username: u for u in session.exec(select(User))}
        session.expunge_all()
    for case_id in ids:
        with unit_of_work(engine) as session:  # the receipt is its own act: while still open
            letters.request_letter(
                session, case_id, "receipt", staff["registrar"], as_of=date(2026, 3, 3)
            )
        with read_session(engine) as session:
            version = session.execute(
                text("SELECT version FROM gk_case WHERE id = :id"), {"id": case_id}
            ).scalar_one()
        for trigger, role, payload, on in LIFECYCLE:
            with unit_of_work(engine) as session:
                fired = svc.fire(
                    session, case_id, trigger, staff[role], payload, version,
                    as_of=date.fromisoformat(on),
                )  # fmt: skip
                version = fired.case.version
    return staff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help=f"on {SERVER}/gk_bench_letters")
    parser.add_argument("--cases", type=int, default=10, help="cases with letters")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            url = recreate_database(SERVER, "gk_bench_letters")
        else:
            url = f"sqlite:///{Path(folder) / 'letters.db'}"
        engine = make_engine(url)
        _, ids = seed(url, max(200, 3 * args.cases))
        concluded = ids[1 : 3 * args.cases : 3]  # seed accepts every third case from the first
        staff = conclude(engine, concluded)
        return measure(engine, staff["caseworker"], concluded, args.runs)


def measure(engine, caseworker: User, ids: list[int], runs: int) -> int:
    body = sum(
        (func.coalesce(func.length(getattr(Letter, name)), 0) for name in LETTER_BODY),
        start=literal(0),
    )
    with read_session(engine) as session:
        n, pdf, total = session.execute(
            select(func.count(), func.sum(func.length(col(Letter.pdf))), func.sum(body)).where(
                col(Letter.case_id).in_(ids)
            )
        ).one()
    print(
        f"{engine.dialect.name}: {len(ids)} cases with {n} letters; a letter's PDF "
        f"{(pdf or 0) / n / 1024:.0f} KB; the letters' bodies {total / len(ids) / 1024:.0f} KB a case"
    )
    turn = itertools.cycle(ids)  # each read on the next case

    def reference_pk() -> None:
        with read_session(engine) as s:
            s.connection().execute(
                text("SELECT * FROM gk_case WHERE id = :id"), {"id": next(turn)}
            ).one()

    def listed() -> None:
        with read_session(engine) as s:
            case = svc.get_case(s, next(turn), caseworker)
            assert len(letters.letters_of(s, case)) == 2

    def whole() -> None:
        with read_session(engine) as s:
            case = svc.get_case(s, next(turn), caseworker)
            rows = s.exec(select(Letter).where(Letter.case_id == case.id).order_by(Letter.id))
            assert len(list(rows)) == 2

    def detail() -> None:
        with read_session(engine) as s:
            seen = routes.case_detail(case_id=next(turn), session=s, user=caseworker, as_of=AS_OF)
            assert len(seen.letters) == 2

    def detail_whole() -> None:
        kept = svc.LETTER_LISTED
        svc.LETTER_LISTED = ()  # the detail as it was: its letters' rows read whole
        try:
            detail()
        finally:
            svc.LETTER_LISTED = kept

    compared = (  # what; its read as it is now; the same read as it was, letters whole
        ("a case's letters", ("a case's letters, listed (now)", listed),
         ("a case's letters, read whole (before)", whole)),
        ("case detail", ("case detail (JSON), letters listed (now)", detail),
         ("case detail (JSON), letters read whole (before)", detail_whole)),
    )  # fmt: skip
    reference = best(reference_pk, runs * 2)
    print(f"{'operation':50} {'ms':>8} {'× pk read':>10}")
    print(f"{'reference: primary-key read of a case':50} {reference * 1000:8.2f} {1:10.1f}")
    ratios = []
    for what, *reads in compared:
        (now, before) = [best(read, runs) for _, read in reads]
        for (name, _), seconds in zip(reads, (now, before), strict=True):
            print(f"{name:50} {seconds * 1000:8.2f} {seconds / reference:10.1f}")
        ratios.append(f"{what}: read whole ÷ listed = {before / now:.1f}×")
    print("\n".join(ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
