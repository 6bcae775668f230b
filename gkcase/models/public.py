"""The public status page's rate limit, kept in the database so every API worker shares it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class PublicLookupWindow(SQLModel, table=True):
    """Lookups one client address made in one fixed window (a minute)."""

    __tablename__ = "public_lookup_window"

    client: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(primary_key=True, index=True)
    count: int = 0
