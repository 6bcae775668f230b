"""每日提醒 — the daily digest by e-mail.

Each caseworker (承办人) gets their open cases due within their agency's at-risk window
(临近期限), their overdue cases (已逾期) and the procedural lapses (程序问题) on their cases; each
supervisor (督查) gets the counts for their subtree, the overdue cases (capped, with the total)
and the lapses. Both are rendered from Jinja2 templates (``templates/digest.txt.j2`` and the
autoescaped ``digest.html.j2``) as one plain-text-and-HTML message per person, and sent over
SMTP (``GKCASE_SMTP_*``, :mod:`gkcase.settings`).

A digest names cases by number, agency, state and dates only: never the applicant, what they
asked for, or anyone's contact details. A person with no e-mail address, or nothing to be told,
is skipped and reported; one refused recipient never stops the others. The log records counts
and user names, never an address or a case's contents.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import or_
from sqlmodel import Session, col, select

from gkcase.calendar.workdays import WorkdayCalendar
from gkcase.calendar.zh import zh_date
from gkcase.errors import GkcaseError
from gkcase.models import Agency, Case, User
from gkcase.services import supervision, urgency
from gkcase.services.calendar import current_calendar
from gkcase.services.metrics import UNASSIGNED, LapseRow, lapse_rows
from gkcase.settings import Settings, get_settings
from gkcase.states.machine import Role, State

log = logging.getLogger(__name__)

#: How many overdue cases, and lapses, a supervisor's digest lists (the total is always given).
LIST_CAP = 20
#: Late correction notices (补正告知) sent in the last this many days are reported; the other
#: lapse rules are conditions that still hold on the day.
LAPSE_LOOKBACK_DAYS = 30
TEMPLATES = Path(__file__).parent / "templates"


class SmtpNotConfigured(GkcaseError):
    """The digest cannot be mailed: no mail server or sender is configured."""

    code = "digest.smtp_unconfigured"


@dataclass(frozen=True)
class CaseLine:
    """One case in a digest: number, agency, state, due date — nothing about the applicant."""

    case_id: int
    number: str
    agency: str
    state: str
    due: date
    workdays: int  # working days left (due soon) or past the due date (overdue)
    caseworker: str = ""


@dataclass(frozen=True)
class OwnCases:
    """A caseworker's part: their cases due soon, overdue, and lapses on their cases."""

    risk_workdays: int
    due_soon: list[CaseLine]
    overdue: list[CaseLine]
    lapses: list[LapseRow]

    @property
    def empty(self) -> bool:
        return not (self.due_soon or self.overdue or self.lapses)


@dataclass(frozen=True)
class Oversight:
    """A supervisor's part: the counts for their subtree, the overdue list and the lapses."""

    agency: str
    counts: supervision.Breakdown
    overdue: list[CaseLine]
    overdue_total: int
    lapses: list[LapseRow]
    lapses_total: int


@dataclass(frozen=True)
class AnchorLine:
    """The audit anchor this run wrote (gkcase/audit.py): a supervisor's mail keeps its digest
    outside the system, so a rewritten history can be shown against it later."""

    written_at: str  # Beijing time, minutes
    cases: int
    digest: str
    file: str


@dataclass
class Digest:
    """One person's digest, rendered."""

    user_id: int
    username: str
    full_name: str
    address: str
    as_of: date
    own: OwnCases | None = None
    oversight: Oversight | None = None
    anchor: AnchorLine | None = None  # for supervisors: the day's audit anchor
    subject: str = ""
    text: str = ""
    html: str = ""


@dataclass(frozen=True)
class Skipped:
    username: str
    full_name: str
    reason: str


@dataclass
class Digests:
    """Everything one run produced: the digests to send, and who was skipped and why."""

    as_of: date
    digests: list[Digest] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class SendReport:
    """What happened to each recipient."""

    sent: list[str] = field(default_factory=list)  # user names
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[Skipped] = field(default_factory=list)  # the reason is the SMTP error

    @property
    def ok(self) -> bool:
        return not self.failed


# --- building ---------------------------------------------------------------------------------


