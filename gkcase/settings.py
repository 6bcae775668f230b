"""Settings, read once from the environment (prefix ``GKCASE_``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GKCASE_", extra="ignore")

    #: Where gkcase keeps its embedded database and files, relative to the working directory.
    data_dir: Path = Path("var")
    #: Any SQLAlchemy URL; empty means the embedded SQLite file ``<data_dir>/gkcase.db``.
    database_url: str = ""
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

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'gkcase.db'}"


@cache
def get_settings() -> Settings:
    return Settings()
