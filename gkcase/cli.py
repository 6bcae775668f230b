"""The ``gkcase`` command line: the same services the API uses, for admins, cron and scripts.

Bad input prints one line, ``gkcase: [code] field：reason``, and exits with status 2; nothing is
written when a command fails.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from sqlmodel import Session

    from gkcase.backup import DatabaseCheck
    from gkcase.models import Case, User
    from gkcase.services.recompute import Recomputed
    from gkcase.states.machine import State

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
@click.option("--verify", is_flag=True, help="then verify every case's audit chain")
def init(verify: bool) -> None:
    """Create the database or migrate it to the newest revision (embedded SQLite by default;
    GKCASE_DATABASE_URL for another)."""
    from gkcase.db import create_schema, get_engine
    from gkcase.settings import get_settings

    engine = get_engine()
    revision = create_schema(engine)
    url = _masked_url(get_settings().effective_database_url)
    click.echo(f"数据库已就绪：{url}（迁移版本 {revision}）")
    if verify:
        from gkcase.backup import check_database

        _report_check(check_database(engine))


def _report_check(check: DatabaseCheck) -> None:
    from gkcase.backup import BackupError

    if not check.ok:
        raise BackupError(
            f"{len(check.failures)} 件案件的审计链校验未通过：{check.failure_text()}",
            code="backup.chain_broken",
        )
    click.echo(f"审计链校验通过：{check.cases} 件案件，{check.events} 条事件")


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="overwrite PATH if it exists")
def backup(path: Path, force: bool) -> None:
    """Back up the database to PATH (SQLite: a consistent copy while gkcase runs; PostgreSQL:
    print the pg_dump command, run nothing)."""
    from gkcase import backup as service
    from gkcase.settings import get_settings

    url = get_settings().effective_database_url
    if service.sqlite_path(url) is None:
        _print_postgresql(url, path, restore=False)
        return
    result = service.backup_sqlite(url, path, force=force)
    click.echo(
        f"已备份到 {result.path}（迁移版本 {result.revision or '无'}，{result.cases} 件案件）"
    )


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="check the backup only; replace nothing")
def restore(path: Path, check: bool) -> None:
    """Replace the database with the backup PATH after checking it: a gkcase database at a
    known revision, every case's audit chain intact; the replaced database is kept beside it.
    Stop gkcase first. PostgreSQL: print the pg_restore commands, run nothing."""
    from gkcase import backup as service
    from gkcase.settings import get_settings

    url = get_settings().effective_database_url
    if service.sqlite_path(url) is None:
        _print_postgresql(url, path, restore=True)
        return
    if check:
        revision, result = service.check_backup(url, path)
        click.echo(f"备份 {path} 可以恢复（迁移版本 {revision}）")
        _report_check(result)
        return
    restored = service.restore_sqlite(url, path)
    if restored.previous:
        click.echo(f"原数据库已保留为 {restored.previous}")
    click.echo(
        f"已从 {path} 恢复（备份的迁移版本 {restored.backup_revision}，现为 {restored.revision}）"
    )
    _report_check(restored.check)


def _print_postgresql(url: str, path: Path, *, restore: bool) -> None:
    from gkcase import backup as service

    what = "恢复" if restore else "备份"
    click.echo(f"PostgreSQL 数据库由 PostgreSQL 自带工具{what}，gkcase 不代为执行。请运行：")
    for command in service.postgresql_commands(url, path, restore=restore):
        click.echo(f"  {command}")
    if service.has_password(url):
        click.echo("（命令中未写密码：请用 PGPASSWORD 环境变量或 ~/.pgpass 提供）")


def _masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _reader():
    from gkcase.db import create_schema, get_engine, read_session

    engine = get_engine()
    create_schema(engine)
    return read_session(engine)


def _report_reader():
    """A snapshot on the report database (``GKCASE_REPORT_DATABASE_URL``, else the primary)."""
    from gkcase.db import create_schema, get_engine, get_report_engine, report_session

    create_schema(get_engine())
    return report_session(get_report_engine())


def _case_count(text: str) -> int:
    count = _int(text, "--cases")
    if not 0 <= count <= 5000:
        raise ValidationError("演示案件数须在 0–5000 之间", field="--cases")
    return count


DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
MAX_WORKERS = 64


def _serve(
    host: str,
    port: int,
    workers: int = 1,
    access_log: bool = True,
    forwarded_allow_ips: str | None = None,
) -> None:
    from gkcase import server

    click.echo(
        f"已启动：办理系统 http://{host}:{port}/ ，接口文档 http://{host}:{port}/docs（Ctrl+C 退出）"
    )
    try:
        server.serve(
            host,
            port,
            workers=workers,
            access_log=access_log,
            forwarded_allow_ips=forwarded_allow_ips,
        )
    except OSError as exc:  # the address is taken or cannot be bound
        message = f"无法在 {host}:{port} 上监听：{exc.strerror or exc}"
        raise ValidationError(message, field="--port") from exc


def _port(text: str) -> int:
    port = _int(text, "--port")
    if not 1 <= port <= 65535:
        raise ValidationError("端口须在 1–65535 之间", field="--port")
    return port


@cli.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="address to listen on")
@click.option("--port", "port", default=str(DEFAULT_PORT), show_default=True, metavar="P")
@click.option(
    "--workers",
    "workers",
    default="1",
    show_default=True,
    metavar="N",
    help="worker processes, each with its own listener (docs/deployment.md)",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="log every request line (method, path, status)",
)
@click.option(
    "--forwarded-allow-ips",
    default=None,
    metavar="IPS",
    help="the reverse proxy's addresses, trusted for X-Forwarded-For (default 127.0.0.1)",
)
def serve(
    host: str, port: str, workers: str, access_log: bool, forwarded_allow_ips: str | None
) -> None:
    """Run the HTTP API (uvicorn) on the configured database."""
    from gkcase.db import create_schema, get_engine

    number = _port(port)
    count = _int(workers, "--workers")
    if not 1 <= count <= MAX_WORKERS:
        raise ValidationError(f"工作进程数须在 1–{MAX_WORKERS} 之间", field="--workers")
    create_schema(get_engine())
    _serve(host, number, count, access_log, forwarded_allow_ips)


@cli.command()
@click.option(
    "--cases", "count", default="300", show_default=True, metavar="N", help="demo cases to seed"
)
@click.option("--no-serve", is_flag=True, help="seed and print only; do not start the API")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="address for the API")
@click.option("--port", "port", default=str(DEFAULT_PORT), show_default=True, metavar="P")
def demo(count: str, no_serve: bool, host: str, port: str) -> None:
    """Set up the embedded database, seed demo data into it if it is empty, show the
    statutory clock at work, then start the API (unless --no-serve)."""
    from gkcase import demo as demo_data
    from gkcase.db import get_engine
    from gkcase.settings import get_settings

    cases = _case_count(count)
    number = _port(port)
    with _reader() as session:
        empty = demo_data.is_empty(session)
    if empty:
        demo_data.seed(get_engine(), cases=cases)
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
    with _reader() as session:
        summary = demo_data.describe(session)
        busiest = demo_data.busiest_case(session)
    click.echo("【演示数据】" + ("已生成" if empty else "数据库中已有数据，未重新生成"))
    for line in summary.lines():
        click.echo(line)
    if busiest:
        click.echo(f"试试：gkcase case list --overdue；gkcase case show {busiest}")
    click.echo(
        f"演示用户的密码均为 {demo_data.DEMO_PASSWORD}：登记员 fgw_registrar、承办人 fgw_caseworker、"
        "法制审核 fgw_legal_reviewer、负责人 fgw_office_head、督查 city_supervisor、管理员 admin"
    )
    if not no_serve:
        click.echo()
        _serve(host, number)


@cli.command("demo-data")
@click.option("--cases", "count", default="300", show_default=True, metavar="N")
@click.option("--seed", "seed", default="2026", show_default=True, metavar="S")
@click.option(
    "--force",
    is_flag=True,
    help="delete every agency, user and case first (the holiday calendar stays)",
)
def demo_data_command(count: str, seed: str, force: bool) -> None:
    """Seed the configured database with a demo city: agencies, staff and N cases."""
    from gkcase import demo as demo_data
    from gkcase.db import create_schema, get_engine

    cases = _case_count(count)
    number = _int(seed, "--seed")
    engine = get_engine()
    create_schema(engine)
    summary = demo_data.seed(engine, cases=cases, seed=number, force=force)
    click.echo(f"已生成演示数据（种子 {number}）：")
    for line in summary.lines():
        click.echo(line)


# --- cases ------------------------------------------------------------------------------------


def _find_case(session: Session, number: str) -> Case:
    from sqlmodel import select

    from gkcase.models import Case
    from gkcase.services.cases import NotFound

    case = session.exec(select(Case).where(Case.number == number.strip().upper())).first()
    if case is None:
        raise NotFound(f"没有编号为 {number} 的案件", field="NUMBER")
    return case


def _viewer(session: Session, case: Case, username: str | None) -> User | None:
    from sqlmodel import col, select

    from gkcase.models import User
    from gkcase.services.cases import NotFound

    if username:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"没有用户名为 {username} 的用户", field="--as")
        return user
    if case.assignee_id is not None:
        return session.get(User, case.assignee_id)
    caseworkers = session.exec(
        select(User)
        .where(User.agency_id == case.agency_id, col(User.roles).contains("caseworker"))
        .order_by(col(User.id))
    ).all()
    return next((u for u in caseworkers if "caseworker" in u.role_set and u.active), None)


def _beijing(moment: datetime) -> str:
    from datetime import UTC

    from gkcase.services.cases import CHINA

    if moment.tzinfo is None:  # stored without a zone: the engine writes UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _iso(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _case_lines(session: Session, case: Case, viewer: User | None, as_of: date) -> list[str]:
    from gkcase.calendar.clock import Channel
    from gkcase.models import Agency, Applicant, ApplicantType, User
    from gkcase.privacy import mask_address, mask_id_number, mask_phone
    from gkcase.services import cases as svc
    from gkcase.services import urgency
    from gkcase.states.machine import State, Trigger
    from gkcase.states.outcomes import spec
    from gkcase.states.timeline import window_label

    agency = session.get(Agency, case.agency_id)
    applicant = session.get(Applicant, case.applicant_id)
    state = State(case.state)
    lines = [
        f"案件 {case.number}（{state.label}）",
        f"机关：{agency.name}",
        f"申请人：{applicant.name}（{ApplicantType(applicant.kind).label}）",
    ]
    if applicant.contact_person:
        lines.append(f"联系人：{applicant.contact_person}")
    if applicant.id_number:
        lines.append(f"证件：{applicant.id_type} {mask_id_number(applicant.id_number)}")
    if applicant.phone:
        lines.append(f"电话：{mask_phone(applicant.phone)}")
    if applicant.address:
        lines.append(f"地址：{mask_address(applicant.address)}")
    arrival = f"{Channel(case.channel).label}，{_iso(case.arrived_on)} 到达"
    lines += [
        f"渠道：{arrival}；收到申请之日 {_iso(case.receipt_date)}",
        f"申请内容：{case.information_requested}",
    ]
    if case.form_requested or case.delivery_requested:
        lines.append(
            f"形式和获取方式：{case.form_requested or '—'}；{case.delivery_requested or '—'}"
        )
    if case.assignee_id is not None:
        lines.append(f"承办人：{session.get(User, case.assignee_id).full_name}")
    if case.outcome:
        outcome = spec(case.outcome)
        basis = "、".join(outcome.legal_basis) or "—"
        leaf = outcome.report_row
        item = "" if leaf.item is None else f"{leaf.item}.{leaf.label}"
        row = f"年报表三{leaf.group.heading}{leaf.group.label}{item}"
        lines.append(f"办理结果：{outcome.label}（{row}；依据 {basis}）")
    if case.replied_on or case.closed_on:
        lines.append(f"答复日期：{_iso(case.replied_on)}；终结日期：{_iso(case.closed_on)}")
    view = svc.clock_of(session, case, as_of)
    reply = view.reply
    lines.append(f"计时（截至 {as_of.isoformat()}）：{urgency.clock_label(state, view.status)}")
    if reply is None:
        lines.append("答复期限：收到申请之日尚未确定，期限未起算")
    else:
        due = reply.due or reply.projected_due
        words = "答复期限" if reply.due else "预计答复期限"
        flags = "（依据推算的节假日安排，可能变动）" if reply.provisional and state.is_open else ""
        now = urgency.Clock(
            state.value, urgency.clock_status(state, view.status), reply.due, reply.projected_due
        )
        if urgency.is_overdue(now, as_of):
            flags += "（已逾期）"
        if due is None and reply.remaining_workdays is not None:
            lines.append(f"答复期限：暂停中，尚余 {reply.remaining_workdays} 个工作日{flags}")
        else:
            lines.append(f"{words}：{_iso(due)}{flags}")
        if state.is_open and view.next_window_due:
            window = window_label(view.next_window)
            lines.append(f"最近的{window}：{view.next_window_due.isoformat()}")
        lines.append("期限计算：")
        lines += [f"  {text}" for text in reply.explain().splitlines()]
    lines.append("事件：")
    for event in svc.history(session, case):
        label = "登记申请" if event.trigger == "register" else Trigger(event.trigger).label
        source = State(event.from_state).label if event.from_state else "—"
        move = f"{source}→{State(event.to_state).label}"
        reason = f"  {event.reason}" if event.reason else ""
        lines.append(
            f"  {event.seq:>3}  {event.on.isoformat()}（录入于{_beijing(event.at)}）  "
            f"{event.actor_name}  {label}  {move}{reason}"
        )
    if viewer is None:
        lines.append("可执行操作：本机关没有承办人")
    else:
        lines.append(f"可执行操作（{viewer.username} {viewer.full_name}）：")
        actions = svc.permitted(session, case, viewer, as_of)
        if not actions:
            lines.append("  无")
        for trigger, blocked in actions:
            lines.append(f"  ✗ {trigger.label}：{blocked}" if blocked else f"  ✓ {trigger.label}")
    check = svc.verify(session, case.id)
    if check.ok:
        lines.append(f"事件链校验：通过（{check.events} 条事件）")
    else:
        lines.append(f"事件链校验：未通过 — {'；'.join(check.problems)}")
    return lines


@cli.group()
def case() -> None:
    """Cases (政府信息公开申请): show one, list many."""


@case.command("show")
@click.argument("number", metavar="NUMBER")
@click.option("--as", "username", metavar="USERNAME", help="whose permitted actions to list")
@click.option("--on", "on", metavar="DATE", help="as of DATE (default: today, Beijing time)")
def case_show(number: str, username: str | None, on: str | None) -> None:
    """A case's summary (personal data masked), clock, events and permitted actions."""
    from gkcase.services.cases import china_today

    as_of = _date(on, "--on") if on else china_today()
    with _reader() as session:
        found = _find_case(session, number)
        lines = _case_lines(session, found, _viewer(session, found, username), as_of)
    click.echo("\n".join(lines))


