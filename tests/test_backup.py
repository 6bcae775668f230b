"""Backup and restore of the embedded SQLite database, through the services and the command."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

import gkcase.db
from gkcase.backup import (
    BackupError,
    backup_sqlite,
    check_database,
    postgresql_commands,
    restore_sqlite,
)
from gkcase.cli import main
from gkcase.db import create_schema, make_engine, read_session, unit_of_work
from gkcase.migrations import head_revision
from gkcase.models import Case, CaseEvent
from gkcase.settings import get_settings
from tests.services.conftest import make_org
from tests.services.helpers import fire, register


@pytest.fixture
def live(tmp_path, monkeypatch):
    """The configured embedded database, migrated, with an organisation and three cases."""
    monkeypatch.setenv("GKCASE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GKCASE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    url = get_settings().effective_database_url
    engine = make_engine(url)
    create_schema(engine)
    org = make_org(engine)
    for name in ("张三", "李四", "王五"):
        case = register(org, applicant={"kind": "natural_person", "name": name})
        fire(org, case.id, "start_review", "caseworker")
    yield Live(url, engine, org, tmp_path)
    engine.dispose()
    for shared in gkcase.db._engines.values():
        shared.dispose()
    gkcase.db._engines.clear()
    get_settings.cache_clear()


class Live:
    def __init__(self, url, engine, org, tmp_path):
        self.url, self.engine, self.org, self.tmp_path = url, engine, org, tmp_path

    def numbers(self, engine=None):
        with read_session(engine or self.engine) as session:
            return sorted(session.exec(select(Case.number)).all())

    def events(self):
        with read_session(self.engine) as session:
            return session.exec(select(func.count()).select_from(CaseEvent)).one()


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_restore_brings_back_the_backed_up_state_and_keeps_the_replaced_one(live):
    target = live.tmp_path / "gk-backup.db"
    made = backup_sqlite(live.url, target)
    assert (made.revision, made.cases) == (head_revision(), 3)
    before = live.numbers()
    events_before = live.events()

    later = register(live.org, applicant={"kind": "natural_person", "name": "赵六"})
    fire(live.org, later.id, "start_review", "caseworker")
    assert live.numbers() == sorted([*before, later.number])
    live.engine.dispose()  # gkcase is stopped for a restore

    restored = restore_sqlite(live.url, target, now=datetime(2026, 11, 24, 9, 30, tzinfo=UTC))

    assert restored.revision == restored.backup_revision == head_revision()
    assert (restored.check.cases, restored.check.events) == (3, events_before)
    assert restored.previous is not None
    assert restored.previous.name == "gkcase.db.before-restore-20261124T093000Z"
    assert live.numbers() == before
    assert live.events() == events_before
    assert check_database(live.engine).ok
    kept = make_engine(f"sqlite:///{restored.previous}")
    try:
        assert later.number in live.numbers(kept)
        assert check_database(kept).ok
    finally:
        kept.dispose()
    # The restored database takes new work where the backup left off.
    again = register(live.org, applicant={"kind": "natural_person", "name": "孙七"})
    assert again.number == later.number  # the counter came back with the cases


def test_a_backup_is_consistent_while_a_write_is_in_progress(live):
    target = live.tmp_path / "during-write.db"
    with unit_of_work(live.engine) as session:
        case = session.exec(select(Case).order_by(Case.id)).first()
        case.information_requested = "尚未提交的修改"
        session.add(case)
        session.flush()
        made = backup_sqlite(live.url, target)  # another connection, mid-transaction
    assert made.cases == 3
    with sqlite3.connect(target) as copy:
        texts = [row[0] for row in copy.execute("SELECT information_requested FROM gk_case")]
    assert "尚未提交的修改" not in texts


def test_a_tampered_backup_is_refused_naming_the_case_and_nothing_is_replaced(live):
    target = live.tmp_path / "tampered.db"
    backup_sqlite(live.url, target)
    victim = live.numbers()[1]
    with sqlite3.connect(target) as copy:
        copy.execute(
            "UPDATE case_event SET reason = '改过' WHERE case_id ="
            " (SELECT id FROM gk_case WHERE number = ?) AND seq = 1",
            (victim,),
        )
    before = live.numbers()
    live.engine.dispose()

    with pytest.raises(BackupError) as refused:
        restore_sqlite(live.url, target)

    assert refused.value.code == "backup.refused"
    assert f"{victim}：审计链：第1条事件内容已被改动" in refused.value.message
    assert live.numbers() == before
    assert not list(live.tmp_path.glob("var/*before-restore*"))
    assert not list(live.tmp_path.glob("var/.*restoring*"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"SQLite format 3\x00" + b"\x07" * 4096, "不是可读的 SQLite 数据库"),
        (b"not a database at all", "不是可读的 SQLite 数据库"),
    ],
)
def test_a_corrupted_file_is_refused(live, content, reason):
    broken = live.tmp_path / "broken.db"
    broken.write_bytes(content)
    with pytest.raises(BackupError) as refused:
        restore_sqlite(live.url, broken)
    assert reason in refused.value.message
    assert len(live.numbers()) == 3


def test_a_database_that_is_not_gkcase_is_refused(live):
    other = live.tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    with pytest.raises(BackupError) as refused:
        restore_sqlite(live.url, other)
    assert "不是 gkcase 数据库" in refused.value.message


def test_a_backup_at_an_unknown_revision_is_refused(live):
    target = live.tmp_path / "future.db"
    backup_sqlite(live.url, target)
    with sqlite3.connect(target) as copy:
        copy.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(BackupError) as refused:
        restore_sqlite(live.url, target)
    assert "9999 不为本版 gkcase 所知" in refused.value.message


def test_the_commands_back_up_refuse_to_overwrite_and_restore(live, capsys):
    target = live.tmp_path / "cli.db"
    code, out, _ = run(capsys, "backup", str(target))
    assert code == 0
    assert out == f"已备份到 {target}（迁移版本 {head_revision()}，3 件案件）\n"

    code, _, err = run(capsys, "backup", str(target))
    assert code == 2
    assert err == f"gkcase: [backup.refused] PATH：{target} 已存在；确需覆盖请加 --force\n"
    assert run(capsys, "backup", str(target), "--force")[0] == 0

    code, out, _ = run(capsys, "restore", str(target), "--check")
    assert code == 0
    assert out.splitlines()[-1] == "审计链校验通过：3 件案件，6 条事件"
    assert not list(live.tmp_path.glob("var/*before-restore*"))

    live.engine.dispose()
    code, out, _ = run(capsys, "restore", str(target))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("原数据库已保留为 ")
    assert lines[-1] == "审计链校验通过：3 件案件，6 条事件"

    code, out, _ = run(capsys, "init", "--verify")
    assert code == 0
    assert out.splitlines()[-1] == "审计链校验通过：3 件案件，6 条事件"


def test_init_verify_names_a_broken_chain(live, capsys):
    victim = live.numbers()[0]
    with live.engine.begin() as connection:
        connection.exec_driver_sql(
            "DELETE FROM case_event WHERE seq = 2 AND case_id ="
            f" (SELECT id FROM gk_case WHERE number = '{victim}')"
        )
    code, _, err = run(capsys, "init", "--verify")
    assert code == 2
    assert err.startswith("gkcase: [backup.chain_broken] 1 件案件的审计链校验未通过：")
    assert victim in err


def test_postgresql_gets_the_commands_printed_without_the_password(capsys, monkeypatch, tmp_path):
    url = "postgresql+psycopg://gk:s3cret@db.example:5433/gkcase?sslmode=require"
    monkeypatch.setenv("GKCASE_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        code, out, _ = run(capsys, "backup", str(tmp_path / "gk.dump"))
        assert code == 0
        assert (
            f"pg_dump -Fc --no-owner -d 'postgresql://gk@db.example:5433/gkcase?sslmode=require' -f {tmp_path / 'gk.dump'}"
            in out
        )
        code, out, _ = run(capsys, "restore", str(tmp_path / "gk.dump"))
        assert code == 0
        assert "pg_restore --clean --if-exists" in out
        assert "gkcase init --verify" in out
        assert "s3cret" not in out
        assert "PGPASSWORD" in out
        assert not (tmp_path / "gk.dump").exists()  # nothing was run
    finally:
        get_settings.cache_clear()
    assert postgresql_commands(
        "postgresql+psycopg://gk@h/db", tmp_path / "a b.dump", restore=False
    ) == [f"pg_dump -Fc --no-owner -d postgresql://gk@h/db -f '{tmp_path / 'a b.dump'}'"]
