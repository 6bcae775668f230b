"""The working-day calendar of mainland China's state organs (工作日).

A day is a working day when it is Monday to Friday and not a holiday or 调休 day off, or when it is
a weekend day the State Council's yearly notice makes a working day (调休上班). State organs rest on
Saturday and Sunday (《国务院关于职工工作时间的规定》 Art 7).

Three layers decide each day, the later winning:

1. the `holidays` package's China calendar (statutory holidays, 调休, ``weekend_workdays``) —
   official for the years whose notice it carries, an estimate beyond;
2. notices an admin has loaded (:class:`~gkcase.calendar.arrangement.YearArrangement`), each
   replacing the package's data for its whole year;
3. single days an admin has marked (:class:`~gkcase.calendar.arrangement.DayOverride`).

The calendar precomputes, over a span of years, each day's kind, a running count of working days
and the ordered list of working days, so every question is answered by index arithmetic in O(1)
rather than by walking day by day. The span grows on demand up to the package's last year.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays

from gkcase.calendar.arrangement import MAX_YEAR, MIN_YEAR, DayOverride, YearArrangement
from gkcase.errors import CalendarRangeError, ValidationError

#: The largest |n| add_workdays accepts: about forty years of working days.
MAX_WORKDAY_STEP = 10_000


class DayKind(StrEnum):
    """What a day is, and why it is or is not a working day."""

    WORKDAY = "workday"  # 工作日
    WEEKEND = "weekend"  # 周末
    HOLIDAY = "holiday"  # 节假日（放假）
    SWAP_DAY_OFF = "swap_day_off"  # 调休休息日
    MAKEUP_WORKDAY = "makeup_workday"  # 调休上班日
    CLOSURE = "closure"  # 本地停工（管理员标记）
    EXTRA_WORKDAY = "extra_workday"  # 管理员标记为工作日

    @property
    def working(self) -> bool:
        return self in _WORKING_KINDS

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_WORKING_KINDS = frozenset({DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY, DayKind.EXTRA_WORKDAY})
_KIND_LABELS = {
    DayKind.WORKDAY: "工作日",
    DayKind.WEEKEND: "周末",
    DayKind.HOLIDAY: "节假日",
    DayKind.SWAP_DAY_OFF: "调休",
    DayKind.MAKEUP_WORKDAY: "调休上班",
    DayKind.CLOSURE: "停工",
    DayKind.EXTRA_WORKDAY: "加班工作日",
}
_KIND_CODES = {kind: code for code, kind in enumerate(DayKind)}
_CODE_KINDS = tuple(DayKind)


class YearStatus(StrEnum):
    OFFICIAL = "official"  # the State Council's notice is known (from the package or loaded)
    ESTIMATED = "estimated"  # the package's guess for a year whose notice is not yet out


@dataclass(frozen=True, slots=True)
class YearInfo:
    year: int
    status: YearStatus
    source: str
    notice: YearArrangement | None = None


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    kind: DayKind
    name: str | None
    estimated: bool

    @property
    def working(self) -> bool:
        return self.kind.working


# --- the `holidays` package layer -----------------------------------------------------------


def package_version() -> str:
    return holidays.__version__


@cache
def package_official_through() -> int:
    """The last year whose State Council notice the installed `holidays` package carries.

    The package keeps each notice's 调休 swaps in ``ChinaStaticHolidays``; its latest year is the
    latest notice. Years after it are the package's estimates.
    """
    try:
        from holidays.countries.china import ChinaStaticHolidays

        return max(ChinaStaticHolidays.special_public_holidays)
    except (ImportError, AttributeError, ValueError):  # pragma: no cover - older/newer package
        workdays = holidays.country_holidays("CN", years=range(2019, 2041)).weekend_workdays
        return max(day.year for day in workdays)


@cache
def _package_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """The package's days off (with their Chinese names) and weekend working days for a year."""
    cn = holidays.country_holidays("CN", years=year, language="zh_CN")
    return dict(cn.items()), frozenset(cn.weekend_workdays)


def _package_kind(name: str) -> DayKind:
    return DayKind.SWAP_DAY_OFF if "调休" in name else DayKind.HOLIDAY


# --- the precomputed table ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    first_year: int
    last_year: int
    origin: int  # ordinal of 1 January of first_year
    kinds: bytes  # one DayKind code per day
    names: dict[int, str]  # ordinal -> name, for named days
    cum: array  # cum[i] = working days among the first i days of the span
    workdays: array  # ordinals of the working days, ascending

    @property
    def end(self) -> int:
        return self.origin + len(self.kinds)  # one past the last day


