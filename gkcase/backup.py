"""Backup and restore (备份与恢复) of gkcase's database (docs/operations.md).

SQLite: ``backup`` copies the live database with SQLite's online backup API, a consistent copy
while the application keeps working; ``restore`` checks a copy (a gkcase database at a revision
this gkcase knows, every case's audit chain intact), migrates it to the newest revision, keeps the
database it replaces beside it, and only then puts it in place.

PostgreSQL: ``pg_dump``/``pg_restore`` do the work; gkcase prints the exact commands for the
configured database (:func:`postgresql_commands`) and runs neither.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import col, select

from gkcase.errors import GkcaseError


class BackupError(GkcaseError):
    """A backup that cannot be written, or a file that cannot be restored."""

    code = "backup.refused"


@dataclass(frozen=True)
class ChainFailure:
    """A case whose audit chain does not verify: its number and what is wrong."""

    number: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class DatabaseCheck:
    """What :func:`check_database` found: the revision, the cases and the chains that failed."""

    revision: str
    cases: int
    events: int
    failures: tuple[ChainFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    def failure_text(self) -> str:
        return "；".join(f"{f.number}：{'，'.join(f.problems)}" for f in self.failures)


@dataclass(frozen=True)
class BackupResult:
    """A written backup: where, the revision it is at (``None``: not migrated) and its cases."""

    path: Path
    revision: str | None
    cases: int


@dataclass(frozen=True)
class RestoreResult:
    """A restored database, the copy kept of the one it replaced, and the check it passed."""

    database: Path
    #: Where the database that was replaced is kept (``None``: there was none).
    previous: Path | None
    #: The revision the backup was at, and the one the restored database is at now.
    backup_revision: str
    revision: str
    check: DatabaseCheck


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; ``None`` for another database (or SQLite in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _copy(source: Path, target: Path) -> None:
    # The online backup API: pages are copied under a read transaction, so the copy is one
    # consistent state even while the application writes (WAL content included).
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        # The copy is a single self-contained file, not a WAL database waiting for its -wal.
        dst.execute("PRAGMA journal_mode=DELETE")


def _discard(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)


def backup_sqlite(url: str, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the SQLite database of ``url`` to ``target`` (refused if it exists, unless ``force``)."""
    source = sqlite_path(url)
    if source is None:
        raise BackupError("只有嵌入式 SQLite 数据库可以由 gkcase 直接备份", field="database")
    if not source.is_file():
        raise BackupError(f"数据库文件 {source} 不存在", field="database")
    if target.exists() and not force:
        raise BackupError(f"{target} 已存在；确需覆盖请加 --force", field="PATH")
    if target.resolve() == source.resolve():
        raise BackupError("备份文件不能是数据库文件本身", field="PATH")
    if not target.parent.is_dir():
        raise BackupError(f"目录 {target.parent} 不存在", field="PATH")
    partial = target.with_name(f".{target.name}.partial")
    _discard(partial)
    try:
        _copy(source, partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        _discard(partial)
        raise BackupError(f"无法写入备份 {target}：{exc}", field="PATH") from None
    revision, cases = _peek(target)
    return BackupResult(target, revision, cases)


@contextmanager
def _engine(path: Path) -> Iterator[Engine]:
    from gkcase.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def _peek(path: Path) -> tuple[str | None, int]:
    """The revision of the SQLite file ``path`` and its number of cases, read without writing.

    A gkcase engine would switch the file to WAL; a backup is read through ``sqlite3`` only.
    """
    from gkcase.migrations import VERSION_TABLE

    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            (verdict,) = connection.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"{path} 已损坏：{verdict}", field="PATH")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if VERSION_TABLE not in tables or "gk_case" not in tables:
                return None, 0
            row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
            (cases,) = connection.execute("SELECT count(*) FROM gk_case").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 不是可读的 SQLite 数据库：{exc}", field="PATH") from None
    return (row[0] if row else None), cases


def check_database(
    engine: Engine, *, files: bool = True, anchor_path: Path | None = None, backup: bool = False
) -> DatabaseCheck:
    """The database's revision and every case's audit trail (``services.cases.verify``: keyed
    chain, seal, fields rebuilt from the events, letters), against the anchor at
    ``anchor_path`` or the latest in the anchor directory — a case deleted whole is found there.

    A ``backup`` may predate the anchor: events and cases it lacks are expected, but a chain that
    contradicts the anchor where it has the event is still refused.

    The database must be at the newest revision (the models read it).
    """
    from gkcase import audit
    from gkcase.db import read_session, schema_revision
    from gkcase.models import Case
    from gkcase.services.cases import deleted_since, verify
    from gkcase.settings import get_settings

    revision = schema_revision(engine)
    if revision is None:
        raise BackupError("不是 gkcase 数据库（没有迁移版本）", field="PATH")
    anchor = (
        audit.read_anchor(anchor_path)
        if anchor_path
        else audit.latest_anchor(get_settings().effective_anchor_dir)
    )
    failures: list[ChainFailure] = []
    events = 0
    with read_session(engine) as session:
        cases = session.exec(select(Case.id, Case.number).order_by(col(Case.id))).all()
        for case_id, number in cases:
            result = verify(session, case_id, files=files, anchor=anchor, anchor_prefix=backup)
            events += result.events
            if not result.ok:
                failures.append(ChainFailure(number, result.problems))
        if anchor is not None and not backup:
            gone = deleted_since(session, anchor)
            if gone:
                failures.append(ChainFailure("（已删除的案件）", tuple(gone)))
    return DatabaseCheck(revision, len(cases), events, tuple(failures))


