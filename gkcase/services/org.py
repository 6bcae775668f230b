"""Agencies and staff: creating them with their invariants (the tree path, valid roles)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlmodel import Session, select

from gkcase.errors import ValidationError
from gkcase.models import Agency, User
from gkcase.states.machine import SERVICE_ACCOUNT_ROLES, Role
from gkcase.states.outcomes import legal_review_policy


def create_agency(session: Session, *, parent: Agency | None = None, **fields: object) -> Agency:
    """Add an agency under ``parent`` (or at the top); its subtree path is kept for queries."""
    code = str(fields.get("code", "")).strip()
    if not code:
        raise ValidationError("请填写机关代码", field="code")
    if session.exec(select(Agency.id).where(Agency.code == code)).first() is not None:
        raise ValidationError(f"机关代码 {code} 已被使用", field="code")
    agency = Agency(parent_id=parent.id if parent else None, **fields)
    session.add(agency)
    session.flush()
    agency.path = f"{parent.path if parent else '/'}{agency.id}/"
    session.add(agency)
    session.flush()
    return agency


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    agency: Agency,
    roles: Iterable[Role | str],
    password_hash: str = "",
    email: str = "",
    service_account: bool = False,
) -> User:
    """A member of staff, or a service account (服务账户: no password, only
    ``SERVICE_ACCOUNT_ROLES``; it acts through tokens its admin creates, as itself)."""
    if service_account:
        password_hash = ""  # never signs in
        for role in roles:
            if role not in SERVICE_ACCOUNT_ROLES:
                who = "、".join(
                    r.label for r in sorted(SERVICE_ACCOUNT_ROLES, key=list(Role).index)
                )
                raise ValidationError(f"服务账户只能具有{who}角色", field="roles")
    role_values = []
    for role in roles:
        try:
            role_values.append(Role(role).value)
        except ValueError:
            raise ValidationError(f"没有“{role}”这一角色", field="roles") from None
    if not role_values:
        raise ValidationError("至少要有一个角色", field="roles")
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise ValidationError(f"用户名 {username} 已被使用", field="username")
    user = User(
        username=username,
        full_name=full_name,
        agency_id=agency.id,
        roles=",".join(role_values),
        password_hash=password_hash,
        email=email,
        service_account=service_account,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    return user


def set_legal_review(session: Session, agency: Agency, outcomes: Iterable[str]) -> Agency:
    """法制审核范围: the outcomes whose reply this agency sends to legal review. Refused if it
    leaves out any of the law's floor (every 不予公开 and 部分公开 reply)."""
    agency.legal_review_outcomes = legal_review_policy(outcomes)
    session.add(agency)
    session.flush()
    return agency
