"""The ``gkcase`` command line: the same services the API uses, for admins, cron and scripts.

Bad input prints one line, ``gkcase: [code] field：reason``, and exits with status 2; nothing is
written when a command fails.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from gkcase.calendar.arrangement import read_arrangement
from gkcase.calendar.clock import (
    ClockPause,
    Deadline,
    Deferral,
    Extension,
    PauseKind,
    ReplyClockFacts,
    reply_deadline,
)
from gkcase.calendar.workdays import WorkdayCalendar, YearStatus
from gkcase.calendar.zh import zh_date
from gkcase.errors import GkcaseError, ValidationError

EXIT_BAD_INPUT = 2


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"“{value}”不是有效日期（应为 YYYY-MM-DD）", field=field) from None


def _int(value: str, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationError(f"“{value}”不是整数", field=field) from None


def _session():
    from gkcase.db import create_schema, get_engine, unit_of_work

    engine = get_engine()
    create_schema(engine)
    return unit_of_work(engine)


def _calendar() -> WorkdayCalendar:
    from gkcase.services.calendar import current_calendar

    with _session() as session:
        return current_calendar(session)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gkcase")
def cli() -> None:
    """gkcase — 依申请公开办理系统 (government information disclosure on request)."""


@cli.command()
def init() -> None:
    """Create the database (embedded SQLite by default; GKCASE_DATABASE_URL for another)."""
    from gkcase.db import create_schema, get_engine
    from gkcase.settings import get_settings

    create_schema(get_engine())
    click.echo(f"数据库已就绪：{_masked_url(get_settings().effective_database_url)}")


def _masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@cli.command()
def demo() -> None:
    """Set up the embedded database and show the statutory clock at work."""
    from gkcase.settings import get_settings

    with _session():
        pass
    cal = _calendar()
    click.echo(f"gkcase 已就绪：{_masked_url(get_settings().effective_database_url)}")
    click.echo(f"工作日日历版本 {cal.version}；国务院节假日安排已知至 {cal.official_through} 年\n")
    examples = [
        ("春节前收到的申请", ReplyClockFacts(receipt=date(2026, 2, 10))),
        (
            "补正、征求第三方意见并延期的申请",
            ReplyClockFacts(
                receipt=date(2026, 9, 10),
                correction_requested_on=date(2026, 9, 14),
                correction_received_on=date(2026, 9, 18),
                pauses=(ClockPause(PauseKind.THIRD_PARTY, date(2026, 10, 12), date(2026, 10, 30)),),
                extensions=(Extension(20, date(2026, 11, 2)),),
            ),
        ),
        ("跨入尚未公布安排年度的申请", ReplyClockFacts(receipt=date(2026, 12, 15))),
    ]
    for title, facts in examples:
        click.echo(f"【{title}】")
        click.echo(reply_deadline(cal, facts).explain())
        click.echo()


@cli.group()
def calendar() -> None:
    """Working-day calendar (工作日) and statutory clock."""


@calendar.command("is-workday")
@click.argument("day", metavar="DATE")
def is_workday(day: str) -> None:
    """Print true if DATE is a working day, false if not."""
    click.echo("true" if _calendar().is_workday(_date(day, "DATE")) else "false")


@calendar.command("day")
@click.argument("day", metavar="DATE")
def day_info(day: str) -> None:
    """What DATE is: working or not, and why."""
    cal = _calendar()
    info = cal.day_info(_date(day, "DATE"))
    status = "（推算）" if info.estimated else ""
    name = f" {info.name}" if info.name else ""
    working = "工作日" if info.working else "非工作日"
    click.echo(f"{zh_date(info.day, weekday=True)} {working}：{info.kind.label}{name}{status}")


@calendar.command("add-workdays", context_settings={"ignore_unknown_options": True})
@click.argument("day", metavar="DATE")
@click.argument("n", metavar="N")
def add_workdays(day: str, n: str) -> None:
    """Print the N-th working day after DATE (DATE not counted)."""
    click.echo(_calendar().add_workdays(_date(day, "DATE"), _int(n, "N")).isoformat())


@calendar.command("between")
@click.argument("start", metavar="START")
@click.argument("end", metavar="END")
def between(start: str, end: str) -> None:
    """Print the number of working days in (START, END]."""
    click.echo(_calendar().workdays_between(_date(start, "START"), _date(end, "END")))


def _pause(text: str) -> ClockPause:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ValidationError(
            "应为 KIND:START[:END]，如 third_party:2026-03-02:2026-03-20", field="--pause"
        )
    try:
        kind = PauseKind(parts[0])
    except ValueError:
        kinds = "、".join(k.value for k in PauseKind)
        raise ValidationError(f"暂停类型须为 {kinds}", field="--pause") from None
    end = _date(parts[2], "--pause") if len(parts) == 3 and parts[2] else None
    return ClockPause(kind, _date(parts[1], "--pause"), end)


def _extension(text: str) -> Extension:
    workdays, _, approved = text.partition(":")
    if not approved:
        raise ValidationError("应为 N:APPROVED_ON，如 20:2026-03-05", field="--extend")
    return Extension(_int(workdays, "--extend"), _date(approved, "--extend"))


@calendar.command()
@click.argument("receipt", metavar="RECEIPT")
@click.option("--correction-requested", metavar="DATE", help="day the 补正 notice was sent")
@click.option("--correction-received", metavar="DATE", help="day the corrected application arrived")
@click.option(
    "--pause",
    "pauses",
    multiple=True,
    metavar="KIND:START[:END]",
    help="third_party, co_producer or fee; repeatable",
)
@click.option(
    "--extend",
    "extensions",
    multiple=True,
    metavar="N:APPROVED_ON",
    help="extension of N working days; repeatable, 20 in total at most",
)
@click.option("--deferral", metavar="DATE", help="Art 35 deferred reply date")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def explain(
    receipt: str,
    correction_requested: str | None,
    correction_received: str | None,
    pauses: tuple[str, ...],
    extensions: tuple[str, ...],
    deferral: str | None,
    as_json: bool,
) -> None:
    """Derive the reply due date from RECEIPT (收到申请之日), step by step."""
    received = _date(receipt, "RECEIPT")
    facts = ReplyClockFacts(
        receipt=received,
        correction_requested_on=(
            _date(correction_requested, "--correction-requested") if correction_requested else None
        ),
        correction_received_on=(
            _date(correction_received, "--correction-received") if correction_received else None
        ),
        pauses=tuple(_pause(p) for p in pauses),
        extensions=tuple(_extension(e) for e in extensions),
        deferral=Deferral(_date(deferral, "--deferral"), received) if deferral else None,
    )
    result = reply_deadline(_calendar(), facts)
    click.echo(_deadline_json(result) if as_json else result.explain())


def _deadline_json(deadline: Deadline) -> str:
    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return json.dumps(
        {
            "kind": deadline.kind.value,
            "due": iso(deadline.due),
            "provisional": deadline.provisional,
            "workdays": deadline.workdays,
            "remaining_workdays": deadline.remaining_workdays,
            "paused_since": iso(deadline.paused_since),
            "projected_due": iso(deadline.projected_due),
            "calendar_version": deadline.calendar_version,
            "steps": [
                {"kind": s.kind.value, "first": iso(s.first), "last": iso(s.last), "text": s.text}
                for s in deadline.steps
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


@calendar.command()
@click.option("--from", "first", default=None, metavar="YEAR", help="first year (default 2019)")
@click.option("--to", "last", default=None, metavar="YEAR", help="last year (default: next year)")
def status(first: str | None, last: str | None) -> None:
    """Each year: official (announced) or estimated, and where its data comes from."""
    cal = _calendar()
    first_year = _int(first, "--from") if first else 2019
    last_year = _int(last, "--to") if last else date.today().year + 1
    if not 2000 <= first_year <= last_year <= 2100:
        raise ValidationError("年份须在 2000–2100 之间，且起始年不晚于结束年", field="--from/--to")
    for year in range(first_year, last_year + 1):
        info = cal.year_info(year)
        word = "official " if info.status is YearStatus.OFFICIAL else "estimated"
        click.echo(f"{year} {word} {info.source}")
    for day, mark in cal.overrides.items():
        kind = "工作日" if mark.working else "停工"
        click.echo(f"标记 {day.isoformat()} {kind}：{mark.name}")


@calendar.command()
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--by", "loaded_by", default="admin", show_default=True, help="who is loading it")
def load(path: Path, loaded_by: str) -> None:
    """Load a year's State Council holiday arrangement from a TOML or JSON file."""
    from gkcase.services.calendar import load_notice

    arrangement = read_arrangement(path)  # validated whole before anything is written
    with _session() as session:
        _row, new = load_notice(session, arrangement, loaded_by=loaded_by, source=path.name)
    if new:
        click.echo(f"已导入 {arrangement.year} 年节假日安排：{arrangement.title}")
    else:
        click.echo(f"{arrangement.year} 年的该安排已在使用中，未作改动")


