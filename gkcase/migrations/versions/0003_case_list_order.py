"""The case list's order as an index, on PostgreSQL (issue #8; docs/performance.md, "HTTP load").

``(agency_id, reply_due IS NULL, reply_due, id)``: a page of an agency's list comes from the index
instead of a sort of all its cases, and its count from an index-only scan. Not on SQLite, whose
planner would also take it for the overdue list (gkcase/models/case.py, CASE_LIST_ORDER_INDEX).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.create_index(
            "ix_gk_case_agency_list_order",
            "gk_case",
            [
                "agency_id",
                sa.literal_column("(reply_due IS NULL)"),
                "reply_due",
                "id",
            ],
            unique=False,
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("ix_gk_case_agency_list_order", table_name="gk_case")
