"""The record of each recompute a calendar change makes (issue #18, "one due date everywhere").

``calendar_recompute``: who changed the calendar, when, what, and how many open cases it moved;
``calendar_recompute_case``: each case moved, its dates before and after, and the issued letters
that stated a date that has now changed. Nothing existing changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_recompute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("change", sa.String(length=300), nullable=False),
        sa.Column("version_before", sa.String(length=12), nullable=False),
        sa.Column("version_after", sa.String(length=12), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("letters", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "calendar_recompute_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recompute_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reply_due_before", sa.Date(), nullable=True),
        sa.Column("reply_due_after", sa.Date(), nullable=True),
        sa.Column("projected_due_before", sa.Date(), nullable=True),
        sa.Column("projected_due_after", sa.Date(), nullable=True),
        sa.Column("next_window_due_before", sa.Date(), nullable=True),
        sa.Column("next_window_due_after", sa.Date(), nullable=True),
        sa.Column("provisional_before", sa.Boolean(), nullable=False),
        sa.Column("provisional_after", sa.Boolean(), nullable=False),
        sa.Column("status_before", sa.String(length=20), nullable=False),
        sa.Column("status_after", sa.String(length=20), nullable=False),
        sa.Column("letters", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["gk_case.id"]),
        sa.ForeignKeyConstraint(["recompute_id"], ["calendar_recompute.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("case_id", "recompute_id"):
        op.create_index(
            op.f(f"ix_calendar_recompute_case_{column}"),
            "calendar_recompute_case",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("case_id", "recompute_id"):
        op.drop_index(
            op.f(f"ix_calendar_recompute_case_{column}"), table_name="calendar_recompute_case"
        )
    op.drop_table("calendar_recompute_case")
    op.drop_table("calendar_recompute")
