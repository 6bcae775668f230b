"""Indexes for a million cases (issue #8; docs/performance.md, "Scale").

Open cases by due date and by agency (partial, ``clock_status != 'stopped'``), a year's concluded
cases (``coalesce(replied_on, closed_on)``), a case's events of one kind by date, and open
consultations by the end of their window (partial, ``NOT closed``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:32:48.091282
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_case_event_case_trigger_on", "case_event", ["case_id", "trigger", "on"], unique=False
    )
    op.create_index(
        "ix_consultation_open_window_due",
        "consultation",
        ["window_due"],
        unique=False,
        sqlite_where=sa.text("NOT closed"),
        postgresql_where=sa.text("NOT closed"),
    )
    op.create_index(
        "ix_gk_case_concluded",
        "gk_case",
        [sa.literal_column("coalesce(replied_on, closed_on)")],
        unique=False,
    )
    op.create_index(
        "ix_gk_case_open_agency",
        "gk_case",
        ["agency_id", "clock_status", "reply_due", "projected_due"],
        unique=False,
        sqlite_where=sa.text("clock_status != 'stopped'"),
        postgresql_where=sa.text("clock_status != 'stopped'"),
    )
    op.create_index(
        "ix_gk_case_open_projected_due",
        "gk_case",
        ["projected_due"],
        unique=False,
        sqlite_where=sa.text("clock_status != 'stopped'"),
        postgresql_where=sa.text("clock_status != 'stopped'"),
    )
    op.create_index(
        "ix_gk_case_open_reply_due",
        "gk_case",
        ["reply_due"],
        unique=False,
        sqlite_where=sa.text("clock_status != 'stopped'"),
        postgresql_where=sa.text("clock_status != 'stopped'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_gk_case_open_reply_due",
        table_name="gk_case",
        sqlite_where=sa.text("clock_status != 'stopped'"),
        postgresql_where=sa.text("clock_status != 'stopped'"),
    )
    op.drop_index(
        "ix_gk_case_open_projected_due",
        table_name="gk_case",
        sqlite_where=sa.text("clock_status != 'stopped'"),
        postgresql_where=sa.text("clock_status != 'stopped'"),
    )
    op.drop_index(
        "ix_gk_case_open_agency",
        table_name="gk_case",
        sqlite_where=sa.text("clock_status != 'stopped'"),
        postgresql_where=sa.text("clock_status != 'stopped'"),
    )
    op.drop_index("ix_gk_case_concluded", table_name="gk_case")
    op.drop_index(
        "ix_consultation_open_window_due",
        table_name="consultation",
        sqlite_where=sa.text("NOT closed"),
        postgresql_where=sa.text("NOT closed"),
    )
    op.drop_index("ix_case_event_case_trigger_on", table_name="case_event")
