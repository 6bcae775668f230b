"""Agencies (a tree: 多头受理，统一登记) and the staff who work in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import false
from sqlmodel import Field, SQLModel

from gkcase.states.outcomes import LEGAL_REVIEW_DEFAULT, Outcome

DEFAULT_LEGAL_REVIEW = ",".join(
    o.value for o in sorted(LEGAL_REVIEW_DEFAULT, key=list(Outcome).index)
)


class Agency(SQLModel, table=True):
    """An administrative organ that answers disclosure applications (Art 27), with its office."""

    __tablename__ = "agency"

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    #: "/1/4/9/": this agency and its ancestors, for subtree queries (a supervisor's view).
    path: str = Field(default="/", max_length=400, index=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=120)  # full name, as it signs letters
    short_name: str = Field(default="", max_length=40)
    letter_prefix: str = Field(max_length=40)  # 文号 prefix, e.g. 某发改公开
    review_body: str = Field(max_length=120)  # 行政复议机关 (行政复议法 Art 24, 25, 27)
    court: str = Field(max_length=120)  # the court with jurisdiction (行政诉讼法)
    vertical: bool = False  # 垂直领导 (海关、税务…): review goes to 上一级主管部门 (Art 27)
    address: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=10)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=120)
    # Policies where the law is silent (docs/policies.md)
    fee_window_pauses_clock: bool = True
    consultation_pause_from: str = Field(default="dispatch", max_length=10)
    correction_period_workdays: int = 10
    #: Art 35: the applicant's period to explain (ClockPolicy.explanation_period_workdays)
    explanation_period_workdays: int = Field(default=10, sa_column_kwargs={"server_default": "10"})
    #: Art 31(三): internet and fax applications confirmed within this many working days
    confirmation_workdays: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    at_risk_workdays: int = 3
    #: 法制审核: the outcomes whose reply goes to legal review (comma-separated Outcome values),
    #: never fewer than the law's floor (outcomes.LEGAL_REVIEW_MINIMUM; docs/policies.md).
    legal_review_outcomes: str = Field(
        default=DEFAULT_LEGAL_REVIEW,
        max_length=600,
        sa_column_kwargs={"server_default": DEFAULT_LEGAL_REVIEW},
    )


class User(SQLModel, table=True):
    """A member of staff. Roles are comma-separated :class:`~gkcase.states.machine.Role` values."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    full_name: str = Field(max_length=60)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    roles: str = Field(max_length=200)
    password_hash: str = Field(default="", max_length=200)
    #: Work e-mail for the daily digest (gkcase/services/digest.py); empty: no digest is sent.
    email: str = Field(default="", max_length=120)
    active: bool = True
    #: A service account (服务账户): an integration such as the portal's online form, acting as
    #: itself in the audit trail. It cannot sign in with a password; only it may hold a token
    #: that someone else (its agency's admin) created.
    service_account: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)