@case.command("bundle")
@click.argument("number", metavar="NUMBER")
@click.option(
    "-o", "--output", "path", required=True, metavar="PATH", type=click.Path(path_type=Path)
)
@click.option("--as", "username", metavar="USERNAME", help="generate it as this user (checked)")
@click.option("--on", "on", metavar="DATE", help="as of DATE (default: today, Beijing time)")
def case_bundle(number: str, path: Path, username: str | None, on: str | None) -> None:
    """The evidence bundle for 行政复议/行政诉讼: a ZIP of the case's whole record (personal data
    unmasked; docs/evidence-bundle.md). Without --as it is generated as the server's operator."""
    import hashlib

    from gkcase.services.bundle import build_bundle
    from gkcase.services.cases import china_today

    as_of = _date(on, "--on") if on else china_today()
    with _reader() as session:
        found = _find_case(session, number)
        viewer = _viewer(session, found, username) if username else None
        data = build_bundle(session, found.id, viewer, as_of)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(f"无法写入 {path}：{exc.strerror}", field="--output") from None
    digest = hashlib.sha256(data).hexdigest()
    click.echo(f"已生成证据材料包 {path}（{len(data)} 字节，SHA-256 {digest}）")


@case.command("list")
@click.option("--agency", "code", metavar="CODE", help="one agency's cases, by its code")
@click.option("--state", "state", metavar="STATE", help="e.g. handling, archived")
@click.option(
    "--overdue",
    is_flag=True,
    help="open cases past their reply due date, or paused past their projected due date",
)
@click.option("--on", "on", metavar="DATE", help="overdue as of DATE (default: today)")
def case_list(code: str | None, state: str | None, overdue: bool, on: str | None) -> None:
    """One line per case: number, state, receipt and due dates, outcome, applicant, request."""
    from sqlmodel import col, select

    from gkcase.models import Agency, Applicant, ApplicantType, Case
    from gkcase.services import urgency
    from gkcase.services.cases import china_today
    from gkcase.states.machine import State
    from gkcase.states.outcomes import spec

    as_of = _date(on, "--on") if on else china_today()
    statement = (
        select(Case, Applicant.name)
        .join(Applicant, col(Applicant.id) == Case.applicant_id)
        .order_by(col(Case.id))
    )
    with _reader() as session:
        if code:
            agency = session.exec(select(Agency).where(Agency.code == code.strip().upper())).first()
            if agency is None:
                raise ValidationError(f"没有代码为 {code} 的机关", field="--agency")
            statement = statement.where(Case.agency_id == agency.id)
        if state:
            wanted = _state(state)
            statement = statement.where(Case.state == wanted.value)
        if overdue:
            statement = statement.where(urgency.overdue_condition(as_of))
        rows = session.exec(statement).all()
        for row, name in rows:
            current = State(row.state)
            late = "（逾期）" if urgency.is_overdue(row, as_of) else ""
            if row.reply_due is None and row.projected_due is not None:
                due = f"预计期限 {_iso(row.projected_due)}{late}"
            else:
                due = f"期限 {_iso(row.reply_due)}{late}"
            outcome = spec(row.outcome).label if row.outcome else "—"
            who = f"{name}（{ApplicantType(row.applicant_kind).label}）"
            text = row.information_requested
            text = text if len(text) <= 24 else text[:23] + "…"
            click.echo(
                f"{row.number}  {current.label}  收到 {_iso(row.receipt_date)}  {due}  "
                f"{outcome}  {who}  {text}"
            )
    if not rows:
        click.echo("没有符合条件的案件", err=True)