class WorkdayCalendar:
    """Working days for mainland China's state organs, with loaded notices and marked days."""

    def __init__(
        self,
        arrangements: Iterable[YearArrangement] = (),
        overrides: Iterable[DayOverride] = (),
        *,
        first_year: int = MIN_YEAR,
        last_year: int | None = None,
    ) -> None:
        # A later arrangement for the same year replaces an earlier one.
        by_year: dict[int, YearArrangement] = {}
        for arrangement in arrangements:
            by_year[arrangement.year] = arrangement
        self._arrangements = dict(sorted(by_year.items()))
        by_day: dict[date, DayOverride] = {}
        for override in overrides:
            by_day[override.day] = override
        self._overrides = dict(sorted(by_day.items()))
        self._official_through = package_official_through()
        default_last = max(
            date.today().year + 3, self._official_through + 3, *self._arrangements, MIN_YEAR
        )
        self._lock = threading.Lock()
        self._table = self._build(first_year, min(last_year or default_last, MAX_YEAR))
        self.version = self._version()

    # -- building ------------------------------------------------------------------------

    def _build(self, first_year: int, last_year: int) -> _Table:
        if not MIN_YEAR <= first_year <= last_year <= MAX_YEAR:
            raise CalendarRangeError(f"日历只支持 {MIN_YEAR}–{MAX_YEAR} 年", field="year")
        origin = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal() + 1
        kinds = bytearray(
            _KIND_CODES[DayKind.WEEKEND if date.fromordinal(o).weekday() >= 5 else DayKind.WORKDAY]
            for o in range(origin, end)
        )
        names: dict[int, str] = {}

        def put(day: date, kind: DayKind, name: str | None) -> None:
            ordinal = day.toordinal()
            if origin <= ordinal < end:
                kinds[ordinal - origin] = _KIND_CODES[kind]
                if name is None:
                    names.pop(ordinal, None)
                else:
                    names[ordinal] = name

        for year in range(first_year, last_year + 1):
            days_off, weekend_workdays = _package_year(year)
            # A loaded notice replaces the package for its year, but for December (see below).
            loaded = year in self._arrangements
            for day, name in days_off.items():
                if not loaded or day.month == 12:
                    put(day, _package_kind(name), name)
            # As in the package's is_working_day: a weekend day works only as a make-up day.
            for day in weekend_workdays:
                if day.weekday() >= 5 and (not loaded or day.month == 12):
                    put(day, DayKind.MAKEUP_WORKDAY, "调休上班")

        for year, arrangement in self._arrangements.items():
            if year < first_year or year > last_year:
                continue
            # A notice governs January to November of its year. December is arranged by the next
            # year's notice (its 元旦 may begin, or swap a working day, in late December), so
            # December keeps what the layer below says unless this notice names the day.
            for day in _days_of_year(year):
                if day.month < 12:
                    put(day, DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY, None)
            for day, name in arrangement.days_off().items():
                put(day, DayKind.HOLIDAY, name)
            for day, name in arrangement.makeup_workdays().items():
                put(day, DayKind.MAKEUP_WORKDAY, f"{name}调休上班")

        for override in self._overrides.values():
            day = override.day
            if override.working:
                is_weekday = day.weekday() < 5
                put(day, DayKind.WORKDAY if is_weekday else DayKind.EXTRA_WORKDAY, override.name)
            else:
                put(day, DayKind.CLOSURE, override.name)

        working_codes = {_KIND_CODES[k] for k in _WORKING_KINDS}
        cum = array("l", [0]) * (len(kinds) + 1)
        workdays = array("l")
        count = 0
        for i, code in enumerate(kinds):
            if code in working_codes:
                count += 1
                workdays.append(origin + i)
            cum[i + 1] = count
        return _Table(first_year, last_year, origin, bytes(kinds), names, cum, workdays)

    def _version(self) -> str:
        digest = hashlib.sha256(f"holidays={package_version()}".encode())
        for arrangement in self._arrangements.values():
            digest.update(arrangement.sha256.encode())
        for override in self._overrides.values():
            digest.update(override.model_dump_json().encode())
        return digest.hexdigest()[:12]

    def _table_for(self, *ordinals: int) -> _Table:
        """The table, grown first if any of ``ordinals`` lies outside it."""
        table = self._table
        low, high = min(ordinals), max(ordinals)
        if table.origin <= low and high < table.end:
            return table
        low_year, high_year = date.fromordinal(low).year, date.fromordinal(high).year
        if low_year < MIN_YEAR or high_year > MAX_YEAR:
            raise CalendarRangeError(
                f"日期超出日历支持范围（{MIN_YEAR}–{MAX_YEAR} 年）", field="date"
            )
        with self._lock:
            table = self._table
            if not (table.origin <= low and high < table.end):
                first = min(table.first_year, low_year)
                last = min(max(table.last_year, high_year + 2), MAX_YEAR)
                table = self._table = self._build(first, last)
        return table

    # -- questions about days -----------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day (工作日) for state organs."""
        ordinal = _ordinal(day)
        table = self._table_for(ordinal)
        return _CODE_KINDS[table.kinds[ordinal - table.origin]].working

    def day_info(self, day: date) -> DayInfo:
        ordinal = _ordinal(day)
        table = self._table_for(ordinal)
        kind = _CODE_KINDS[table.kinds[ordinal - table.origin]]
        name = table.names.get(ordinal)
        return DayInfo(day, kind, name, self.year_status(day.year) is YearStatus.ESTIMATED)

    def days(self, after: date, through: date) -> Iterator[DayInfo]:
        """Every day in (after, through], in order."""
        for offset in range(1, (through - after).days + 1):
            yield self.day_info(after + timedelta(days=offset))

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after ``day``, ``day`` itself not counted.

        ``n = 0`` gives ``day`` itself, working day or not (zero working days have passed).
        Negative ``n`` counts back: ``add_workdays(d, -3)`` is the third working day before ``d``,
        ``d`` not counted. For a working day ``d``, ``add_workdays(add_workdays(d, n), -n) == d``.
        """
        if n.__class__ is not int:
            raise ValidationError("工作日数须为整数", field="n")
        if n == 0:
            return day
        # n working days lie within n * 7 / 5 + 40 calendar days (no run of days off nears 40).
        if n > 0:
            if n > MAX_WORKDAY_STEP:
                raise ValidationError(f"工作日数须在 ±{MAX_WORKDAY_STEP} 之内", field="n")
            reach = n * 7 // 5 + 40
        else:
            if n < -MAX_WORKDAY_STEP:
                raise ValidationError(f"工作日数须在 ±{MAX_WORKDAY_STEP} 之内", field="n")
            reach = -(-n * 7 // 5 + 40)
        ordinal = _ordinal(day)
        table = self._table
        far = ordinal + reach
        if not (table.origin <= ordinal < table.end and table.origin <= far < table.end):
            table = self._table_for(ordinal)  # the day itself must be in range: field "date"
            try:
                table = self._table_for(ordinal, far)
            except CalendarRangeError:
                raise CalendarRangeError(
                    f"结果超出日历支持范围（{MIN_YEAR}–{MAX_YEAR} 年）", field="n"
                ) from None
        i = ordinal - table.origin
        # Forward: the working days up to and including `day`, then n more.
        # Back: the working days strictly before `day`, then back |n| - 1.
        index = table.cum[i + 1] + n - 1 if n > 0 else table.cum[i] + n
        if not 0 <= index < len(table.workdays):  # pragma: no cover - the growth above prevents it
            raise CalendarRangeError(f"结果超出日历支持范围（{MIN_YEAR}–{MAX_YEAR} 年）", field="n")
        return date.fromordinal(table.workdays[index])

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        a, b = _ordinal(start), _ordinal(end)
        table = self._table_for(a, b)
        return table.cum[b - table.origin + 1] - table.cum[a - table.origin + 1]

    def next_workday(self, day: date) -> date:
        """The first working day after ``day`` — day one of a period counted from ``day``."""
        return self.add_workdays(day, 1)

    # -- years ----------------------------------------------------------------------------

    @property
    def official_through(self) -> int:
        """The last year whose notice the `holidays` package carries."""
        return self._official_through

    @property
    def arrangements(self) -> dict[int, YearArrangement]:
        return dict(self._arrangements)

    @property
    def overrides(self) -> dict[date, DayOverride]:
        return dict(self._overrides)

    def year_status(self, year: int) -> YearStatus:
        if year in self._arrangements or year <= self._official_through:
            return YearStatus.OFFICIAL
        return YearStatus.ESTIMATED

    def year_info(self, year: int) -> YearInfo:
        if year in self._arrangements:
            notice = self._arrangements[year]
            source = notice.title + (f"（{notice.number}）" if notice.number else "")
            return YearInfo(year, YearStatus.OFFICIAL, f"已导入：{source}", notice)
        status = self.year_status(year)
        package = f"holidays {package_version()}"
        if status is YearStatus.OFFICIAL:
            return YearInfo(year, status, f"{package}（国务院办公厅通知）")
        return YearInfo(year, status, f"{package}（推算，通知尚未发布）")

    def is_provisional(self, after: date, through: date) -> bool:
        """Whether a count over (after, through] depends on a year that is still an estimate."""
        low, high = sorted((after, through))
        first = (low + timedelta(days=1)).year
        return any(
            self.year_status(year) is YearStatus.ESTIMATED for year in range(first, high.year + 1)
        )


def _days_of_year(year: int) -> Iterator[date]:
    day, last = date(year, 1, 1), date(year, 12, 31)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _ordinal(day: date) -> int:
    try:
        return day.toordinal()
    except AttributeError:
        raise ValidationError("须为日期", field="date") from None
