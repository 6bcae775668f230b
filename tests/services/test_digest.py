"""每日提醒: who gets what, rendered in Chinese as text and HTML without applicants' data, mailed
through a real SMTP server (aiosmtpd on a free loopback port); a refused recipient does not stop
the rest; no mail server configured is a clear error — in the service and in the CLI.

As of Mon Apr 20, 2026 (清明 Apr 4–6 off; the at-risk window is FGW's default 3 working days).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import col, select

from gkcase.cli import main
from gkcase.db import unit_of_work
from gkcase.models import Agency, Case, User
from gkcase.services import digest as dg
from gkcase.services.org import create_user
from gkcase.settings import Settings
from gkcase.states.machine import Role
from tests.services.conftest import cli_database
from tests.services.test_metrics import fire, received, signed

D = date
AS_OF = D(2026, 4, 20)
ADDRESSES = {
    "caseworker": "chengban@fgw.example.test",
    "zjw_caseworker": "zhujian@zjw.example.test",
    "supervisor": "ducha@city.example.test",
    "idle_worker": "idle@fgw.example.test",
}
PERSONAL = ("王小明", "13800138000", "环境影响评价")  # the applicant, the phone, the request


@dataclass
class World:
    org: object
    numbers: dict


def build_world(org):
    """承办人甲 (FGW): one overdue case, one due tomorrow, one calm, one signed reply not
    delivered (a lapse). 住建承办人 (ZJW): one overdue case. An FGW caseworker with nothing to do,
    and a caseworker with no e-mail address (with an overdue case)."""
    with unit_of_work(org.engine) as session:
        fgw = session.get(Agency, org.fgw.id)
        create_user(
            session,
            username="idle_worker",
            full_name="空闲承办人",
            agency=fgw,
            roles=[Role.CASEWORKER],
        )
        silent = create_user(
            session,
            username="no_mail",
            full_name="无邮箱承办人",
            agency=fgw,
            roles=[Role.CASEWORKER],
        )
        session.expunge(silent)
    org.users["no_mail"] = silent
    worker, zjw_worker = org.user("caseworker"), org.user("other_caseworker")
    cases = {}
    # Received Mon Mar 2: due Mon Mar 30 — overdue by 14 working days on Apr 20.
    cases["overdue"] = received(org, org.fgw, D(2026, 3, 2), worker=worker)
    # Received Mon Mar 23: due Tue Apr 21 — 1 working day left.
    cases["due_soon"] = received(org, org.fgw, D(2026, 3, 23), worker=worker)
    cases["calm"] = received(org, org.fgw, D(2026, 4, 15), worker=worker)
    # Signed Wed Apr 1, not delivered: 12 working days by Apr 20 (> 5) — a lapse.
    cases["undelivered"] = signed(org, org.fgw, D(2026, 3, 31), D(2026, 4, 1), worker=worker)
    cases["zjw_overdue"] = received(
        org, org.zjw, D(2026, 3, 2), worker=zjw_worker, registrar=zjw_worker
    )
    cases["no_mail"] = received(org, org.fgw, D(2026, 3, 3), worker=silent)
    for key in ("overdue", "due_soon", "calm", "no_mail"):
        who = silent if key == "no_mail" else worker
        fire(org, cases[key], "accept", who, on=D(2026, 4, 16))
    fire(org, cases["zjw_overdue"], "accept", zjw_worker, on=D(2026, 3, 3))
    with unit_of_work(org.engine) as session:
        numbers = {k: session.get(Case, v).number for k, v in cases.items()}
        for user in session.exec(select(User).where(col(User.username).in_(ADDRESSES))):
            user.email = ADDRESSES[user.username]
            session.add(user)
    return World(org, numbers)


@pytest.fixture
def world(org):
    return build_world(org)


def build(org, **kwargs):
    with unit_of_work(org.engine) as session:
        return dg.build(session, as_of=AS_OF, **kwargs)


def by_user(found):
    return {d.username: d for d in found.digests}


def test_each_caseworker_gets_their_own_cases(world):
    found = build(world.org)
    digests = by_user(found)
    assert set(digests) == {"caseworker", "zjw_caseworker", "supervisor"}
    mine = digests["caseworker"]
    n = world.numbers
    assert [line.number for line in mine.own.overdue] == [n["overdue"]]
    assert mine.own.overdue[0].workdays == 14  # Mar 31–Apr 3, 7–10, 13–17, 20
    assert [(line.number, line.workdays) for line in mine.own.due_soon] == [(n["due_soon"], 1)]
    assert [lapse.number for lapse in mine.own.lapses] == [n["undelivered"]]
    assert mine.oversight is None
    text = mine.text
    assert (
        f"{n['overdue']}（某市发展和改革委员会，办理中）答复期限 2026-03-30，已超过 14 个工作日"
        in text
    )
    assert f"{n['due_soon']}" in text and "尚余 1 个工作日" in text
    assert f"{n['undelivered']}：答复已签发未送达，应办日期 2026-04-09" in text
    for other in (n["calm"], n["zjw_overdue"], n["no_mail"]):
        assert other not in text
    assert mine.subject == (
        "依申请公开每日提醒（2026年4月20日）：已逾期 1 件，临近期限 1 件，程序问题 1 件"
    )
    zjw = digests["zjw_caseworker"]
    assert [line.number for line in zjw.own.overdue] == [n["zjw_overdue"]]
    assert zjw.own.due_soon == [] and zjw.own.lapses == []
    assert n["overdue"] not in zjw.text


def test_the_supervisor_gets_the_subtree(world):
    n = world.numbers
    boss = by_user(build(world.org))["supervisor"]
    assert boss.own is None
    o = boss.oversight
    assert (o.counts.total.open, o.counts.total.overdue) == (5, 3)
    assert o.overdue_total == 3
    assert {line.number for line in o.overdue} == {n["overdue"], n["zjw_overdue"], n["no_mail"]}
    assert [lapse.number for lapse in o.lapses] == [n["undelivered"]] and o.lapses_total == 1
    assert "某市发展和改革委员会：办理中 4，已逾期 2，临近期限 1，计时暂停 0" in boss.text
    assert "逾期案件（共 3 件）" in boss.text
    assert boss.subject.startswith("依申请公开督查日报（2026年4月20日）：某市人民政府已逾期 3 件")
    capped = by_user(build(world.org, cap=1))["supervisor"]
    assert len(capped.oversight.overdue) == 1 and capped.oversight.overdue_total == 3
    assert "逾期案件（共 3 件，列出前 1 件）" in capped.text


def test_the_supervisor_keeps_the_days_audit_anchor_and_the_caseworker_does_not(world):
    line = dg.AnchorLine("2026-04-20 07:00", 12, "ab" * 32, "anchor-20260419T230000000000Z.json.gz")
    found = by_user(build(world.org, anchor=line))
    boss = found["supervisor"]
    expected = f"2026-04-20 07:00 记录了 12 件案件的办理记录链尾，摘要 {'ab' * 32}"
    assert expected in boss.text
    assert f"记录了 12 件案件的办理记录链尾，摘要 <code>{'ab' * 32}</code>" in boss.html
    assert "审计锚点" not in found["caseworker"].text


def test_skipped_people_are_reported(world):
    found = build(world.org)
    skipped = {s.username: s.reason for s in found.skipped}
    assert skipped["no_mail"] == "未登记电子邮箱"
    assert skipped["idle_worker"] == "没有需要提醒的事项"
    assert "registrar" not in skipped  # only caseworkers and supervisors get a digest
    with unit_of_work(world.org.engine) as session:
        fgw = session.get(Agency, world.org.fgw.id)
        only_fgw = dg.build(session, as_of=AS_OF, agency=fgw)
    assert set(by_user(only_fgw)) == {"caseworker"}  # the city's supervisor is above FGW


def test_html_is_escaped_and_nothing_personal_is_in_any_digest(world):
    found = build(world.org)
    for digest in found.digests:
        for body in (digest.text, digest.html, digest.subject):
            for personal in PERSONAL:
                assert personal not in body, (digest.username, personal)
    html = by_user(found)["caseworker"].html
    assert html.startswith("<!DOCTYPE html>") and 'class="overdue"' in html
    rendered = dg.render(
        dg.Digest(1, "x", "<b>张</b>", "x@example.test", AS_OF, own=dg.OwnCases(3, [], [], []))
    )
    assert "&lt;b&gt;张&lt;/b&gt;" in rendered.html and "<b>张</b>" in rendered.text


# --- SMTP -------------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message and refuses the addresses it is told to."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    """A local SMTP server; yields (handler, settings that point at it)."""

    def start(refuse=()):
        handler = Inbox(refuse)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_sender="gkcase@city.example.test"
        )
        return handler, settings

    started = []
    yield start
    for controller in started:
        controller.stop()


def _body(mail, subtype):
    return mail.get_body(preferencelist=(subtype,)).get_content()


def test_digests_are_mailed_as_text_and_html(world, smtp):
    inbox, settings = smtp()
    found = build(world.org)
    report = dg.send(found, settings)
    assert sorted(report.sent) == ["caseworker", "supervisor", "zjw_caseworker"]
    assert report.failed == [] and report.ok
    assert {s.username for s in report.skipped} == {"no_mail", "idle_worker"}
    got = {rcpt[0]: (sender, mail) for sender, rcpt, mail in inbox.messages}
    assert set(got) == {
        ADDRESSES["caseworker"],
        ADDRESSES["zjw_caseworker"],
        ADDRESSES["supervisor"],
    }
    sender, mail = got[ADDRESSES["caseworker"]]
    assert sender == "gkcase@city.example.test"
    assert mail["Subject"] == by_user(found)["caseworker"].subject
    assert mail["To"] == ADDRESSES["caseworker"]
    text, html = _body(mail, "plain"), _body(mail, "html")
    n = world.numbers
    for number in (n["overdue"], n["due_soon"], n["undelivered"]):
        assert number in text and number in html
    assert n["zjw_overdue"] not in text
    _, boss = got[ADDRESSES["supervisor"]]
    assert n["zjw_overdue"] in _body(boss, "plain")
    for _, _, message in inbox.messages:
        raw = message.as_string() + _body(message, "plain") + _body(message, "html")
        for personal in PERSONAL:
            assert personal not in raw


def test_a_refused_recipient_does_not_stop_the_others(world, smtp):
    inbox, settings = smtp(refuse={ADDRESSES["caseworker"]})
    report = dg.send(build(world.org), settings)
    assert sorted(report.sent) == ["supervisor", "zjw_caseworker"]
    assert [(f.username, f.reason) for f in report.failed] == [
        ("caseworker", "收件人被拒绝（SMTP 550）")
    ]
    assert not report.ok
    delivered = sorted(rcpt[0] for _, rcpt, _ in inbox.messages)
    assert delivered == sorted([ADDRESSES["supervisor"], ADDRESSES["zjw_caseworker"]])


def test_an_unreachable_server_fails_every_recipient_and_says_so(world):
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_sender="a@b.test")
    report = dg.send(build(world.org), settings)
    assert report.sent == [] and len(report.failed) == 3
    assert all(f.reason.startswith("无法连接邮件服务器") for f in report.failed)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (Settings(smtp_host="", smtp_sender="a@b.test"), "GKCASE_SMTP_HOST"),
        (Settings(smtp_host="mail.example.test", smtp_sender=""), "GKCASE_SMTP_SENDER"),
    ],
)
def test_unconfigured_smtp_is_a_clear_error(settings, field):
    with pytest.raises(dg.SmtpNotConfigured) as caught:
        dg.send(dg.Digests(AS_OF), settings)
    assert caught.value.field == field
    assert caught.value.code == "digest.smtp_unconfigured"


def test_smtp_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GKCASE_SMTP_HOST", "mail.example.test")
    monkeypatch.setenv("GKCASE_SMTP_PORT", "587")
    monkeypatch.setenv("GKCASE_SMTP_STARTTLS", "true")
    monkeypatch.setenv("GKCASE_SMTP_PASSWORD", "s3cret")
    settings = Settings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "mail.example.test",
        587,
        True,
    )
    assert settings.smtp_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert Settings(_env_file=None).smtp_timeout == 30.0


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """The CLI's configured database (SQLite) holding the organisation and its cases."""
    for name in ("HOST", "SENDER"):
        monkeypatch.delenv(f"GKCASE_SMTP_{name}", raising=False)
    with cli_database(tmp_path, monkeypatch, build_world) as built:
        yield built


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_send_without_smtp_is_one_line_and_status_2(configured, capsys):
    code, out, err = run(capsys, "digest", "--send", "--as-of", "2026-04-20")
    assert code == 2 and out == ""
    assert err.startswith("gkcase: [digest.smtp_unconfigured] GKCASE_SMTP_HOST：未配置邮件服务器")
    assert err.count("\n") == 1


def test_cli_print_shows_the_digests_without_sending(configured, capsys):
    code, out, err = run(capsys, "digest", "--print", "--as-of", "2026-04-20", "--agency", "fgw")
    assert code == 0, err
    assert "收件人：承办人甲（caseworker）" in out
    assert configured.numbers["overdue"] in out and configured.numbers["zjw_overdue"] not in out
    assert "督查日报" not in out  # the city's supervisor is outside FGW
    assert "跳过 无邮箱承办人（no_mail）：未登记电子邮箱" in err


def test_cli_bad_agency_and_date(configured, capsys):
    code, _, err = run(capsys, "digest", "--print", "--agency", "NOPE")
    assert code == 2 and "[validation] --agency" in err
    code, _, err = run(capsys, "digest", "--print", "--as-of", "2026-02-30")
    assert code == 2 and "[validation] --as-of" in err