def _state(text: str) -> State:
    from gkcase.states.machine import State

    value = text.strip()
    for state in State:
        if value in (state.value, state.label):
            return state
    names = "、".join(s.value for s in State)
    raise ValidationError(f"“{text}”不是案件状态；可选：{names}", field="--state")


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
        change = load_notice(session, arrangement, loaded_by=loaded_by, source=path.name)
    if change.new:
        click.echo(f"已导入 {arrangement.year} 年节假日安排：{arrangement.title}")
        _echo_recomputed(change.recomputed)
    else:
        click.echo(f"{arrangement.year} 年的该安排已在使用中，未作改动")


def _echo_recomputed(recomputed: Recomputed, shown: int = 20) -> None:
    """What a calendar change did to the open cases' due dates: how many moved, and the first
    ``shown`` of them (the rest: the admin's calendar page)."""
    click.echo(recomputed.summary_zh())
    for moved in recomputed.moved[:shown]:
        before, after = moved.before, moved.after
        if after is None:
            click.echo(f"  {moved.number}：无法重新计算：{moved.error}")
            continue
        line = f"  {moved.number}：{_day(before.due)} → {_day(after.due)}"
        if moved.letters:
            line += "；" + "、".join(f"{x.number} 载明 {x.stated}，需更正" for x in moved.letters)
        click.echo(line)
    if len(recomputed.moved) > shown:
        click.echo(f"  …… 另有 {len(recomputed.moved) - shown} 件，见管理页面“工作日历”")


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


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
        change = mark_day(session, override, marked_by=marked_by)
    click.echo(f"已标记 {override.day.isoformat()} 为{'工作日' if working else '非工作日'}：{name}")
    _echo_recomputed(change.recomputed)


