"""The State Council's yearly holiday arrangement (部分节假日安排), as data an admin loads.

Each autumn the General Office of the State Council publishes 《国务院办公厅关于XXXX年部分节假日安排
的通知》: for every holiday, the run of days off (放假调休) and the weekend days that become working
days (上班). An admin loads that notice from a TOML or JSON file (format in docs/calendar.md); a
loaded notice replaces the `holidays` package's data for its year, because a notice is complete for
the year it covers. Single days (a local closure, a correction) are :class:`DayOverride`.

Everything here is validated before anything is applied: a file that contradicts itself is refused
whole, with the field and the reason.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gkcase.errors import ArrangementError

#: Longest run of consecutive days off one holiday may name; longer is taken for a typo.
MAX_HOLIDAY_RUN = 31

#: Years the calendar will accept data for (the `holidays` package computes 1950–2100).
MIN_YEAR, MAX_YEAR = 2000, 2100


def _daterange(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


class HolidayArrangement(BaseModel):
    """One holiday of a notice: 「2月15日至23日放假调休，共9天。2月14日、2月28日上班。」"""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40, description="e.g. 春节, 国庆节、中秋节")
    off_from: date = Field(description="first day off (inclusive)")
    off_to: date | None = Field(
        default=None, description="last day off (inclusive); default off_from"
    )
    workdays: tuple[date, ...] = Field(
        default=(), description="weekend days that are working days (调休上班)"
    )

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("节日名称不能为空")
        return value

    @model_validator(mode="after")
    def _check_run(self) -> HolidayArrangement:
        last = self.last_day_off
        if last < self.off_from:
            raise ValueError(f"放假结束日 {last} 早于开始日 {self.off_from}")
        if (last - self.off_from).days + 1 > MAX_HOLIDAY_RUN:
            raise ValueError(f"连续放假超过 {MAX_HOLIDAY_RUN} 天，请检查日期")
        for day in self.workdays:
            if day.weekday() < 5:
                raise ValueError(f"调休上班日 {day} 不是周六或周日（工作日本来就上班）")
            if self.off_from <= day <= last:
                raise ValueError(f"{day} 既在放假期间又被列为上班日")
        if len(set(self.workdays)) != len(self.workdays):
            raise ValueError("调休上班日重复")
        return self

    @property
    def last_day_off(self) -> date:
        return self.off_to or self.off_from

    def days_off(self) -> Iterator[date]:
        return _daterange(self.off_from, self.last_day_off)


class YearArrangement(BaseModel):
    """A whole year's notice: its title, number and date, and every holiday in it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    title: str = Field(min_length=1, max_length=200, description="the notice's title")
    number: str | None = Field(
        default=None, max_length=60, description="文号, e.g. 国办发明电〔2024〕12号"
    )
    issued: date | None = Field(default=None, description="the notice's date")
    holidays: tuple[HolidayArrangement, ...] = Field(alias="holiday", min_length=1)

    @model_validator(mode="after")
    def _check_year(self) -> YearArrangement:
        # A notice names days of its own year, and may reach back into December of the year
        # before (the 2019 notice's 元旦 ran 2018-12-30 to 2019-01-01, with 2018-12-29 上班).
        first_allowed = date(self.year - 1, 12, 1)
        last_allowed = date(self.year, 12, 31)
        seen: dict[date, str] = {}
        # ArrangementError (not ValueError) passes through pydantic with the field it names.
        for index, holiday in enumerate(self.holidays):
            named = [*holiday.days_off(), *holiday.workdays]
            for day in named:
                if not first_allowed <= day <= last_allowed:
                    raise ArrangementError(
                        f"第{index + 1}项「{holiday.name}」的日期 {day} 不在 {self.year} 年的安排范围内",
                        field=f"holiday.{index}",
                    )
                if day in seen:
                    raise ArrangementError(
                        f"{day} 同时出现在「{seen[day]}」和「{holiday.name}」中",
                        field=f"holiday.{index}",
                    )
                seen[day] = holiday.name
        if self.issued is not None and self.issued > last_allowed:
            raise ArrangementError(f"通知日期 {self.issued} 晚于所安排的年度", field="issued")
        return self

    def days_off(self) -> dict[date, str]:
        """Every day off the notice names, with its holiday's name."""
        return {day: h.name for h in self.holidays for day in h.days_off()}

    def makeup_workdays(self) -> dict[date, str]:
        """Every weekend day the notice makes a working day, with its holiday's name."""
        return {day: h.name for h in self.holidays for day in h.workdays}

    def canonical_json(self) -> str:
        """A stable serialisation: the same notice always gives the same bytes and hash."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


class DayOverride(BaseModel):
    """One day marked by an admin: a local closure (停工) or a correction of the published data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: date
    working: bool
    name: str = Field(min_length=1, max_length=60, description="e.g. 台风停工, 更正")
    reason: str = Field(default="", max_length=500)

    @field_validator("day")
    @classmethod
    def _in_range(cls, value: date) -> date:
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"日期须在 {MIN_YEAR}–{MAX_YEAR} 年之间")
        return value


def _first_error(exc: pydantic.ValidationError) -> ArrangementError:
    """Turn pydantic's report into one line that names the field and the reason."""
    err = exc.errors()[0]
    location = ".".join(str(part) for part in err["loc"]) or "文件"
    message = err["msg"].removeprefix("Value error, ")
    translations = {
        "missing": "缺少此项",
        "extra_forbidden": "不认识的字段",
        "date_from_datetime_parsing": "不是有效日期（应为 YYYY-MM-DD）",
        "date_parsing": "不是有效日期（应为 YYYY-MM-DD）",
        "date_type": "不是有效日期（应为 YYYY-MM-DD）",
        "date_from_datetime_inexact": "应为日期，不含时间",
        "too_short": "不能为空",
        "string_too_short": "不能为空",
        "greater_than_equal": f"超出范围（{MIN_YEAR}–{MAX_YEAR}）",
        "less_than_equal": f"超出范围（{MIN_YEAR}–{MAX_YEAR}）",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "string_type": "应为文字",
        "string_too_long": "过长",
        "bool_parsing": "应为 true 或 false",
        "bool_type": "应为 true 或 false",
    }
    message = translations.get(err["type"], message)
    return ArrangementError(message, field=location)


def parse_arrangement(data: dict[str, Any]) -> YearArrangement:
    """Validate an already-decoded arrangement (TOML or JSON) and return it."""
    try:
        return YearArrangement.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _first_error(exc) from None


def read_arrangement(path: str | Path) -> YearArrangement:
    """Read an arrangement file; ``.toml`` or ``.json`` by its suffix."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArrangementError(f"无法读取文件：{exc.strerror}", field=str(path)) from None
    suffix = path.suffix.lower()
    try:
        text = raw.decode("utf-8")
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ArrangementError("文件须为 .toml 或 .json", field=str(path))
    except UnicodeDecodeError:
        raise ArrangementError("文件须为 UTF-8 编码", field=str(path)) from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ArrangementError(f"格式错误：{exc}", field=str(path)) from None
    if not isinstance(data, dict):
        raise ArrangementError("顶层须为对象", field=str(path))
    return parse_arrangement(data)


def parse_override(data: dict[str, Any]) -> DayOverride:
    try:
        return DayOverride.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _first_error(exc) from None
