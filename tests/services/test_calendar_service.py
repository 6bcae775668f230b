from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from gkcase.calendar.arrangement import DayOverride, read_arrangement
from gkcase.db import unit_of_work
from gkcase.errors import ValidationError
from gkcase.models import CalendarDayMark, CalendarNotice
from gkcase.services.calendar import current_calendar, load_notice, mark_day, unmark_day

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "arrangement-2026.toml"


def _notice_2027(**changes):
    data = {
        "year": 2027,
        "title": "国务院办公厅关于2027年部分节假日安排的通知",
        "holiday": [
            {
                "name": "春节",
                "off_from": "2027-02-05",
                "off_to": "2027-02-11",
                "workdays": ["2027-02-13"],
            },
        ],
    }
    data.update(changes)
    from gkcase.calendar.arrangement import parse_arrangement

    return parse_arrangement(data)


def test_loaded_notice_is_in_force_and_makes_its_year_official(engine):
    with unit_of_work(engine) as session:
        assert current_calendar(session).year_status(2027) == "estimated"
        assert load_notice(session, _notice_2027(), loaded_by="admin", source="2027.toml").new
    with unit_of_work(engine) as session:
        cal = current_calendar(session)
        assert cal.year_status(2027) == "official"
        assert cal.is_workday(date(2027, 2, 13))  # a Saturday made a working day
        assert not cal.is_workday(date(2027, 2, 11))
        assert cal.day_info(date(2027, 2, 8)).name == "春节"


def test_loading_the_same_notice_twice_writes_once(engine):
    arrangement = read_arrangement(EXAMPLE)
    with unit_of_work(engine) as session:
        first = load_notice(session, arrangement, loaded_by="a")
    with unit_of_work(engine) as session:
        second = load_notice(session, arrangement, loaded_by="b")
        rows = session.exec(select(CalendarNotice)).all()
    assert (first.new, second.new) == (True, False)
    assert second.row.id == first.row.id
    assert second.recomputed is None  # nothing changed, nothing recomputed
    assert len(rows) == 1


def test_a_later_notice_for_the_same_year_supersedes_and_history_is_kept(engine):
    with unit_of_work(engine) as session:
        load_notice(session, _notice_2027(), loaded_by="admin")
    corrected = _notice_2027(
        holiday=[{"name": "春节", "off_from": "2027-02-06", "off_to": "2027-02-12"}]
    )
    with unit_of_work(engine) as session:
        load_notice(session, corrected, loaded_by="admin")
    with unit_of_work(engine) as session:
        cal = current_calendar(session)
        assert len(session.exec(select(CalendarNotice)).all()) == 2
    assert cal.arrangements[2027] == corrected
    assert cal.is_workday(date(2027, 2, 5))  # only in the superseded notice
    assert not cal.is_workday(date(2027, 2, 12))
    assert not cal.is_workday(date(2027, 2, 13))  # no longer a make-up day


def test_mark_and_unmark_a_day(engine):
    closure = DayOverride(
        day=date(2026, 7, 20), working=False, name="台风停工", reason="市政府通知"
    )
    with unit_of_work(engine) as session:
        mark_day(session, closure, marked_by="admin")
    with unit_of_work(engine) as session:
        cal = current_calendar(session)
        assert not cal.is_workday(date(2026, 7, 20))
        assert cal.day_info(date(2026, 7, 20)).name == "台风停工"
    with unit_of_work(engine) as session:
        unmark_day(session, date(2026, 7, 20), revoked_by="admin")
    with unit_of_work(engine) as session:
        assert current_calendar(session).is_workday(date(2026, 7, 20))
        marks = session.exec(select(CalendarDayMark)).all()
    assert len(marks) == 1 and marks[0].revoked_by == "admin"  # revoked, not deleted


def test_remarking_a_day_replaces_the_earlier_mark(engine):
    with unit_of_work(engine) as session:
        mark_day(
            session, DayOverride(day=date(2026, 8, 1), working=True, name="更正"), marked_by="a"
        )
        mark_day(
            session, DayOverride(day=date(2026, 8, 1), working=False, name="停工"), marked_by="b"
        )
    with unit_of_work(engine) as session:
        cal = current_calendar(session)
    assert not cal.is_workday(date(2026, 8, 1))
    assert cal.day_info(date(2026, 8, 1)).name == "停工"


def test_unmarking_an_unmarked_day_is_refused(engine):
    with unit_of_work(engine) as session, pytest.raises(ValidationError) as caught:
        unmark_day(session, date(2026, 7, 21), revoked_by="admin")
    assert caught.value.code == "calendar.no_mark"


def test_a_failed_unit_of_work_writes_nothing(engine):
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        load_notice(session, _notice_2027(), loaded_by="admin")
        raise RuntimeError("boom")
    with unit_of_work(engine) as session:
        assert session.exec(select(CalendarNotice)).all() == []


def test_the_calendar_in_force_is_shared_until_the_data_changes(engine):
    with unit_of_work(engine) as session:
        first = current_calendar(session)
        assert current_calendar(session) is first
        load_notice(session, _notice_2027(), loaded_by="admin")
        changed = current_calendar(session)
    assert changed is not first
    assert changed.version != first.version
