"""Loaded holiday arrangements (notices) and marked days, and the validation of notice files."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from gkcase.calendar.arrangement import (
    MAX_HOLIDAY_RUN,
    DayOverride,
    YearArrangement,
    parse_arrangement,
    parse_override,
    read_arrangement,
)
from gkcase.calendar.workdays import DayKind, WorkdayCalendar, YearStatus
from gkcase.errors import ArrangementError

EXAMPLE_2026 = Path(__file__).resolve().parents[2] / "docs" / "examples" / "arrangement-2026.toml"


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _year(year: int):
    return _days(date(year, 1, 1), date(year, 12, 31))


# An invented 2027 notice (the real one is not out): days chosen to differ from the package's
# estimate (which has e.g. 2027-04-05 清明节 and 2027-02-09/10 春节补假 off).
INVENTED_2027 = {
    "year": 2027,
    "title": "国务院办公厅关于2027年部分节假日安排的通知（测试用）",
    "issued": "2026-11-01",
    "holiday": [
        {"name": "元旦", "off_from": "2027-01-01", "off_to": "2027-01-03"},  # Fri–Sun
        {
            "name": "春节",
            "off_from": "2027-02-06",  # Sat
            "off_to": "2027-02-14",  # Sun
            "workdays": ["2027-02-20"],  # Sat
        },
        {
            "name": "国庆节",
            "off_from": "2027-10-01",  # Fri
            "off_to": "2027-10-07",  # Thu
            "workdays": ["2027-09-26", "2027-10-09"],  # Sun, Sat
        },
    ],
}
INVENTED_OFF = {
    *_days(date(2027, 1, 1), date(2027, 1, 3)),
    *_days(date(2027, 2, 6), date(2027, 2, 14)),
    *_days(date(2027, 10, 1), date(2027, 10, 7)),
}
INVENTED_MAKEUP = {date(2027, 2, 20), date(2027, 9, 26), date(2027, 10, 9)}


def _notice(**changes) -> dict:
    data = json.loads(json.dumps(INVENTED_2027))
    data.update(changes)
    return data


def _holiday(**fields) -> dict:
    return _notice(holiday=[{"name": "端午节", "off_from": "2027-06-09", **fields}])


@pytest.fixture(scope="module")
def invented():
    return parse_arrangement(INVENTED_2027)


@pytest.fixture(scope="module")
def with_2027(invented):
    return WorkdayCalendar([invented])


# --- the 2026 example file -------------------------------------------------------------------


def test_example_2026_file_reads_as_the_2026_notice():
    notice = read_arrangement(EXAMPLE_2026)
    assert notice.year == 2026
    assert notice.issued == date(2025, 11, 4)
    assert [h.name for h in notice.holidays] == [
        "元旦",
        "春节",
        "清明节",
        "劳动节",
        "端午节",
        "中秋节",
        "国庆节",
    ]
    spring = notice.holidays[1]
    assert (spring.off_from, spring.off_to) == (date(2026, 2, 15), date(2026, 2, 23))
    assert spring.workdays == (date(2026, 2, 14), date(2026, 2, 28))
    assert len(notice.makeup_workdays()) == 6


def test_example_2026_file_gives_the_same_working_days_as_the_package(calendar):
    loaded = WorkdayCalendar([read_arrangement(EXAMPLE_2026)])
    differing = [d for d in _year(2026) if loaded.is_workday(d) != calendar.is_workday(d)]
    assert differing == []
    assert loaded.workdays_between(date(2025, 12, 31), date(2026, 12, 31)) == 248
    # loaded days carry the notice's names
    assert loaded.day_info(date(2026, 2, 20)).kind is DayKind.HOLIDAY
    assert loaded.day_info(date(2026, 2, 20)).name == "春节"
    assert loaded.day_info(date(2026, 2, 14)).name == "春节调休上班"
    assert loaded.year_info(2026).notice is not None


# --- an invented 2027 notice -----------------------------------------------------------------


def test_loaded_2027_notice_changes_exactly_the_days_it_names(with_2027):
    """Against a plain Monday–Friday baseline, the changed days are exactly the named weekday
    days off and the named make-up weekend days."""
    changed = {d for d in _year(2027) if with_2027.is_workday(d) != (d.weekday() < 5)}
    expected = {d for d in INVENTED_OFF if d.weekday() < 5} | INVENTED_MAKEUP
    assert changed == expected
    # weekday days off: Fri 1/1; 2/8–2/12; Fri 10/1 and 10/4–10/7 → 11; make-up days 3
    assert len(expected) == 14


def test_loaded_2027_notice_drops_the_package_estimates(calendar, with_2027):
    # The package estimates 清明节 on Mon 2027-04-05 and 春节（补假） on Tue–Wed 2027-02-09/10.
    assert not calendar.is_workday(date(2027, 4, 5))
    assert with_2027.is_workday(date(2027, 4, 5))
    assert with_2027.day_info(date(2027, 4, 5)).kind is DayKind.WORKDAY
    assert with_2027.day_info(date(2027, 2, 10)).kind is DayKind.HOLIDAY
    assert with_2027.day_info(date(2027, 2, 10)).name == "春节"


def test_loaded_2027_notice_kinds_and_names(with_2027):
    assert with_2027.day_info(date(2027, 2, 20)).kind is DayKind.MAKEUP_WORKDAY
    assert with_2027.day_info(date(2027, 2, 20)).name == "春节调休上班"
    assert with_2027.day_info(date(2027, 10, 4)).name == "国庆节"
    assert with_2027.day_info(date(2027, 10, 4)).estimated is False


def test_loaded_2027_notice_makes_2027_official(calendar, with_2027):
    assert calendar.year_status(2027) is YearStatus.ESTIMATED
    assert calendar.is_provisional(date(2026, 12, 10), date(2027, 1, 8))
    assert with_2027.year_status(2027) is YearStatus.OFFICIAL
    assert with_2027.year_info(2027).source.startswith("已导入")
    for day in _days(date(2026, 12, 31), date(2027, 12, 30)):
        assert not with_2027.is_provisional(day, date(2027, 12, 31)), day
    # 2028 is still the package's estimate
    assert with_2027.year_status(2028) is YearStatus.ESTIMATED
    assert with_2027.is_provisional(date(2027, 12, 31), date(2028, 1, 1))


@pytest.mark.parametrize("year", [2025, 2026, 2028])
def test_loaded_2027_notice_leaves_other_years_alone(calendar, with_2027, year):
    for day in _year(year):
        assert with_2027.day_info(day) == calendar.day_info(day), day


# --- a notice that reaches back into December of the year before (the 2019 case) -------------


def test_notice_naming_december_of_the_year_before(calendar):
    # Invented: the 2027 元旦 run starts Thu 2026-12-31, with Sun 2026-12-27 上班.
    notice = parse_arrangement(
        _notice(
            holiday=[
                {
                    "name": "元旦",
                    "off_from": "2026-12-31",
                    "off_to": "2027-01-03",
                    "workdays": ["2026-12-27"],
                }
            ]
        )
    )
    loaded = WorkdayCalendar([notice])
    assert calendar.is_workday(date(2026, 12, 31))
    assert not loaded.is_workday(date(2026, 12, 31))
    assert loaded.day_info(date(2026, 12, 31)).kind is DayKind.HOLIDAY
    assert not calendar.is_workday(date(2026, 12, 27))
    assert loaded.is_workday(date(2026, 12, 27))
    assert loaded.day_info(date(2026, 12, 27)).name == "元旦调休上班"
    # every other day of 2026 is unchanged
    named = {date(2026, 12, 27), date(2026, 12, 31)}
    for day in _year(2026):
        if day not in named:
            assert loaded.day_info(day) == calendar.day_info(day), day


def test_the_real_2019_new_year_run(calendar):
    """The 2019 notice: 2018-12-30 至 2019-01-01 放假调休，2018-12-29（周六）上班."""
    notice = parse_arrangement(
        {
            "year": 2019,
            "title": "国务院办公厅关于2019年部分节假日安排的通知",
            "holiday": [
                {
                    "name": "元旦",
                    "off_from": "2018-12-30",
                    "off_to": "2019-01-01",
                    "workdays": ["2018-12-29"],
                }
            ],
        }
    )
    loaded = WorkdayCalendar([notice])
    assert loaded.day_info(date(2018, 12, 31)).kind is DayKind.HOLIDAY
    assert loaded.day_info(date(2018, 12, 31)).name == "元旦"
    assert loaded.day_info(date(2018, 12, 29)).kind is DayKind.MAKEUP_WORKDAY
    for day in (date(2018, 12, 29), date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1)):
        assert loaded.is_workday(day) is calendar.is_workday(day), day
    # Fri 2018-12-28, Sat 12-29 (上班), then Wed 2019-01-02.
    assert loaded.add_workdays(date(2018, 12, 28), 2) == date(2019, 1, 2)


# Faithful transcription of the 2018 notice. The 2019 notice, which the
# package carries, makes Sat 2018-12-29 a working day and Mon 2018-12-31 a day off.
NOTICE_2018 = {
    "year": 2018,
    "title": "国务院办公厅关于2018年部分节假日安排的通知",
    "holiday": [
        {"name": "元旦", "off_from": "2018-01-01"},
        {
            "name": "春节",
            "off_from": "2018-02-15",
            "off_to": "2018-02-21",
            "workdays": ["2018-02-11", "2018-02-24"],
        },
        {
            "name": "清明节",
            "off_from": "2018-04-05",
            "off_to": "2018-04-07",
            "workdays": ["2018-04-08"],
        },
        {
            "name": "劳动节",
            "off_from": "2018-04-29",
            "off_to": "2018-05-01",
            "workdays": ["2018-04-28"],
        },
        {"name": "端午节", "off_from": "2018-06-18"},
        {"name": "中秋节", "off_from": "2018-09-24"},
        {
            "name": "国庆节",
            "off_from": "2018-10-01",
            "off_to": "2018-10-07",
            "workdays": ["2018-09-29", "2018-09-30"],
        },
    ],
}


def test_loading_a_faithful_2018_notice_matches_the_package_for_2018_proper(calendar):
    loaded = WorkdayCalendar([parse_arrangement(NOTICE_2018)])
    for day in _days(date(2018, 1, 1), date(2018, 12, 28)):
        assert loaded.is_workday(day) is calendar.is_workday(day), day


def test_loading_a_notice_keeps_the_next_notices_december_days(calendar):
    loaded = WorkdayCalendar([parse_arrangement(NOTICE_2018)])
    assert not loaded.is_workday(date(2018, 12, 31))  # 2019 元旦 run (2019 notice)
    assert loaded.is_workday(date(2018, 12, 29))  # 上班 (2019 notice)


# --- marked days ---------------------------------------------------------------------------


def test_closure_changes_exactly_that_day(calendar):
    closed = date(2026, 3, 11)  # Wed
    marked = WorkdayCalendar(overrides=[DayOverride(day=closed, working=False, name="台风停工")])
    info = marked.day_info(closed)
    assert (info.kind, info.name, info.working) == (DayKind.CLOSURE, "台风停工", False)
    for day in _days(date(2026, 1, 1), date(2026, 12, 31)):
        if day != closed:
            assert marked.day_info(day) == calendar.day_info(day), day
    # one working day less from Tue 3/10 onwards: the 20th moves from Wed 4/8 to Thu 4/9
    assert calendar.add_workdays(date(2026, 3, 10), 20) == date(2026, 4, 8)
    assert marked.add_workdays(date(2026, 3, 10), 20) == date(2026, 4, 9)


def test_extra_working_day_on_a_weekend_changes_exactly_that_day(calendar):
    extra = date(2026, 3, 14)  # Sat
    marked = WorkdayCalendar(overrides=[DayOverride(day=extra, working=True, name="更正")])
    info = marked.day_info(extra)
    assert (info.kind, info.name, info.working) == (DayKind.EXTRA_WORKDAY, "更正", True)
    for day in _days(date(2026, 1, 1), date(2026, 12, 31)):
        if day != extra:
            assert marked.day_info(day) == calendar.day_info(day), day
    assert marked.workdays_between(date(2026, 3, 13), date(2026, 3, 16)) == 2


def test_working_override_on_a_weekday_holiday_makes_it_a_workday(calendar):
    day = date(2026, 2, 20)  # Fri, 调休 day off
    marked = WorkdayCalendar(overrides=[DayOverride(day=day, working=True, name="更正")])
    assert not calendar.is_workday(day)
    assert marked.day_info(day).kind is DayKind.WORKDAY
    assert marked.is_workday(day)


def test_override_wins_over_a_loaded_notice(invented):
    day = date(2027, 2, 20)  # make-up Saturday in the invented notice
    marked = WorkdayCalendar(
        [invented], [DayOverride(day=day, working=False, name="停工", reason="测试")]
    )
    assert marked.day_info(day).kind is DayKind.CLOSURE
    assert not marked.is_workday(day)


def test_later_override_for_the_same_day_replaces_the_earlier():
    day = date(2026, 3, 11)
    marked = WorkdayCalendar(
        overrides=[
            DayOverride(day=day, working=False, name="停工"),
            DayOverride(day=day, working=True, name="恢复"),
        ]
    )
    assert marked.is_workday(day)
    assert marked.overrides[day].name == "恢复"


# --- replacement and version ---------------------------------------------------------------


def test_later_arrangement_for_the_same_year_replaces_the_earlier(invented):
    later = parse_arrangement(
        _notice(
            title="更正后的通知",
            holiday=[{"name": "劳动节", "off_from": "2027-05-03", "off_to": "2027-05-05"}],
        )
    )
    cal = WorkdayCalendar([invented, later])
    assert cal.arrangements == {2027: later}
    assert cal.is_workday(date(2027, 2, 10))  # the earlier notice's 春节 is gone
    assert not cal.is_workday(date(2027, 2, 20))  # and its make-up Saturday
    assert not cal.is_workday(date(2027, 5, 4))
    assert cal.day_info(date(2027, 5, 4)).name == "劳动节"
    off = [d for d in _year(2027) if d.weekday() < 5 and not cal.is_workday(d)]
    assert off == [date(2027, 5, 3), date(2027, 5, 4), date(2027, 5, 5)]
    # the other order keeps the other one
    assert WorkdayCalendar([later, invented]).arrangements == {2027: invented}


def test_version_changes_when_the_data_changes(calendar, invented):
    plain = WorkdayCalendar()
    assert plain.version == calendar.version
    assert len(plain.version) == 12
    with_notice = WorkdayCalendar([invented])
    assert with_notice.version != plain.version
    assert WorkdayCalendar([parse_arrangement(INVENTED_2027)]).version == with_notice.version
    retitled = parse_arrangement(_notice(title="另一个标题"))
    assert WorkdayCalendar([retitled]).version != with_notice.version
    closure = DayOverride(day=date(2026, 3, 11), working=False, name="停工")
    with_closure = WorkdayCalendar(overrides=[closure])
    assert with_closure.version != plain.version
    renamed = DayOverride(day=date(2026, 3, 11), working=False, name="台风停工")
    assert WorkdayCalendar(overrides=[renamed]).version != with_closure.version


def test_canonical_json_is_stable_and_sha_follows_it(invented):
    again = parse_arrangement(json.loads(invented.canonical_json()))
    assert again == invented
    assert again.sha256 == invented.sha256
    assert parse_arrangement(_notice(issued="2026-11-02")).sha256 != invented.sha256


# --- validation: one test per rule ---------------------------------------------------------


def _refused(data: dict) -> ArrangementError:
    with pytest.raises(ArrangementError) as caught:
        parse_arrangement(data)
    assert caught.value.code == "calendar.bad_arrangement"
    return caught.value


def test_valid_notice_is_accepted(invented):
    assert isinstance(invented, YearArrangement)
    assert set(invented.days_off()) == INVENTED_OFF
    assert set(invented.makeup_workdays()) == INVENTED_MAKEUP


@pytest.mark.parametrize("value", ["2027-02-30", "2027/06/09", "6月9日", "", "2027-06-09T10:00:00"])
def test_malformed_date_is_refused(value):
    error = _refused(_holiday(off_from=value))
    assert error.field == "holiday.0.off_from"
    assert "日期" in error.message


def test_malformed_makeup_date_is_refused():
    error = _refused(_holiday(workdays=["2027-06-31"]))
    assert error.field.startswith("holiday.0.workdays")


def test_unknown_field_in_a_holiday_is_refused():
    error = _refused(_holiday(days=3))
    assert (error.field, error.message) == ("holiday.0.days", "不认识的字段")


def test_unknown_top_level_field_is_refused():
    error = _refused(_notice(authority="国务院"))
    assert (error.field, error.message) == ("authority", "不认识的字段")


def test_missing_required_field_is_refused():
    data = _notice()
    del data["title"]
    error = _refused(data)
    assert (error.field, error.message) == ("title", "缺少此项")


def test_notice_without_holidays_is_refused():
    error = _refused(_notice(holiday=[]))
    assert error.field == "holiday"


def test_makeup_day_on_a_weekday_is_refused():
    error = _refused(_holiday(workdays=["2027-06-07"]))  # Mon
    assert error.field == "holiday.0"
    assert "2027-06-07" in error.message
    assert "周六或周日" in error.message


def test_day_both_off_and_makeup_in_one_holiday_is_refused():
    error = _refused(_holiday(off_to="2027-06-13", workdays=["2027-06-12"]))  # Sat in the run
    assert error.field == "holiday.0"
    assert "2027-06-12" in error.message


def test_day_off_in_one_holiday_and_makeup_in_another_is_refused():
    data = _notice()
    data["holiday"].append({"name": "补充", "off_from": "2027-02-20"})  # 春节's make-up Saturday
    error = _refused(data)
    assert "2027-02-20" in error.message
    assert "春节" in error.message and "补充" in error.message


def test_duplicate_makeup_day_is_refused():
    error = _refused(_holiday(workdays=["2027-06-12", "2027-06-12"]))
    assert error.field == "holiday.0"
    assert "重复" in error.message


def test_overlapping_holidays_are_refused():
    data = _notice()
    data["holiday"].append({"name": "元宵节", "off_from": "2027-02-14", "off_to": "2027-02-15"})
    error = _refused(data)
    # The field is the file as a whole; the message names the day and both holidays.
    assert error.field
    assert "2027-02-14" in error.message
    assert "「春节」" in error.message and "「元宵节」" in error.message


@pytest.mark.parametrize(
    "day",
    ["2026-11-30", "2028-01-01", "2025-12-31"],
    ids=["before-december-of-previous-year", "next-year", "two-years-before"],
)
def test_date_outside_the_year_is_refused(day):
    data = _notice()
    data["holiday"].append({"name": "其他", "off_from": day})
    error = _refused(data)
    assert error.field
    assert "第4项「其他」" in error.message
    assert day in error.message


def test_makeup_day_outside_the_year_is_refused():
    error = _refused(_holiday(workdays=["2028-01-01"]))  # a Saturday, but in 2028
    assert "2028-01-01" in error.message


def test_december_of_the_previous_year_is_allowed():
    notice = parse_arrangement(_holiday(off_from="2026-12-01", off_to="2026-12-01"))
    assert list(notice.days_off()) == [date(2026, 12, 1)]


def test_run_over_31_days_is_refused():
    first = date(2027, 7, 1)
    at_limit = first + timedelta(days=MAX_HOLIDAY_RUN - 1)
    assert MAX_HOLIDAY_RUN == 31
    parse_arrangement(_holiday(off_from=first.isoformat(), off_to=at_limit.isoformat()))
    error = _refused(
        _holiday(off_from=first.isoformat(), off_to=(at_limit + timedelta(days=1)).isoformat())
    )
    assert error.field == "holiday.0"
    assert "31" in error.message


def test_run_ending_before_it_starts_is_refused():
    error = _refused(_holiday(off_from="2027-06-09", off_to="2027-06-08"))
    assert error.field == "holiday.0"
    assert "早于" in error.message


@pytest.mark.parametrize("name", ["", "   "], ids=["empty", "blank"])
def test_empty_name_is_refused(name):
    error = _refused(_holiday(name=name))
    assert error.field == "holiday.0.name"
    assert "空" in error.message


@pytest.mark.parametrize("year", [1999, 2101, "二〇二七"])
def test_year_out_of_range_is_refused(year):
    error = _refused(_notice(year=year))
    assert error.field == "year"


def test_issued_after_the_year_is_refused():
    error = _refused(_notice(issued="2028-01-01"))
    assert "通知日期" in error.message


# --- validation of files -------------------------------------------------------------------


def test_toml_and_json_files_give_the_same_notice(tmp_path, invented):
    as_json = tmp_path / "notice.JSON"
    as_json.write_text(json.dumps(INVENTED_2027, ensure_ascii=False), encoding="utf-8")
    as_toml = tmp_path / "notice.toml"
    as_toml.write_text(
        'year = 2027\ntitle = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"\n'
        "issued = 2026-11-01\n"
        '[[holiday]]\nname = "元旦"\noff_from = 2027-01-01\noff_to = 2027-01-03\n'
        '[[holiday]]\nname = "春节"\noff_from = 2027-02-06\noff_to = 2027-02-14\n'
        "workdays = [2027-02-20]\n"
        '[[holiday]]\nname = "国庆节"\noff_from = 2027-10-01\noff_to = 2027-10-07\n'
        "workdays = [2027-09-26, 2027-10-09]\n",
        encoding="utf-8",
    )
    assert read_arrangement(as_json) == invented
    assert read_arrangement(as_toml) == invented
    assert read_arrangement(as_toml).sha256 == invented.sha256


def test_bad_toml_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('year = 2027\ntitle = "未闭合\n', encoding="utf-8")
    with pytest.raises(ArrangementError) as caught:
        read_arrangement(path)
    assert caught.value.field == str(path)
    assert "格式错误" in caught.value.message


def test_impossible_toml_date_is_refused(tmp_path):
    path = tmp_path / "bad-date.toml"
    path.write_text(
        'year = 2027\ntitle = "t"\n[[holiday]]\nname = "x"\noff_from = 2027-02-30\n',
        encoding="utf-8",
    )
    with pytest.raises(ArrangementError):
        read_arrangement(path)


def test_bad_json_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"year": 2027,', encoding="utf-8")
    with pytest.raises(ArrangementError) as caught:
        read_arrangement(path)
    assert caught.value.field == str(path)


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('year = 2027\ntitle = "国务院办公厅"\n'.encode("gbk"))
    with pytest.raises(ArrangementError) as caught:
        read_arrangement(path)
    assert caught.value.field == str(path)
    assert "UTF-8" in caught.value.message


@pytest.mark.parametrize("name", ["notice.txt", "notice.yaml", "notice"])
def test_wrong_suffix_is_refused(tmp_path, name):
    path = tmp_path / name
    path.write_text(json.dumps(INVENTED_2027), encoding="utf-8")
    with pytest.raises(ArrangementError) as caught:
        read_arrangement(path)
    assert caught.value.field == str(path)
    assert ".toml" in caught.value.message


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ArrangementError) as caught:
        read_arrangement(path)
    assert caught.value.field == str(path)


def test_json_top_level_must_be_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ArrangementError) as caught:
        read_arrangement(path)
    assert "顶层" in caught.value.message


def test_a_self_contradicting_file_changes_nothing(tmp_path, calendar):
    """The file is a valid 2027 notice but for one make-up day on a Monday: nothing of it (nor of
    the valid file loaded with it) may reach the calendar, which is built only after parsing."""
    data = _notice()
    data["holiday"][1]["workdays"] = ["2027-02-20", "2027-02-22"]  # Mon: invalid
    path = tmp_path / "contradicting.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def load(paths):
        notices = [read_arrangement(p) for p in paths]  # every file parsed first
        return WorkdayCalendar(notices)

    with pytest.raises(ArrangementError) as caught:
        load([EXAMPLE_2026, path])
    assert caught.value.field == "holiday.1"
    # the calendar the caller still has is the one from before
    assert calendar.year_status(2027) is YearStatus.ESTIMATED
    assert calendar.arrangements == {}
    assert calendar.version == WorkdayCalendar().version
    assert not calendar.is_workday(date(2027, 2, 20))  # a plain Saturday, not 上班


# --- marked days: validation ---------------------------------------------------------------


def test_override_outside_the_supported_years_is_refused():
    with pytest.raises(ArrangementError) as caught:
        parse_override({"day": "1999-12-31", "working": False, "name": "停工"})
    assert caught.value.field == "day"


def test_override_with_unknown_field_is_refused():
    with pytest.raises(ArrangementError) as caught:
        parse_override({"day": "2026-03-11", "working": False, "name": "停工", "until": "x"})
    assert (caught.value.field, caught.value.message) == ("until", "不认识的字段")


def test_override_without_a_name_is_refused():
    with pytest.raises(ArrangementError) as caught:
        parse_override({"day": "2026-03-11", "working": False, "name": ""})
    assert caught.value.field == "name"