def build(
    session: Session,
    *,
    as_of: date,
    agency: Agency | None = None,
    cap: int = LIST_CAP,
    anchor: AnchorLine | None = None,
) -> Digests:
    """The digests of every active caseworker and supervisor (of ``agency``'s subtree when given),
    rendered. Users without an address (``User.email``) or with nothing to report are listed in
    ``skipped``."""
    cal = current_calendar(session)
    query = select(User, Agency).join(Agency, col(Agency.id) == User.agency_id).where(User.active)
    if agency is not None:
        query = query.where(col(Agency.path).startswith(agency.path))
    result = Digests(as_of)
    lapses_of: dict[int, list[LapseRow]] = {}
    for user, home in session.exec(query.order_by(Agency.path, User.username)).all():
        roles = user.role_set
        wanted = {Role.CASEWORKER.value, Role.SUPERVISOR.value} & roles
        if not wanted:
            continue
        address = user.email.strip()
        if not address:
            result.skipped.append(Skipped(user.username, user.full_name, "未登记电子邮箱"))
            continue
        digest = Digest(user.id, user.username, user.full_name, address, as_of)
        if Role.CASEWORKER.value in roles:
            if home.id not in lapses_of:
                lapses_of[home.id] = _lapses(session, home, as_of)
            own = _own_cases(session, cal, user, home, as_of, lapses_of[home.id])
            digest.own = None if own.empty else own
        if Role.SUPERVISOR.value in roles:
            digest.oversight = _oversight(session, cal, home, as_of, cap)
            digest.anchor = anchor
        if digest.own is None and digest.oversight is None:
            result.skipped.append(Skipped(user.username, user.full_name, "没有需要提醒的事项"))
            continue
        render(digest)
        result.digests.append(digest)
    return result


def _lapses(session: Session, agency: Agency, as_of: date) -> list[LapseRow]:
    report = supervision.lapses(
        session,
        agency,
        as_of=as_of,
        start=as_of - timedelta(days=LAPSE_LOOKBACK_DAYS),
        end=as_of,
    )
    return lapse_rows(session, report)


def _line(cal: WorkdayCalendar, as_of: date, case: Case, agency: str, who: str = "") -> CaseLine:
    due = case.reply_due or case.projected_due or as_of
    first, last = sorted((due, as_of))
    workdays = cal.workdays_between(first, last)  # left until, or past, the due date
    return CaseLine(case.id, case.number, agency, State(case.state).label, due, workdays, who)


def _own_cases(
    session: Session,
    cal: WorkdayCalendar,
    user: User,
    home: Agency,
    as_of: date,
    agency_lapses: list[LapseRow],
) -> OwnCases:
    risk = home.at_risk_workdays
    overdue = urgency.overdue_condition(as_of)
    rows = session.exec(
        select(Case, Agency, overdue.label("late"))
        .join(Agency, col(Agency.id) == Case.agency_id)
        .where(
            Case.assignee_id == user.id,
            or_(overdue, urgency.at_risk_condition(cal, as_of, risk)),
        )
        .order_by(col(Case.reply_due), col(Case.number))
    ).all()
    due_soon, late = [], []
    for case, agency, is_late in rows:
        line = _line(cal, as_of, case, agency.short_name or agency.name)
        (late if is_late else due_soon).append(line)
    late.sort(key=lambda line: (line.due, line.number))
    mine = [lapse for lapse in agency_lapses if lapse.assignee_id == user.id]
    return OwnCases(risk, due_soon, late, mine)


def _oversight(
    session: Session, cal: WorkdayCalendar, agency: Agency, as_of: date, cap: int
) -> Oversight:
    counts = supervision.breakdown(session, agency, as_of=as_of)
    in_subtree = col(Case.agency_id).in_(
        select(Agency.id).where(col(Agency.path).startswith(agency.path))
    )
    overdue = urgency.overdue_condition(as_of)
    rows = session.exec(
        select(Case, Agency, User.full_name)
        .join(Agency, col(Agency.id) == Case.agency_id)
        .join(User, col(User.id) == Case.assignee_id, isouter=True)
        .where(in_subtree, overdue)
        .order_by(col(Case.reply_due), col(Case.projected_due), col(Case.number))
        .limit(cap)
    ).all()
    lines = [
        _line(cal, as_of, case, a.short_name or a.name, who or UNASSIGNED) for case, a, who in rows
    ]
    found = _lapses(session, agency, as_of)
    name = agency.short_name or agency.name
    return Oversight(name, counts, lines, counts.total.overdue, found[:cap], len(found))


# --- rendering --------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["zh"] = zh_date
    return env


