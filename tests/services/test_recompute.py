"""A calendar change recomputes the stored due dates of the open cases it affects (issue #18,
"one due date everywhere"), in the same transaction, and records what moved.

Dates counted by hand. December 2026 is an ordinary month (the 2026 notice ends with 国庆节; late
December belongs to the 2027 notice, not out yet); 2027 is an estimated year whose only January
holiday is 元旦, Fri 2027-01-01. So:

- received Mon 2026-12-07: Dec 8–11 (4), 14–18 (9), 21–25 (14), 28–31 (18), [Jan 1 元旦],
  Jan 4 (19), Jan 5 (20) → due Tue 2027-01-05, provisional (it counts days of 2027).
  With Mon 2026-12-21 marked closed: one working day fewer before Jan 5 → due Wed 2027-01-06.
- received Tue 2026-12-08: the same count one working day later → due Wed 2027-01-06; with
  12-21 closed → Thu 2027-01-07 (the issue's example).
- received Mon 2026-11-02: Nov 3–6 (4), 9–13 (9), 16–20 (14), 23–27 (19), Nov 30 (20) → due
  Mon 2026-11-30, before 12-21: a closure on 12-21 cannot move it.
"""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import select

from gkcase.calendar.arrangement import DayOverride, parse_arrangement
from gkcase.db import read_session, unit_of_work
from gkcase.models import Case
from gkcase.models.calendar import CalendarRecompute, CalendarRecomputeCase
from gkcase.services import cases as svc
from gkcase.services import recompute
from gkcase.services.calendar import current_calendar, load_notice, mark_day, unmark_day

from .helpers import fire, register

D = date
CLOSURE = DayOverride(day=D(2026, 12, 21), working=False, name="台风停工", reason="市政府通知")


def load(org, case_id) -> Case:
    with read_session(org.engine) as session:
        return session.get(Case, case_id)


def mark(org, override=CLOSURE, by="admin"):
    with unit_of_work(org.engine) as session:
        return mark_day(session, override, marked_by=by)


def test_a_closure_moves_the_affected_case_by_one_working_day_and_no_other(org):
    affected = register(org, arrived_on="2026-12-07")
    later = register(org, arrived_on="2026-12-08")
    earlier = register(org, arrived_on="2026-11-02")
    closed = register(org, arrived_on="2026-12-07")
    fire(org, closed.id, "withdraw", "registrar",
         {"withdrawn_on": "2026-12-09", "how": "书面撤回"}, as_of=D(2026, 12, 9))  # fmt: skip
    assert load(org, affected.id).reply_due == D(2027, 1, 5)
    assert load(org, affected.id).due_provisional
    assert load(org, later.id).reply_due == D(2027, 1, 6)
    assert load(org, earlier.id).reply_due == D(2026, 11, 30)
    closed_before = load(org, closed.id)

    change = mark(org)

    assert load(org, affected.id).reply_due == D(2027, 1, 6)
    assert load(org, later.id).reply_due == D(2027, 1, 7)
    assert load(org, earlier.id).reply_due == D(2026, 11, 30)
    closed_after = load(org, closed.id)
    assert (closed_after.reply_due, closed_after.calendar_version, closed_after.version) == (
        closed_before.reply_due,
        closed_before.calendar_version,
        closed_before.version,
    )
    result = change.recomputed
    assert sorted(m.number for m in result.moved) == sorted([affected.number, later.number])
    moves = {m.case_id: (m.before.reply_due, m.after.reply_due) for m in result.moved}
    assert moves[affected.id] == (D(2027, 1, 5), D(2027, 1, 6))
    assert moves[later.id] == (D(2027, 1, 6), D(2027, 1, 7))
    # the earlier case was not even read: the closure falls after its due date
    assert result.checked == 2
    # the moved cases' dates are the new calendar's; the others' hold under both
    with read_session(org.engine) as session:
        version = current_calendar(session).version
    assert load(org, affected.id).calendar_version == version
    assert load(org, earlier.id).calendar_version == change.recomputed.version_before


def test_stale_dates_are_recomputed_whatever_the_day(org):
    """A row whose dates came from a calendar no recorded change carried on to the one in
    force (a database from before these records, an upgraded package) is recomputed."""
    earlier = register(org, arrived_on="2026-11-02")
    with unit_of_work(org.engine) as session:
        row = session.get(Case, earlier.id)
        row.calendar_version, row.reply_due = "0ld", D(2026, 12, 1)
        session.add(row)
    change = mark(org)
    assert load(org, earlier.id).reply_due == D(2026, 11, 30)
    assert [m.case_id for m in change.recomputed.moved] == [earlier.id]


def test_the_recompute_is_recorded_with_who_when_and_what_moved(org):
    affected = register(org, arrived_on="2026-12-07")
    mark(org, by="city_admin")
    with read_session(org.engine) as session:
        (run,) = session.exec(select(CalendarRecompute)).all()
        (row,) = session.exec(select(CalendarRecomputeCase)).all()
    assert (run.by, run.checked, run.moved, run.failed) == ("city_admin", 1, 1, 0)
    assert run.change == "将 2026-12-21 标记为停工：台风停工"
    assert (run.first_day, run.last_day) == (D(2026, 12, 21), D(2026, 12, 21))
    assert (row.case_id, row.reply_due_before, row.reply_due_after) == (
        affected.id,
        D(2027, 1, 5),
        D(2027, 1, 6),
    )