@calendar.command()
@click.argument("day", metavar="DATE")
@click.option("--by", "revoked_by", default="admin", show_default=True)
def unmark(day: str, revoked_by: str) -> None:
    """Remove the mark on DATE."""
    from gkcase.services.calendar import unmark_day

    parsed = _date(day, "DATE")
    with _session() as session:
        change = unmark_day(session, parsed, revoked_by=revoked_by)
    click.echo(f"已取消 {parsed.isoformat()} 的标记")
    _echo_recomputed(change.recomputed)


# --- supervision metrics and the daily digest (docs/supervision.md) ----------------------------


def _agency_by_code(session: Session, code: str, field: str = "--agency"):
    from sqlmodel import select

    from gkcase.models import Agency

    agency = session.exec(select(Agency).where(Agency.code == code.strip().upper())).first()
    if agency is None:
        raise ValidationError(f"没有代码为 {code} 的机关", field=field)
    return agency


@cli.command()
@click.option("--as-of", "on", metavar="DATE", help="as of DATE (default: today, Beijing time)")
@click.option("--agency", "code", metavar="CODE", help="only people of this agency's subtree")
@click.option("--print", "mode", flag_value="print", default=True, help="write them to stdout")
@click.option("--send", "mode", flag_value="send", help="mail them (GKCASE_SMTP_*; for cron)")
def digest(on: str | None, code: str | None, mode: str) -> None:
    """The daily digest (每日提醒) for every caseworker and supervisor."""
    from gkcase.services import digest as service
    from gkcase.services.cases import china_today

    as_of = _date(on, "--as-of") if on else china_today()
    if mode == "send":
        service.check_configured()  # before any work: cron gets one clear line
    from gkcase.services.cases import CHINA

    anchor = _write_anchor()  # every day's run anchors the chains (docs/engine.md)
    line = service.AnchorLine(
        anchor.written_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
        len(anchor.heads),
        anchor.digest,
        anchor.path.name,
    )
    with _report_reader() as session:
        agency = _agency_by_code(session, code) if code else None
        found = service.build(session, as_of=as_of, agency=agency, anchor=line)
    if mode == "print":
        if found.digests:
            click.echo(service.as_text(found.digests), nl=False)
        for person in found.skipped:
            click.echo(f"跳过 {person.full_name}（{person.username}）：{person.reason}", err=True)
        return
    report = service.send(found)
    for person in report.failed:
        click.echo(f"未发送 {person.full_name}（{person.username}）：{person.reason}", err=True)
    for person in report.skipped:
        click.echo(f"跳过 {person.full_name}（{person.username}）：{person.reason}", err=True)
    click.echo(
        f"每日提醒：已发送 {len(report.sent)} 封，跳过 {len(report.skipped)} 人，"
        f"失败 {len(report.failed)} 人"
    )
    if report.failed:
        raise click.exceptions.Exit(1)


