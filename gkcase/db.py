"""The database engine and the unit of work (one transaction per state change)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

import gkcase.models  # noqa: F401  (registers every table on SQLModel.metadata)
from gkcase.settings import get_settings

_engines: dict[str, Engine] = {}


_WRITE = "gkcase_write"


def _sqlite_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
    # gkcase, not the sqlite3 module, decides how each transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection) -> None:  # noqa: ANN001
    # A unit of work that writes takes SQLite's write lock at BEGIN, so two writers queue up
    # (busy_timeout) instead of one failing when it upgrades a stale read snapshot.
    write = connection.get_execution_options().get(_WRITE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created and WAL is switched on.

    ``schema`` (PostgreSQL) puts gkcase's tables in that schema instead of ``public``.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    settings = get_settings()
    return create_engine(
        url,
        pool_pre_ping=settings.db_pre_ping,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        connect_args=connect_args,
    )


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: the configured database)."""
    url = url or get_settings().effective_database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def get_report_engine() -> Engine:
    """The engine reports and supervision read from: ``GKCASE_REPORT_DATABASE_URL`` (a streaming
    replica of the primary, docs/deployment.md) when set, else the primary's."""
    return get_engine(get_settings().report_database_url or None)


def create_schema(engine: Engine) -> str:
    """Bring the schema to the newest revision (Alembic; docs/operations.md) and return it.

    Cheap when it is there already: one query reads the revision.
    """
    from gkcase.migrations import head_revision, schema_revision

    revision = schema_revision(engine)
    if revision == head_revision():
        return revision
    revision = migrate(engine)
    seal_legacy(engine)
    return revision


def seal_legacy(engine: Engine) -> int:
    """Seal the chains written before the audit trail was keyed (``cases.seal_unsealed``)."""
    from gkcase.services.cases import seal_unsealed

    with unit_of_work(engine) as session:
        return seal_unsealed(session)


def schema_revision(engine: Engine) -> str | None:
    """The migration revision the database is at; ``None`` when it has never been migrated."""
    from gkcase.migrations import schema_revision as read

    return read(engine)


def migrate(engine: Engine) -> str:
    """Upgrade the database to the newest revision, in one transaction, and return the revision.

    A database made by ``create_all`` is adopted when its tables match the models or the
    baseline (``gkcase.migrations.SchemaMismatch`` names the differences otherwise). On
    PostgreSQL an advisory lock on the schema is held throughout, so workers starting together
    migrate one after the other; the later ones find the database at the newest revision.
    """
    from gkcase.migrations import advisory_lock_sql, upgrade

    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        if postgresql:
            connection.exec_driver_sql(advisory_lock_sql("lock"))
            connection.commit()
        else:
            # SQLite's batch mode rebuilds a table (copy, drop, rename), which enforced foreign
            # keys refuse for a table others reference; `upgrade` checks them all before commit.
            # The pragma only takes effect outside a transaction, hence the driver's connection.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                return upgrade(connection)
        finally:
            if postgresql:
                connection.exec_driver_sql(advisory_lock_sql("unlock"))
                connection.commit()
            else:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back whole on any error.

    Autoflush is off: services flush where they need a row's id and once at the end, instead of
    before every query (which cost more than the writes themselves).
    """
    with Session(engine or get_engine(), expire_on_commit=False, autoflush=False) as session:
        session.connection(execution_options={_WRITE: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class ReadOnlySessionError(RuntimeError):
    """A change flushed in a read session: a defect in gkcase, never the user's input."""


class _ReadSession(Session):
    """A session that refuses to flush a change (listened for once, on the class: a listener per
    session costs more than the read on the hottest requests)."""


@event.listens_for(_ReadSession, "before_flush")
def _refuse_flush(session: Session, _context, _instances) -> None:  # noqa: ANN001
    raise ReadOnlySessionError("a read session cannot write; use unit_of_work")


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A read-only session: it never takes the write lock, and refuses to flush a change.

    On PostgreSQL its statements run in autocommit: under READ COMMITTED (PostgreSQL's default,
    and gkcase's) every statement of a transaction already sees its own snapshot, so a read
    transaction adds nothing but its ``BEGIN`` and ``ROLLBACK`` — two round trips per request
    (docs/performance.md, "HTTP load"). On SQLite a read transaction is kept: there it is one
    snapshot for the whole request, and it costs no round trip.
    """
    engine = engine or get_engine()
    bind = _autocommit_of(engine) if engine.dialect.name == "postgresql" else engine
    # Closing the session ends its read transaction (SQLite) and returns the connection.
    with _ReadSession(bind, expire_on_commit=False) as session:
        yield session


@contextmanager
def report_session(engine: Engine | None = None) -> Iterator[Session]:
    """A read-only session for reports and supervision, on the report database (default:
    :func:`get_report_engine`), in which every statement sees the same snapshot — so the tables
    of one annual report, or the totals and rows of one dashboard, add up even while cases
    move. On PostgreSQL a ``REPEATABLE READ READ ONLY`` transaction (which a hot-standby replica
    serves too); on SQLite a read transaction, which is one snapshot already."""
    engine = engine or get_report_engine()
    bind = _snapshot_of(engine) if engine.dialect.name == "postgresql" else engine
    with _ReadSession(bind, expire_on_commit=False) as session:
        yield session


def _variant(engine: Engine, name: str, **options: object) -> Engine:
    """The engine with ``options``, sharing its pool: they are set on a connection at checkout and
    reset when it goes back, so a write checked out next gets a plain connection. Made once per
    engine (making one costs ~35 µs) and kept on the engine, so it goes when the engine goes."""
    variants = engine.__dict__.setdefault("_gkcase_variants", {})
    if name not in variants:
        variants[name] = engine.execution_options(**options)
    return variants[name]


def _autocommit_of(engine: Engine) -> Engine:
    return _variant(engine, "autocommit", isolation_level="AUTOCOMMIT")


def _snapshot_of(engine: Engine) -> Engine:
    return _variant(engine, "snapshot", isolation_level="REPEATABLE READ", postgresql_readonly=True)
