"""Who is calling: passwords (argon2), browser sessions with CSRF tokens, API tokens, throttling.

Tokens are random (``secrets.token_urlsafe``) and only their SHA-256 is stored, so a copy of the
database does not let anyone log in. Passwords are hashed with argon2id (argon2-cffi).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from gkcase.errors import GkcaseError
from gkcase.models import ApiToken, LoginAttempt, User, UserSession

SESSION_LIFETIME = timedelta(hours=10)  # a working day
FAILED_LOGIN_LIMIT = 5  # failures per username (or per client) …
FAILED_LOGIN_WINDOW = timedelta(minutes=15)  # … within this window, then refused for a while

_hasher = PasswordHasher()


class NotAuthenticated(GkcaseError):
    code = "auth.not_authenticated"


class LoginThrottled(GkcaseError):
    code = "auth.throttled"


def _now() -> datetime:
    return datetime.now(UTC)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify_password(stored: str, password: str) -> bool:
    try:
        return bool(stored) and _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoggedIn:
    user: User
    token: str  # goes into the cookie; never stored
    csrf_token: str


def _recent_failures(session: Session, *, username: str, client: str) -> int:
    since = _now() - FAILED_LOGIN_WINDOW
    by_name = session.exec(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.at >= since,
            col(LoginAttempt.succeeded).is_(False),
        )
    ).one()
    by_client = (
        session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.client == client,
                LoginAttempt.at >= since,
                col(LoginAttempt.succeeded).is_(False),
            )
        ).one()
        if client
        else 0
    )
    return max(by_name, by_client)


def log_in(session: Session, username: str, password: str, *, client: str = "") -> LoggedIn:
    """Check the password and open a session; repeated failures are throttled. The message for
    an unknown user and a wrong password is the same."""
    username = username.strip()
    if _recent_failures(session, username=username, client=client) >= FAILED_LOGIN_LIMIT:
        raise LoginThrottled("登录失败次数过多，请15分钟后再试")
    user = session.exec(select(User).where(User.username == username)).first()
    ok = user is not None and user.active and _verify_password(user.password_hash, password)
    if not ok:
        raise NotAuthenticated("用户名或密码不正确")  # the caller records it: record_failure()
    session.add(LoginAttempt(username=username, client=client, at=_now(), succeeded=True))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(
        UserSession(
            token_sha256=_sha(token),
            csrf_token=csrf,
            user_id=user.id,
            created_at=_now(),
            expires_at=_now() + SESSION_LIFETIME,
        )
    )
    session.flush()
    return LoggedIn(user, token, csrf)


def record_failure(session: Session, username: str, *, client: str = "") -> None:
    """Record a failed login — in a unit of work of its own, since the failed request's own
    transaction is rolled back with the error."""
    session.add(LoginAttempt(username=username.strip(), client=client, at=_now(), succeeded=False))


def log_out(session: Session, token: str) -> None:
    row = session.exec(select(UserSession).where(UserSession.token_sha256 == _sha(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = _now()
        session.add(row)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the user, and how they came (a session cookie needs CSRF)."""

    user: User
    via: str  # "session" or "token"
    csrf_token: str = ""


def from_session_token(session: Session, token: str) -> Caller:
    row = session.exec(select(UserSession).where(UserSession.token_sha256 == _sha(token))).first()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= _now():
        raise NotAuthenticated("登录已过期，请重新登录")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("账号已停用")
    return Caller(user, "session", row.csrf_token)


#: The token and its user in one statement, built once: this runs on every API request, and
#: building a statement costs more than running it (docs/performance.md, "HTTP load").
_TOKEN_AND_USER = (
    select(ApiToken, User)
    .join(User, col(User.id) == col(ApiToken.user_id), isouter=True)
    .where(ApiToken.token_sha256 == bindparam("sha"))
)


def from_api_token(session: Session, token: str) -> Caller:
    found = session.execute(_TOKEN_AND_USER, {"sha": _sha(token)}).first()
    if found is None or found[0].revoked_at is not None:
        raise NotAuthenticated("令牌无效或已吊销")
    user = found[1]
    if user is None or not user.active:
        raise NotAuthenticated("令牌所属账号已停用")
    return Caller(user, "token")


def issue_api_token(
    session: Session, *, name: str, user: User, issued_by: User
) -> tuple[ApiToken, str]:
    """A new bearer token for ``user``; the token itself is returned once and never stored.

    A token belongs to the person who creates it, or to a service account (its agency's admin
    creates that): no one can mint a token that acts as another person, whose name the audit
    trail would then record for acts they never did."""
    if user.id != issued_by.id and not user.service_account:
        from gkcase.states.machine import PermissionDenied

        raise PermissionDenied(
            "令牌只能由本人创建，或发给服务账户；不能以他人身份办理", field="user_id"
        )
    token = "gk_" + secrets.token_urlsafe(32)
    row = ApiToken(
        token_sha256=_sha(token),
        name=name,
        user_id=user.id,
        created_at=_now(),
        created_by=issued_by.id,
    )
    session.add(row)
    session.flush()
    return row, token


def revoke_api_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        from gkcase.services.cases import NotFound

        raise NotFound("令牌不存在", field="token_id")
    if row.revoked_at is None:
        row.revoked_at = _now()
        session.add(row)
    return row


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