@calendar.command()
@click.argument("day", metavar="DATE")
@click.option(
    "--closed/--working",
    "closed",
    default=None,
    help="closed: not a working day (停工); working: a working day",
)
@click.option("--name", required=True, help="e.g. 台风停工")
@click.option("--reason", default="", help="why, for the record")
@click.option("--by", "marked_by", default="admin", show_default=True)
def mark(day: str, closed: bool | None, name: str, reason: str, marked_by: str) -> None:
    """Mark one day as closed or working (a local closure or a correction)."""
    from gkcase.calendar.arrangement import parse_override
    from gkcase.services.calendar import mark_day

    if closed is None:
        raise ValidationError("须指定 --closed 或 --working", field="--closed/--working")
    working = not closed
    override = parse_override(
        {"day": _date(day, "DATE"), "working": working, "name": name, "reason": reason}
    )
    with _session() as session:
        mark_day(session, override, marked_by=marked_by)
    click.echo(f"已标记 {override.day.isoformat()} 为{'工作日' if working else '非工作日'}：{name}")


@calendar.command()
@click.argument("day", metavar="DATE")
@click.option("--by", "revoked_by", default="admin", show_default=True)
def unmark(day: str, revoked_by: str) -> None:
    """Remove the mark on DATE."""
    from gkcase.services.calendar import unmark_day

    parsed = _date(day, "DATE")
    with _session() as session:
        unmark_day(session, parsed, revoked_by=revoked_by)
    click.echo(f"已取消 {parsed.isoformat()} 的标记")


def main(argv: list[str] | None = None) -> int:
    """Entry point: one line for every error a person can make, and a non-zero status."""
    try:
        cli.main(args=argv, prog_name="gkcase", standalone_mode=False)
    except GkcaseError as exc:
        click.echo(f"gkcase: [{exc.code}] {exc}", err=True)
        return EXIT_BAD_INPUT
    except click.UsageError as exc:
        hint = f"（见 {exc.ctx.command_path} --help）" if exc.ctx else ""
        click.echo(f"gkcase: [usage] {exc.format_message()}{hint}", err=True)
        return EXIT_BAD_INPUT
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("gkcase: 已取消", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
