"""Chinese rendering of dates and counts, as they appear in letters and the UI."""

from __future__ import annotations

from datetime import date

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def zh_date(d: date, *, weekday: bool = False) -> str:
    """``2026年2月10日`` — or ``2026年2月10日（星期二）`` with ``weekday=True``."""
    text = f"{d.year}年{d.month}月{d.day}日"
    return f"{text}（{WEEKDAYS[d.weekday()]}）" if weekday else text


def zh_span(first: date, last: date) -> str:
    """A run of days: ``2026年2月15日至2月23日``; one day renders as that day."""
    if first == last:
        return zh_date(first)
    if first.year == last.year:
        return f"{zh_date(first)}至{last.month}月{last.day}日"
    return f"{zh_date(first)}至{zh_date(last)}"
