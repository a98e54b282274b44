"""events: one index on (kind, created_at) for the KPI period scans, instead of kind alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_kind_created_at", "events", ["kind", "created_at"], unique=False)
    op.drop_index("ix_events_kind", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_kind", "events", ["kind"], unique=False)
    op.drop_index("ix_events_kind_created_at", table_name="events")
