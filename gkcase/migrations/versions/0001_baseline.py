"""Baseline: the schema ``SQLModel.metadata.create_all`` made before there were migrations.

The models of commit c85d737 (issues #1–#7): every table with its primary key, foreign keys and
unique constraints, the indexes of ``index=True`` columns, and the partial index
``ix_case_event_reopen`` (gkcase/models/report.py). A database create_all made then is adopted
by stamping this revision (``gkcase.migrations.upgrade``).

Revision ID: 0001
Revises:
Create Date: 2026-11-24 20:14:51.799615
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("short_name", sa.String(length=40), nullable=False),
        sa.Column("letter_prefix", sa.String(length=40), nullable=False),
        sa.Column("review_body", sa.String(length=120), nullable=False),
        sa.Column("court", sa.String(length=120), nullable=False),
        sa.Column("vertical", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("fee_window_pauses_clock", sa.Boolean(), nullable=False),
        sa.Column("consultation_pause_from", sa.String(length=10), nullable=False),
        sa.Column("correction_period_workdays", sa.Integer(), nullable=False),
        sa.Column("at_risk_workdays", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(op.f("ix_agency_parent_id"), "agency", ["parent_id"], unique=False)
    op.create_index(op.f("ix_agency_path"), "agency", ["path"], unique=False)
    op.create_table(
        "applicant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("id_type", sa.String(length=30), nullable=False),
        sa.Column("id_number", sa.String(length=40), nullable=False),
        sa.Column("identity_key", sa.String(length=64), nullable=False),
        sa.Column("contact_person", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_applicant_identity_key"), "applicant", ["identity_key"], unique=False)
    op.create_index(op.f("ix_applicant_kind"), "applicant", ["kind"], unique=False)
    op.create_index(op.f("ix_applicant_name"), "applicant", ["name"], unique=False)
    op.create_table(
        "calendar_day_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_calendar_day_mark_day"), "calendar_day_mark", ["day"], unique=False)
    op.create_table(
        "calendar_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=True),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_calendar_notice_year"), "calendar_notice", ["year"], unique=False)
    op.create_table(
        "calendar_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_login_attempt_at"), "login_attempt", ["at"], unique=False)
    op.create_index(op.f("ix_login_attempt_username"), "login_attempt", ["username"], unique=False)
    op.create_table(
        "public_lookup_window",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("client", "window_start"),
    )
    op.create_index(
        op.f("ix_public_lookup_window_window_start"),
        "public_lookup_window",
        ["window_start"],
        unique=False,
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("full_name", sa.String(length=60), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_index(op.f("ix_app_user_agency_id"), "app_user", ["agency_id"], unique=False)
    op.create_table(
        "counter",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("agency_id", "year", "kind"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "gk_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("lookup_code", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("arrived_on", sa.Date(), nullable=True),
        sa.Column("signed_for_on", sa.Date(), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("receipt_date", sa.Date(), nullable=True),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("applicant_kind", sa.String(length=20), nullable=False),
        sa.Column("information_requested", sa.Text(), nullable=False),
        sa.Column("form_requested", sa.String(length=200), nullable=False),
        sa.Column("delivery_requested", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("draft_version", sa.Integer(), nullable=False),
        sa.Column("approved_draft_version", sa.Integer(), nullable=True),
        sa.Column("replied_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("clock_status", sa.String(length=20), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=True),
        sa.Column("projected_due", sa.Date(), nullable=True),
        sa.Column("next_window_due", sa.Date(), nullable=True),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("calendar_version", sa.String(length=12), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_event_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "idempotency_key", name="uq_case_idempotency"),
        sa.UniqueConstraint("agency_id", "year", "seq", name="uq_case_number"),
    )
    op.create_index(op.f("ix_gk_case_agency_id"), "gk_case", ["agency_id"], unique=False)
    op.create_index(op.f("ix_gk_case_applicant_id"), "gk_case", ["applicant_id"], unique=False)
    op.create_index(op.f("ix_gk_case_assignee_id"), "gk_case", ["assignee_id"], unique=False)
    op.create_index(op.f("ix_gk_case_clock_status"), "gk_case", ["clock_status"], unique=False)
    op.create_index(op.f("ix_gk_case_closed_on"), "gk_case", ["closed_on"], unique=False)
    op.create_index(op.f("ix_gk_case_number"), "gk_case", ["number"], unique=False)
    op.create_index(op.f("ix_gk_case_outcome"), "gk_case", ["outcome"], unique=False)
    op.create_index(op.f("ix_gk_case_receipt_date"), "gk_case", ["receipt_date"], unique=False)
    op.create_index(op.f("ix_gk_case_replied_on"), "gk_case", ["replied_on"], unique=False)
    op.create_index(op.f("ix_gk_case_reply_due"), "gk_case", ["reply_due"], unique=False)
    op.create_index(op.f("ix_gk_case_state"), "gk_case", ["state"], unique=False)
    op.create_table(
        "letter_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "kind", "version", name="uq_template_version"),
    )
    op.create_index(
        op.f("ix_letter_template_agency_id"), "letter_template", ["agency_id"], unique=False
    )
    op.create_table(
        "report_lock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("locked_by", sa.Integer(), nullable=False),
        sa.Column("locked_by_name", sa.String(length=60), nullable=False),
        sa.Column("locked_on", sa.Date(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["locked_by"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "year", "scope", name="uq_report_lock"),
    )
    op.create_index(op.f("ix_report_lock_agency_id"), "report_lock", ["agency_id"], unique=False)
    op.create_index(op.f("ix_report_lock_year"), "report_lock", ["year"], unique=False)
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=60), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq", name="uq_case_event_seq"),
    )
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"], unique=False)
    op.create_index(
        "ix_case_event_reopen",
        "case_event",
        ["case_id"],
        unique=False,
        postgresql_where=sa.text("\"trigger\" = 'reopen'"),
        sqlite_where=sa.text("\"trigger\" = 'reopen'"),
    )
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("party_name", sa.String(length=120), nullable=False),
        sa.Column("party_contact", sa.String(length=200), nullable=False),
        sa.Column("matters", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("party_received_on", sa.Date(), nullable=True),
        sa.Column("window_due", sa.Date(), nullable=True),
        sa.Column("opinion", sa.String(length=20), nullable=True),
        sa.Column("opinion_received_on", sa.Date(), nullable=True),
        sa.Column("opinion_summary", sa.Text(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_consultation_case_id"), "consultation", ["case_id"], unique=False)
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=True),
        sa.Column("tracking_number", sa.String(length=60), nullable=False),
        sa.Column("recipient", sa.String(length=120), nullable=False),
        sa.Column("proof", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_delivery_case_id"), "delivery", ["case_id"], unique=False)
    op.create_table(
        "fee_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("earlier_quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("bands", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("window_due", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("receipt_number", sa.String(length=60), nullable=False),
        sa.Column("lapsed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_fee_notice_case_id"), "fee_notice", ["case_id"], unique=False)
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("template_origin", sa.String(length=10), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("template_sha256", sa.String(length=64), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("docx", sa.LargeBinary(), nullable=True),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("gkcase_version", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "number", name="uq_letter_number"),
    )
    op.create_index(op.f("ix_letter_agency_id"), "letter", ["agency_id"], unique=False)
    op.create_index(op.f("ix_letter_case_id"), "letter", ["case_id"], unique=False)
    op.create_index(op.f("ix_letter_kind"), "letter", ["kind"], unique=False)
    op.create_table(
        "letter_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "kind", name="uq_letter_draft"),
    )
    op.create_index(op.f("ix_letter_draft_case_id"), "letter_draft", ["case_id"], unique=False)
    op.create_table(
        "remedy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("body", sa.String(length=120), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_remedy_case_id"), "remedy", ["case_id"], unique=False)
    op.create_table(
        "report_lock_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lock_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["gk_case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lock_id"],
            ["report_lock.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lock_id", "case_id", "event_seq", name="uq_report_lock_flag"),
    )
    op.create_index(
        op.f("ix_report_lock_flag_case_id"), "report_lock_flag", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_report_lock_flag_lock_id"), "report_lock_flag", ["lock_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_lock_flag_lock_id"), table_name="report_lock_flag")
    op.drop_index(op.f("ix_report_lock_flag_case_id"), table_name="report_lock_flag")
    op.drop_table("report_lock_flag")
    op.drop_index(op.f("ix_remedy_case_id"), table_name="remedy")
    op.drop_table("remedy")
    op.drop_index(op.f("ix_letter_draft_case_id"), table_name="letter_draft")
    op.drop_table("letter_draft")
    op.drop_index(op.f("ix_letter_kind"), table_name="letter")
    op.drop_index(op.f("ix_letter_case_id"), table_name="letter")
    op.drop_index(op.f("ix_letter_agency_id"), table_name="letter")
    op.drop_table("letter")
    op.drop_index(op.f("ix_fee_notice_case_id"), table_name="fee_notice")
    op.drop_table("fee_notice")
    op.drop_index(op.f("ix_delivery_case_id"), table_name="delivery")
    op.drop_table("delivery")
    op.drop_index(op.f("ix_consultation_case_id"), table_name="consultation")
    op.drop_table("consultation")
    op.drop_index(
        "ix_case_event_reopen",
        table_name="case_event",
        postgresql_where=sa.text("\"trigger\" = 'reopen'"),
        sqlite_where=sa.text("\"trigger\" = 'reopen'"),
    )
    op.drop_index(op.f("ix_case_event_case_id"), table_name="case_event")
    op.drop_table("case_event")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
    op.drop_index(op.f("ix_report_lock_year"), table_name="report_lock")
    op.drop_index(op.f("ix_report_lock_agency_id"), table_name="report_lock")
    op.drop_table("report_lock")
    op.drop_index(op.f("ix_letter_template_agency_id"), table_name="letter_template")
    op.drop_table("letter_template")
    op.drop_index(op.f("ix_gk_case_state"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_reply_due"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_replied_on"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_receipt_date"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_outcome"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_number"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_closed_on"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_clock_status"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_assignee_id"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_applicant_id"), table_name="gk_case")
    op.drop_index(op.f("ix_gk_case_agency_id"), table_name="gk_case")
    op.drop_table("gk_case")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_table("counter")
    op.drop_index(op.f("ix_app_user_agency_id"), table_name="app_user")
    op.drop_table("app_user")
    op.drop_index(op.f("ix_public_lookup_window_window_start"), table_name="public_lookup_window")
    op.drop_table("public_lookup_window")
    op.drop_index(op.f("ix_login_attempt_username"), table_name="login_attempt")
    op.drop_index(op.f("ix_login_attempt_at"), table_name="login_attempt")
    op.drop_table("login_attempt")
    op.drop_table("calendar_revision")
    op.drop_index(op.f("ix_calendar_notice_year"), table_name="calendar_notice")
    op.drop_table("calendar_notice")
    op.drop_index(op.f("ix_calendar_day_mark_day"), table_name="calendar_day_mark")
    op.drop_table("calendar_day_mark")
    op.drop_index(op.f("ix_applicant_name"), table_name="applicant")
    op.drop_index(op.f("ix_applicant_kind"), table_name="applicant")
    op.drop_index(op.f("ix_applicant_identity_key"), table_name="applicant")
    op.drop_table("applicant")
    op.drop_index(op.f("ix_agency_path"), table_name="agency")
    op.drop_index(op.f("ix_agency_parent_id"), table_name="agency")
    op.drop_table("agency")
