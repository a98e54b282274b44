"""issue 16: sign-in throttles and websocket tickets

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    op.create_table(
        "websocket_tickets",
        sa.Column("ticket_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_websocket_tickets_user_id_users")),
        sa.PrimaryKeyConstraint("ticket_hash", name=op.f("pk_websocket_tickets")),
    )
    with op.batch_alter_table("websocket_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_websocket_tickets_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_websocket_tickets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("websocket_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_websocket_tickets_user_id"))
        batch_op.drop_index(batch_op.f("ix_websocket_tickets_expires_at"))
    op.drop_table("websocket_tickets")
    op.drop_table("sign_in_throttles")
