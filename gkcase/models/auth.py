"""Staff sessions (browser), API tokens (integrations) and login attempts (throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class UserSession(SQLModel, table=True):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token an admin issued to an integration (e.g. the portal's online form)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_sha256: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    user_id: int = Field(foreign_key="app_user.id", index=True)  # acts as this user
    created_at: datetime
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """One attempt to log in, for throttling repeated failures (no password is ever stored)."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, index=True)
    client: str = Field(default="", max_length=64)  # the client's address
    at: datetime = Field(index=True)
    succeeded: bool
