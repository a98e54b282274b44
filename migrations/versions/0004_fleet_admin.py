"""fleet administration: retired stations, vans and technicians; ETA kind on jobs and offers

Revision ID: 0004
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RETIRED = ("service_stations", "vans", "technicians")
_ETA_KIND = ("rescue_jobs", "job_offers", "route_plans")


def upgrade() -> None:
    for table in _RETIRED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    for table in _ETA_KIND:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("eta_kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True)
            )


def downgrade() -> None:
    for table in reversed(_ETA_KIND):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("eta_kind")
    for table in reversed(_RETIRED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("retired_at")
