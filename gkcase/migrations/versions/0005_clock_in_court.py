"""The statutory clock as a court reads it (issue #18).

``agency.explanation_period_workdays``: the applicant's period to explain a request's volume or
frequency (Art 35 names none; default 10 working days). ``agency.confirmation_workdays``: by
when an internet or fax application is confirmed (Art 31(三) names no day; default the next
working day). ``fee_notice.received_on`` and ``window_due`` may be empty: the payment window
runs from the applicant's receipt of the notice, which is recorded when it is known, not
assumed to be the day the notice was sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.add_column(
            sa.Column(
                "explanation_period_workdays", sa.Integer(), nullable=False, server_default="10"
            )
        )
        batch.add_column(
            sa.Column("confirmation_workdays", sa.Integer(), nullable=False, server_default="1")
        )
    # SQLite rebuilds the table; its foreign key's target (gk_case) need not be reflected, and
    # cannot be cleanly (an expression index), so only fee_notice is read.
    with op.batch_alter_table("fee_notice", reflect_kwargs={"resolve_fks": False}) as batch:
        batch.alter_column("received_on", existing_type=sa.Date(), nullable=True)
        batch.alter_column("window_due", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    # A notice whose receipt was never recorded gets the sending day back, as before.
    op.execute("UPDATE fee_notice SET received_on = sent_on WHERE received_on IS NULL")
    op.execute("UPDATE fee_notice SET window_due = sent_on WHERE window_due IS NULL")
    with op.batch_alter_table("fee_notice", reflect_kwargs={"resolve_fks": False}) as batch:
        batch.alter_column("window_due", existing_type=sa.Date(), nullable=False)
        batch.alter_column("received_on", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("agency") as batch:
        batch.drop_column("confirmation_workdays")
        batch.drop_column("explanation_period_workdays")