def _write_anchor():
    """Anchor every case's chain head in a file outside the database (gkcase/audit.py)."""
    from gkcase import audit
    from gkcase.services.cases import anchor_heads
    from gkcase.settings import get_settings

    with _reader() as session:
        heads = anchor_heads(session)
    anchor = audit.write_anchor(heads, get_settings().effective_anchor_dir)
    click.echo(
        f"审计锚点：{anchor.path}（{len(anchor.heads)} 件案件，摘要 {anchor.digest}）", err=True
    )
    return anchor


@cli.command("verify")
@click.option("--case", "number", metavar="NUMBER", help="only this case (申请编号)")
@click.option(
    "--anchor",
    "anchor_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="check against this anchor file (default: the latest in the anchor directory)",
)
@click.option("--no-files", is_flag=True, help="skip reading the letters' files (faster)")
def verify_command(number: str | None, anchor_path: Path | None, no_files: bool) -> None:
    """Verify the audit trail: every case's keyed chain, its seal, its fields rebuilt from its
    events, its letters and their files, and the latest anchor (deleted or rewritten cases)."""
    from gkcase.backup import check_database
    from gkcase.db import get_engine
    from gkcase.services import cases as svc

    engine = get_engine()
    if number:
        with _reader() as session:
            found = _find_case(session, number)
            check = svc.verify(session, found.id, files=not no_files, anchor=_anchor(anchor_path))
        if not check.ok:
            for problem in check.problems:
                click.echo(f"{number}：{problem}", err=True)
            raise click.exceptions.Exit(1)
        click.echo(f"{number}：审计记录核验通过（{check.events} 条事件）")
        return
    _report_check(check_database(engine, files=not no_files, anchor_path=anchor_path))


