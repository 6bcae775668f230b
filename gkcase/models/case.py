"""Applicants, cases and everything recorded on a case; the append-only event log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, func, literal_column, not_
from sqlmodel import Field, SQLModel


class ApplicantType(StrEnum):
    """申请人情况 — the six columns of the annual report's table 三 (国办公开办函〔2021〕30号)."""

    NATURAL_PERSON = "natural_person"  # 自然人
    BUSINESS = "business"  # 商业企业
    RESEARCH = "research"  # 科研机构
    PUBLIC_INTEREST = "public_interest"  # 社会公益组织
    LEGAL_SERVICE = "legal_service"  # 法律服务机构
    OTHER = "other"  # 其他

    @property
    def label(self) -> str:
        return _APPLICANT_LABELS[self]


_APPLICANT_LABELS = {
    ApplicantType.NATURAL_PERSON: "自然人",
    ApplicantType.BUSINESS: "商业企业",
    ApplicantType.RESEARCH: "科研机构",
    ApplicantType.PUBLIC_INTEREST: "社会公益组织",
    ApplicantType.LEGAL_SERVICE: "法律服务机构",
    ApplicantType.OTHER: "其他",
}


class Applicant(SQLModel, table=True):
    """申请人 (Art 29 ¶2(一)): name, identity proof and contact."""

    __tablename__ = "applicant"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)  # ApplicantType
    name: str = Field(max_length=120, index=True)
    id_type: str = Field(default="", max_length=30)  # 居民身份证, 统一社会信用代码, 护照 …
    id_number: str = Field(default="", max_length=40)
    #: sha256 of the normalised id type and number: finds the same applicant without reading PII
    identity_key: str = Field(default="", max_length=64, index=True)
    contact_person: str = Field(default="", max_length=60)  # for organisations
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=10)
    created_at: datetime


