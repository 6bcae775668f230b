"""Settings, read once from the environment (prefix ``GKCASE_``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GKCASE_", extra="ignore")

    #: Where gkcase keeps its embedded database and files, relative to the working directory.
    data_dir: Path = Path("var")
    #: Any SQLAlchemy URL; empty means the embedded SQLite file ``<data_dir>/gkcase.db``.
    database_url: str = ""
    #: Where reports and supervision read (annual reports, metrics, lapses, the dashboards, the
    #: daily digest): a streaming replica of the primary. Empty: the primary. See
    #: docs/deployment.md, "A read replica for reports".
    report_database_url: str = ""
    #: The mail server the daily digest goes through (``gkcase digest --send``); empty: no mail.
    smtp_host: str = ""
    smtp_port: int = 25
    #: The From address of the digest, e.g. ``gkcase@example.gov.cn``.
    smtp_sender: str = ""
    #: Upgrade the connection with STARTTLS before logging in.
    smtp_starttls: bool = False
    #: Log in with these when set (an empty user name: no login).
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    #: Seconds to wait for the mail server.
    smtp_timeout: float = 30.0
    #: PostgreSQL connection pool per process (docs/deployment.md): connections kept open, extra
    #: ones opened under a burst, and whether each checkout is tested first with a round trip
    #: (survives a database restart at the cost of one round trip per request).
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_pre_ping: bool = True
    #: Reads (GET) one API worker process handles at once; the rest wait their turn in order
    #: (docs/performance.md, "HTTP load"). Python runs one thread at a time, so a few requests in
    #: flight keep the process busy; more only add switching between threads and connections.
    worker_concurrency: int = Field(default=2, ge=1, le=200)
    #: Writes one worker handles at once, in a line of their own so reads never wait for them.
    worker_write_concurrency: int = Field(default=2, ge=1, le=200)
    #: Requests allowed to wait per worker; beyond that a request is refused at once with 503
    #: ``server.busy`` and ``Retry-After`` instead of queueing without end.
    worker_queue: int = Field(default=500, ge=0, le=100_000)
    #: Helper processes per process that print letters to PDF (WeasyPrint: ~150 ms of CPU a
    #: letter). 0 prints in the process itself; ``gkcase serve`` uses 1 unless this is set, so
    #: that a worker's other requests do not queue behind the printing for Python's lock.
    pdf_processes: int = Field(default=0, ge=0, le=16)
    #: How much the printing helpers give way to the workers on a busy machine (Unix niceness,
    #: added to the worker's): a letter is a background job of a few hundred milliseconds that
    #: nobody watches, a read is a person waiting. 0 prints at the workers' own priority.
    pdf_niceness: int = Field(default=10, ge=0, le=19)

    #: The audit trail's keys (docs/engine.md, "The audit trail"): ``<id>:<secret>`` entries,
    #: separated by ``;`` or new lines, the last one current, older ones kept to verify older
    #: events. Empty: the key file below.
    audit_keys: SecretStr = SecretStr("")
    #: The key file, one ``<id>:<secret>`` per line (same rule); empty: ``<data_dir>/audit.key``,
    #: created with a new random key (mode 0600) the first time none exists. Keep it out of the
    #: database and its backups.
    audit_key_file: Path | None = None
    #: Where the daily anchors of every case's chain head are written (``gkcase digest`` and
    #: ``gkcase verify --anchor``); empty: ``<data_dir>/anchors``. Ship them elsewhere.
    anchor_dir: Path | None = None

    @property
    def effective_audit_key_file(self) -> Path:
        return self.audit_key_file or self.data_dir / "audit.key"

    @property
    def effective_anchor_dir(self) -> Path:
        return self.anchor_dir or self.data_dir / "anchors"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'gkcase.db'}"


@cache
def get_settings() -> Settings:
    return Settings()