def test_unmarking_moves_the_dates_back(org):
    affected = register(org, arrived_on="2026-12-07")
    mark(org)
    with unit_of_work(org.engine) as session:
        change = unmark_day(session, CLOSURE.day, revoked_by="admin")
    assert load(org, affected.id).reply_due == D(2027, 1, 5)
    assert [(m.before.reply_due, m.after.reply_due) for m in change.recomputed.moved] == [
        (D(2027, 1, 6), D(2027, 1, 5))
    ]


def test_marking_a_day_that_was_already_off_moves_nothing(org):
    affected = register(org, arrived_on="2026-12-07")
    saturday = DayOverride(day=D(2026, 12, 19), working=False, name="周六停工")
    change = mark(org, saturday)
    assert change.recomputed.checked == 0 and change.recomputed.moved == []
    assert load(org, affected.id).reply_due == D(2027, 1, 5)


def test_the_change_and_the_recompute_commit_together_or_not_at_all(org):
    affected = register(org, arrived_on="2026-12-07")
    try:
        with unit_of_work(org.engine) as session:
            mark_day(session, CLOSURE, marked_by="admin")
            raise RuntimeError("the request failed after the mark")
    except RuntimeError:
        pass
    with read_session(org.engine) as session:
        assert not current_calendar(session).overrides
        assert session.exec(select(CalendarRecompute)).all() == []
    assert load(org, affected.id).reply_due == D(2027, 1, 5)


def test_the_recomputed_dates_are_what_verify_recomputes(org):
    affected = register(org, arrived_on="2026-12-07")
    mark(org)
    with read_session(org.engine) as session:
        assert svc.verify(session, affected.id, files=False).problems == ()


def test_the_official_arrangement_makes_the_dates_firm_and_lists_them(org):
    """A due date in an unannounced year: loading 2027's notice recomputes and lists the case.

    The (hypothetical) notice gives 元旦 Jan 1–3 with no make-up day: Jan 1 is the only working
    day it takes, as the estimate had it, so the date stays 2027-01-05 and becomes firm."""
    affected = register(org, arrived_on="2026-12-07")
    notice = parse_arrangement(
        {
            "year": 2027,
            "title": "国务院办公厅关于2027年部分节假日安排的通知",
            "holiday": [{"name": "元旦", "off_from": "2027-01-01", "off_to": "2027-01-03"}],
        }
    )
    with unit_of_work(org.engine) as session:
        change = load_notice(session, notice, loaded_by="admin")
    case = load(org, affected.id)
    assert (case.reply_due, case.due_provisional) == (D(2027, 1, 5), False)
    (moved,) = change.recomputed.moved
    assert (moved.number, moved.before.provisional, moved.after.provisional) == (
        affected.number,
        True,
        False,
    )


def test_a_receipt_that_stated_the_old_date_is_listed_for_the_caseworker(org):
    affected = register(org, arrived_on="2026-12-07")
    fire(org, affected.id, "assign", "office_head", {"assignee_id": org.user("caseworker").id},
         as_of=D(2026, 12, 7))  # fmt: skip
    fire(org, affected.id, "issue_receipt", "registrar", {}, as_of=D(2026, 12, 7))
    change = mark(org)
    (moved,) = change.recomputed.moved
    (letter,) = moved.letters
    assert (letter.kind, letter.stated, letter.now) == ("receipt", "2027年1月5日", "2027年1月6日")
    with read_session(org.engine) as session:
        notes = recompute.letter_notes(session, assignee_id=org.user("caseworker").id)
        stored = json.loads(session.exec(select(CalendarRecomputeCase)).one().letters)
    assert [n.number for n in notes] == [affected.number]
    assert stored[0]["stated"] == "2027年1月5日"
    # moved back, the receipt holds again: nothing to correct
    with unit_of_work(org.engine) as session:
        unmark_day(session, CLOSURE.day, revoked_by="admin")
    with read_session(org.engine) as session:
        assert recompute.letter_notes(session, assignee_id=org.user("caseworker").id) == []


def test_a_letter_overtaken_by_a_consultation_is_not_the_calendars_doing(org):
    # Receipt issued Mon 2026-12-07 stating Jan 5; a consultation sent Tue Dec 8 (its receipt not
    # recorded: bounded 15 WD from dispatch, Dec 9–11 (3), 14–18 (8), 21–25 (13), 28, 29 (15) →
    # Dec 29) makes the projected due later than the receipt says before any calendar change:
    # the closure moves that projection, but the receipt's date was not the one it moved.
    case = register(org, arrived_on="2026-12-07")
    fire(org, case.id, "issue_receipt", "registrar", {}, as_of=D(2026, 12, 7))
    fire(org, case.id, "start_review", "caseworker", as_of=D(2026, 12, 8))
    fire(org, case.id, "accept", "caseworker", as_of=D(2026, 12, 8))
    consult = {"kind": "third_party", "party_name": "某某公司", "matters": "合同价款"}
    fire(org, case.id, "consult", "caseworker", consult, as_of=D(2026, 12, 8))
    change = mark(org)
    (moved,) = change.recomputed.moved
    assert moved.before.due != D(2027, 1, 5) and moved.letters == ()