def subject_of(digest: Digest) -> str:
    day = zh_date(digest.as_of)
    if digest.oversight is not None:
        o = digest.oversight
        return (
            f"依申请公开督查日报（{day}）：{o.agency}已逾期 {o.overdue_total} 件，"
            f"程序问题 {o.lapses_total} 件"
        )
    own = digest.own
    assert own is not None  # build() never renders a digest with nothing in it
    return (
        f"依申请公开每日提醒（{day}）：已逾期 {len(own.overdue)} 件，"
        f"临近期限 {len(own.due_soon)} 件，程序问题 {len(own.lapses)} 件"
    )


def render(digest: Digest) -> Digest:
    """Fill in the digest's subject, plain text and HTML."""
    env = _environment()
    context: dict[str, Any] = {"d": digest, "cap": LIST_CAP}
    digest.subject = subject_of(digest)
    digest.text = env.get_template("digest.txt.j2").render(context)
    digest.html = env.get_template("digest.html.j2").render(context)
    return digest


def message(digest: Digest, sender: str) -> EmailMessage:
    """The e-mail: plain text with an HTML alternative."""
    mail = EmailMessage()
    mail["Subject"] = digest.subject
    mail["From"] = sender
    mail["To"] = digest.address
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(digest.text)
    mail.add_alternative(digest.html, subtype="html")
    return mail


# --- sending ----------------------------------------------------------------------------------


def check_configured(settings: Settings | None = None) -> Settings:
    """The settings, if they name a mail server and a sender; otherwise a clear error."""
    settings = settings or get_settings()
    if not settings.smtp_host.strip():
        raise SmtpNotConfigured(
            "未配置邮件服务器，无法发送每日提醒（请设置 GKCASE_SMTP_HOST）",
            field="GKCASE_SMTP_HOST",
        )
    if not settings.smtp_sender.strip():
        raise SmtpNotConfigured(
            "未配置发件人地址（请设置 GKCASE_SMTP_SENDER）", field="GKCASE_SMTP_SENDER"
        )
    return settings


def _connect(settings: Settings) -> smtplib.SMTP:
    server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    try:
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except BaseException:
        server.close()
        raise
    return server


def _reason(exc: Exception) -> str:
    """An SMTP failure in a few words, without the address it concerned."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"收件人被拒绝（SMTP {', '.join(str(c) for c in codes)}）"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"邮件服务器拒绝（SMTP {exc.smtp_code}）"
    if isinstance(exc, smtplib.SMTPException):
        return f"邮件发送失败（{type(exc).__name__}）"
    return f"无法连接邮件服务器（{type(exc).__name__}）"


def send(digests: Digests, settings: Settings | None = None) -> SendReport:
    """Mail every digest over one SMTP connection (reopened after a connection error). A failed
    recipient is recorded and the rest are still sent."""
    settings = check_configured(settings)
    report = SendReport(skipped=list(digests.skipped))
    server: smtplib.SMTP | None = None
    try:
        for digest in digests.digests:
            try:
                if server is None:
                    server = _connect(settings)
                server.send_message(message(digest, settings.smtp_sender))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                _failed(report, digest, exc)  # the connection is still good
            except (smtplib.SMTPException, OSError) as exc:
                _failed(report, digest, exc)
                server = _drop(server)
            else:
                report.sent.append(digest.username)
    finally:
        _drop(server)
    log.info(
        "digest: %d sent, %d skipped, %d failed",
        len(report.sent),
        len(report.skipped),
        len(report.failed),
    )
    return report


def _failed(report: SendReport, digest: Digest, exc: Exception) -> None:
    reason = _reason(exc)
    report.failed.append(Skipped(digest.username, digest.full_name, reason))
    log.warning("digest to user %s not sent: %s", digest.username, type(exc).__name__)


def _drop(server: smtplib.SMTP | None) -> None:
    if server is None:
        return None
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()
    return None


def as_text(digests: Iterable[Digest]) -> str:
    """Every digest as it would be mailed (plain text), for ``gkcase digest --print``."""
    blocks = []
    for digest in digests:
        head = f"收件人：{digest.full_name}（{digest.username}）\n主题：{digest.subject}\n"
        blocks.append(head + "\n" + digest.text.rstrip() + "\n")
    return ("\n" + "=" * 60 + "\n\n").join(blocks)


__all__ = [
    "LAPSE_LOOKBACK_DAYS",
    "LIST_CAP",
    "CaseLine",
    "Digest",
    "Digests",
    "Oversight",
    "OwnCases",
    "SendReport",
    "Skipped",
    "SmtpNotConfigured",
    "as_text",
    "build",
    "check_configured",
    "message",
    "render",
    "send",
    "subject_of",
]