def _anchor(path: Path | None):
    from gkcase import audit
    from gkcase.settings import get_settings

    return (
        audit.read_anchor(path)
        if path
        else audit.latest_anchor(get_settings().effective_anchor_dir)
    )


@cli.group("supervision")
def supervision_group() -> None:
    """督查: metrics for a period, with CSV/XLSX export."""


@supervision_group.command("metrics")
@click.option("--agency", "code", required=True, metavar="CODE", help="the subtree to measure")
@click.option("--from", "first", required=True, metavar="DATE", help="first reply date")
@click.option("--to", "last", required=True, metavar="DATE", help="last reply date")
@click.option(
    "--by",
    type=click.Choice(["agency", "department", "caseworker"]),
    default="agency",
    show_default=True,
)
@click.option("--as-of", "on", metavar="DATE", help="open counts as of DATE (default: today)")
@click.option("--risk-workdays", "risk", metavar="N", help="at-risk window (default: the agency's)")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="write CSV here")
@click.option("--xlsx", "xlsx_path", type=click.Path(path_type=Path), help="write XLSX here")
def supervision_metrics(
    code: str,
    first: str,
    last: str,
    by: str,
    on: str | None,
    risk: str | None,
    csv_path: Path | None,
    xlsx_path: Path | None,
) -> None:
    """Replies, on-time and extension rates, median working days and open counts."""
    from gkcase.services import metrics as service
    from gkcase.services.cases import china_today

    if csv_path and xlsx_path:
        raise ValidationError("--csv 与 --xlsx 只能选一个", field="--csv/--xlsx")
    start, end = _date(first, "--from"), _date(last, "--to")
    as_of = _date(on, "--as-of") if on else china_today()
    risk_workdays = _int(risk, "--risk-workdays") if risk is not None else None
    with _report_reader() as session:
        agency = _agency_by_code(session, code)
        report = service.metrics(
            session, agency, start=start, end=end, as_of=as_of, by=by, risk_workdays=risk_workdays
        )
        name = agency.name
    if csv_path or xlsx_path:
        target = csv_path or xlsx_path
        data = service.metrics_csv(report) if csv_path else service.metrics_xlsx(report)
        try:
            target.write_bytes(data)
        except OSError as exc:
            field = "--csv" if csv_path else "--xlsx"
            raise ValidationError(f"无法写入 {target}：{exc.strerror}", field=field) from None
        click.echo(f"已导出 {len(report.rows)} 行到 {target}")
        return
    click.echo(
        f"{name} {start.isoformat()} 至 {end.isoformat()}（{service.GroupBy(by).label}；"
        f"未结案件截至 {as_of.isoformat()}，临近期限 {report.risk_workdays} 个工作日）"
    )
    click.echo("名称  答复  按时  按时率  延期率  用时中位数  办理中  已逾期  临近期限  计时暂停")
    for row in [*report.rows, report.total]:
        click.echo(
            f"{row.name}  {row.replies}  {row.on_time}  {_percent(row.on_time_rate)}  "
            f"{_percent(row.extension_rate)}  {_number(row.median_workdays)}  {row.open}  "
            f"{row.overdue}  {row.at_risk}  {row.paused}"
        )


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