def _known_revision(path: Path) -> str:
    """The revision of the gkcase database in ``path``, which this gkcase must know."""
    from gkcase.migrations import is_known

    revision, _ = _peek(path)
    if revision is None:
        raise BackupError(f"{path} 不是 gkcase 数据库（没有迁移版本）", field="PATH")
    if not is_known(revision):
        raise BackupError(
            f"{path} 的迁移版本 {revision} 不为本版 gkcase 所知（是否来自更新的版本？）",
            field="PATH",
        )
    return revision


def check_backup(url: str, source: Path) -> tuple[str, DatabaseCheck]:
    """Check a backup file as :func:`restore_sqlite` would, without restoring it.

    Returns the backup's revision and the check of a scratch copy migrated to the newest one.
    """
    database = _restore_target(url)
    revision, check, scratch = _prepare(source, database)
    _discard(scratch)
    return revision, check


def _restore_target(url: str) -> Path:
    database = sqlite_path(url)
    if database is None:
        raise BackupError("只有嵌入式 SQLite 数据库可以由 gkcase 直接恢复", field="database")
    return database


def _prepare(source: Path, database: Path) -> tuple[str, DatabaseCheck, Path]:
    """A migrated, checked copy of ``source`` beside ``database``, ready to be moved in."""
    from gkcase.db import migrate, seal_legacy

    if not source.is_file():
        raise BackupError(f"备份文件 {source} 不存在", field="PATH")
    revision = _known_revision(source)
    database.parent.mkdir(parents=True, exist_ok=True)
    scratch = database.with_name(f".{database.name}.restoring")
    _discard(scratch)
    try:
        _copy(source, scratch)
        with _engine(scratch) as engine:
            migrate(engine)
            seal_legacy(engine)  # a backup from before the keyed trail
            check = check_database(engine, backup=True)
    except BaseException:
        _discard(scratch)
        raise
    if not check.ok:
        _discard(scratch)
        raise BackupError(
            f"备份中 {len(check.failures)} 件案件的审计链校验未通过，拒绝恢复："
            + check.failure_text(),
            field="PATH",
        )
    return revision, check, scratch


def restore_sqlite(url: str, source: Path, *, now: datetime | None = None) -> RestoreResult:
    """Replace the SQLite database of ``url`` with the backup ``source``.

    The backup is copied, migrated to the newest revision and every case's audit chain verified
    before anything is replaced; the database it replaces is kept as
    ``<name>.before-restore-<UTC timestamp>``. gkcase must not be running on the database.
    """
    database = _restore_target(url)
    revision, check, scratch = _prepare(source, database)
    previous = None
    try:
        if database.exists():
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
            previous = database.with_name(f"{database.name}.before-restore-{stamp}")
            if previous.exists():
                raise BackupError(f"{previous} 已存在，请稍后再试", field="PATH")
            try:
                _copy(database, previous)
            except sqlite3.DatabaseError as exc:
                raise BackupError(
                    f"无法保留现有数据库 {database}：{exc}", field="database"
                ) from None
            _retire(database)
        os.replace(scratch, database)
    finally:
        _discard(scratch)
    return RestoreResult(database, previous, revision, check.revision, check)


def _retire(database: Path) -> None:
    # Fold the WAL into the file; the last connection closing removes -wal and -shm, and any
    # left over must not be read with the restored file.
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)


def _libpq_uri(url: str) -> tuple[str, bool]:
    """The URL as libpq takes it, without the password; and whether there was one."""
    parsed = make_url(url)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), parsed.password is not None


def postgresql_commands(url: str, path: Path, *, restore: bool) -> list[str]:
    """The commands that back up (``pg_dump -Fc``) or restore (``pg_restore``) ``url``.

    The password is never printed: libpq takes it from ``PGPASSWORD`` or ``~/.pgpass``.
    """
    uri = shlex.quote(_libpq_uri(url)[0])
    file = shlex.quote(str(path))
    if restore:
        return [
            f"pg_restore --clean --if-exists --no-owner --single-transaction -d {uri} {file}",
            "gkcase init --verify",
        ]
    return [f"pg_dump -Fc --no-owner -d {uri} -f {file}"]


def has_password(url: str) -> bool:
    """Whether ``url`` carries a password (left out of the printed commands)."""
    return _libpq_uri(url)[1]
