"""Settings, read once from the environment (prefix ``GKCASE_``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GKCASE_", extra="ignore")

    #: Where gkcase keeps its embedded database and files, relative to the working directory.
    data_dir: Path = Path("var")
    #: Any SQLAlchemy URL; empty means the embedded SQLite file ``<data_dir>/gkcase.db``.
    database_url: str = ""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'gkcase.db'}"


@cache
def get_settings() -> Settings:
    return Settings()