# --- the annual report (docs/annual-report.md) ---------------------------------------------------


@cli.group("report")
def report_group() -> None:
    """Reports: the annual report's tables 三 and 四 (政府信息公开工作年度报告)."""


@report_group.command("annual")
@click.option("--agency", "code", required=True, metavar="CODE", help="the agency, by its code")
@click.option("--year", "year", required=True, metavar="YEAR", help="e.g. 2025")
@click.option("--subtree", is_flag=True, help="the agency and every agency below it")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["2021", "2019"]),
    default="2021",
    show_default=True,
    help="国办公开办函〔2021〕30号, or the 2019 trial format",
)
@click.option("--csv", "csv_path", metavar="PATH", help="write CSV (UTF-8 with BOM); - for stdout")
@click.option("--xlsx", "xlsx_path", metavar="PATH", type=click.Path(path_type=Path))
@click.option("--html", "html_path", metavar="PATH", type=click.Path(path_type=Path))
def report_annual(
    code: str,
    year: str,
    subtree: bool,
    fmt: str,
    csv_path: str | None,
    xlsx_path: Path | None,
    html_path: Path | None,
) -> None:
    """Tables 三 and 四 of an agency's annual report as published (the locked numbers once the
    year is locked), with the identity checks; or written as CSV, XLSX or HTML."""
    from sqlmodel import select

    from gkcase.models import Agency
    from gkcase.services import annual_report as service

    scope = service.Scope.SUBTREE if subtree else service.Scope.OWN
    wanted = _int(year, "--year")
    service.check_year(wanted)
    with _report_reader() as session:
        agency = session.exec(select(Agency).where(Agency.code == code.strip().upper())).first()
        if agency is None:
            raise ValidationError(f"没有代码为 {code} 的机关", field="--agency")
        report = service.report_for(session, agency, wanted, scope, service.ReportFormat(fmt))
    outputs = []
    if csv_path == "-":
        sys.stdout.buffer.write(service.to_csv(report))
        return
    if csv_path:
        outputs.append((Path(csv_path), service.to_csv(report), "--csv"))
    if xlsx_path:
        outputs.append((xlsx_path, service.to_xlsx(report), "--xlsx"))
    if html_path:
        from api.web.pages.reports import export_html

        outputs.append((html_path, export_html(report).encode(), "--html"))
    for path, data, field in outputs:
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise ValidationError(f"无法写入 {path}：{exc.strerror}", field=field) from None
        click.echo(f"已写入 {path}")
    if not outputs:
        click.echo(service.as_text(report))


def main(argv: list[str] | None = None) -> int:
    """Entry point: one line for every error a person can make, and a non-zero status."""
    try:
        # Outside standalone mode click hands back a command's Exit code instead of raising it.
        code = cli.main(args=argv, prog_name="gkcase", standalone_mode=False)
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
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