class Case(SQLModel, table=True):
    """One application (政府信息公开申请) and where it stands."""

    __tablename__ = "gk_case"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "seq", name="uq_case_number"),
        UniqueConstraint("agency_id", "idempotency_key", name="uq_case_idempotency"),
        # Open cases only (a small, recent share of the table): the overdue / at-risk list and
        # the supervisor's counts (docs/performance.md, "Scale"). The literal in the predicate
        # must match the queries' (gkcase.services.urgency.RUNNING_CLOCK).
        Index(
            "ix_gk_case_open_reply_due",
            "reply_due",
            sqlite_where=literal_column("clock_status") != literal_column("'stopped'"),
            postgresql_where=literal_column("clock_status") != literal_column("'stopped'"),
        ),
        Index(
            "ix_gk_case_open_projected_due",
            "projected_due",
            sqlite_where=literal_column("clock_status") != literal_column("'stopped'"),
            postgresql_where=literal_column("clock_status") != literal_column("'stopped'"),
        ),
        Index(
            "ix_gk_case_open_agency",
            "agency_id",
            "clock_status",
            "reply_due",
            "projected_due",
            sqlite_where=literal_column("clock_status") != literal_column("'stopped'"),
            postgresql_where=literal_column("clock_status") != literal_column("'stopped'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    seq: int
    number: str = Field(max_length=60, index=True)
    lookup_code: str = Field(max_length=16)  # printed on the receipt, for the public status page
    idempotency_key: str | None = Field(default=None, max_length=100)
    # Intake (Art 29, 31)
    channel: str = Field(max_length=20)
    arrived_on: date | None = None
    signed_for_on: date | None = None
    confirmed_on: date | None = None
    receipt_date: date | None = Field(default=None, index=True)  # 收到申请之日
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    applicant_kind: str = Field(max_length=20)  # ApplicantType, copied for reporting
    information_requested: str = Field(sa_column=Column(Text, nullable=False))
    form_requested: str = Field(default="", max_length=200)  # 形式要求: 纸质、电子 …
    delivery_requested: str = Field(default="", max_length=200)  # 获取方式、途径
    # Workflow
    state: str = Field(max_length=30, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    outcome: str | None = Field(default=None, max_length=40, index=True)
    decision: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    draft_version: int = 0
    approved_draft_version: int | None = None
    replied_on: date | None = Field(default=None, index=True)
    closed_on: date | None = Field(default=None, index=True)
    # The clock, derived from the events and kept for indexing
    clock_status: str = Field(default="waiting", max_length=20, index=True)
    reply_due: date | None = Field(default=None, index=True)
    projected_due: date | None = None
    next_window_due: date | None = None  # the nearest running window: correction, consultation, fee
    due_provisional: bool = False
    calendar_version: str = Field(default="", max_length=12)
    # Bookkeeping
    event_count: int = 0  # the head of the event chain, so a removed last event is noticed
    last_event_hash: str = Field(default="", max_length=64)
    #: ``<key id>:<HMAC>`` over the case's identity and chain head (gkcase/audit.py)
    chain_seal: str = Field(default="", max_length=90, sa_column_kwargs={"server_default": ""})
    #: Letters issued outside any event before letters were acts (ids, comma-separated), kept
    #: under the seal at the upgrade; every later letter must be in an event.
    legacy_letters: str = Field(
        default="", sa_column=Column(Text, nullable=False, default="", server_default="")
    )
    version: int = 1
    created_at: datetime
    updated_at: datetime
    registered_by: int | None = Field(default=None, foreign_key="app_user.id")


#: The day a case concluded (its reply signed, or closed without one): the annual report selects
#: a year's cases by it (gkcase.services.annual_report.count_applications; the expression must
#: stay the same there for the index to be used).
CASE_CONCLUDED_INDEX = Index(
    "ix_gk_case_concluded",
    func.coalesce(Case.__table__.c.replied_on, Case.__table__.c.closed_on),
)


#: An agency's cases in the case list's order (due date, undated last, then id), so that a page
#: is read from the index instead of sorting every case of the agency (docs/performance.md,
#: "HTTP load"); the list's ORDER BY must stay ``reply_due IS NULL, reply_due, id``.
#: PostgreSQL only: SQLite's planner, without statistics, would take it for the overdue list too
#: and walk an agency's closed cases in due order past the open ones its partial indexes find.
CASE_LIST_ORDER_INDEX = Index(
    "ix_gk_case_agency_list_order",
    Case.__table__.c.agency_id,
    Case.__table__.c.reply_due.is_(None),
    Case.__table__.c.reply_due,
    Case.__table__.c.id,
).ddl_if(dialect="postgresql")


class Consultation(SQLModel, table=True):
    """征求意见: a third party (Art 32) or a co-producing agency (Art 34)."""

    __tablename__ = "consultation"
    __table_args__ = (
        # Open consultations by window end: the expired-consultation lapse (Art 32, 34).
        Index(
            "ix_consultation_open_window_due",
            "window_due",
            sqlite_where=not_(literal_column("closed")),
            postgresql_where=not_(literal_column("closed")),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    kind: str = Field(max_length=20)  # PauseKind.THIRD_PARTY / CO_PRODUCER / OTHER_AGENCY
    party_name: str = Field(max_length=120)
    party_contact: str = Field(default="", max_length=200)
    matters: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sent_on: date
    party_received_on: date | None = None
    window_due: date | None = None
    opinion: str | None = Field(default=None, max_length=20)  # agree / object / silent
    opinion_received_on: date | None = None
    opinion_summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    closed: bool = False


class FeeNotice(SQLModel, table=True):
    """收费通知 (国办函〔2020〕109号)."""

    __tablename__ = "fee_notice"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    basis: str = Field(max_length=20)  # FeeBasis
    quantity: int
    earlier_quantity: int = 0
    amount: int  # 元
    bands: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    sent_on: date
    received_on: date | None = None  # the applicant's receipt; the window runs from it
    window_due: date | None = None
    paid_on: date | None = None
    receipt_number: str = Field(default="", max_length=60)
    lapsed: bool = False


class Delivery(SQLModel, table=True):
    """送达 (国办公开办函〔2016〕235号): how and when the reply reached the applicant."""

    __tablename__ = "delivery"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    method: str = Field(max_length=20)  # direct / entrusted / post / electronic
    delivered_on: date  # signature date, or the posting date for mail
    posted_on: date | None = None
    tracking_number: str = Field(default="", max_length=60)
    recipient: str = Field(default="", max_length=120)
    proof: str = Field(default="", max_length=300)


class Remedy(SQLModel, table=True):
    """行政复议 or 行政诉讼 against a case's decision (annual report table 四)."""

    __tablename__ = "remedy"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    kind: str = Field(max_length=30)  # review / litigation_direct / litigation_after_review
    filed_on: date
    body: str = Field(default="", max_length=120)
    reference: str = Field(default="", max_length=120)
    result: str = Field(
        default="pending", max_length=20
    )  # maintained / corrected / other / pending
    result_on: date | None = None


class CaseEvent(SQLModel, table=True):
    """One immutable entry in a case's history, chained to the one before by its hash."""

    __tablename__ = "case_event"
    __table_args__ = (
        UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),
        # A case's events of one kind by date: lapses, first conclusions, locked-report checks.
        Index("ix_case_event_case_trigger_on", "case_id", "trigger", "on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="gk_case.id", index=True)
    seq: int
    trigger: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=30)
    to_state: str = Field(max_length=30)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor_name: str = Field(default="", max_length=60)
    on: date  # the business date: the day the action legally took place (Beijing)
    at: datetime  # when it was recorded (UTC)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)  # HMAC-SHA256 under key_id; plain SHA-256 when key_id is ""
    key_id: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    #: The client's key for this request (a form's, or the API's ``Idempotency-Key``): the same
    #: request sent again is answered with this event. Not a fact of the case; not in the hash.
    request_key: str | None = Field(default=None, max_length=64)


class Counter(SQLModel, table=True):
    """Sequence numbers per agency, year and kind (case numbers, 文号), allocated atomically."""

    __tablename__ = "counter"

    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    year: int = Field(primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    value: int = 0
