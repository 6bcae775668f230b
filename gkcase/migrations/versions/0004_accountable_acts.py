"""Service accounts, no token acting as another person, legal review as agency policy, and a
keyed audit trail (issue #17).

``case_event.key_id`` names the key of an event's HMAC (empty: a plain SHA-256 from before);
``gk_case.chain_seal`` is the keyed seal over a case's chain head (gkcase/audit.py);
``case_event.request_key`` the client's key of the request that made an event (a repeat gets it);
``gk_case.legacy_letters`` the letters issued outside any event before, kept under the seal. Chains from
before are sealed by ``gkcase init`` with the key, which a migration does not hold.

``agency.legal_review_outcomes``: the outcomes whose reply goes to legal review, never fewer
than the law's floor; every agency starts with gkcase's default (docs/policies.md), the floor
plus 信息不存在, 不属于本机关 and every 不予处理. A draft of those outcomes waiting in 待签发
without a legal approval is sent back (退回重拟) by the office head and submitted for review.

``app_user.service_account`` marks an integration's account (the portal's online form): it acts
as itself in the audit trail. A token an admin minted for another person let the admin act as
that person, with the trail naming the person; such tokens are revoked here. A token belongs to
the person who created it, or to a service account.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The default as it stood when this migration was written (not imported: a migration is frozen).
LEGAL_REVIEW_DEFAULT = (
    "partially_disclosed,withheld_state_secret,withheld_prohibited_by_law,"
    "withheld_security_stability,withheld_third_party,withheld_internal_affairs,"
    "withheld_process_info,withheld_enforcement_file,withheld_admin_query,not_exist,"
    "not_this_agency,petition,repeat_application,publication,excessive_requests,"
    "confirm_or_reissue"
)


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch:
        batch.add_column(
            sa.Column(
                "legal_review_outcomes",
                sa.String(length=600),
                nullable=False,
                server_default=LEGAL_REVIEW_DEFAULT,
            )
        )
    with op.batch_alter_table("case_event") as batch:
        batch.add_column(
            sa.Column("key_id", sa.String(length=20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("request_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("gk_case") as batch:
        batch.add_column(
            sa.Column("chain_seal", sa.String(length=90), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("legacy_letters", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("service_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    token = sa.table(
        "api_token",
        sa.column("user_id", sa.Integer),
        sa.column("created_by", sa.Integer),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        token.update()
        .where(token.c.revoked_at.is_(None))
        .where(token.c.created_by.is_not(None))
        .where(token.c.created_by != token.c.user_id)
        .values(revoked_at=datetime.now(UTC))
    )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild of gk_case would lose the
    # indexes the earlier revisions made on it.
    op.drop_column("app_user", "service_account")
    op.drop_column("agency", "legal_review_outcomes")
    op.drop_column("gk_case", "chain_seal")
    op.drop_column("gk_case", "legacy_letters")
    op.drop_column("case_event", "key_id")
    op.drop_column("case_event", "request_key")
