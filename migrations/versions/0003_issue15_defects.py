"""issue 15: plates in one spelling

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.owners.plates import normalise_plate

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _normalise_plates()


def downgrade() -> None:
    pass  # normalised plates stay normalised: the old spellings are not kept


def _normalise_plates() -> None:
    """Rewrite stored plates in their one spelling; a row whose new spelling is taken keeps its old one."""
    bind = op.get_bind()
    for table, key, columns in (
        ("vehicles", "id", ("plate",)),
        ("vans", "id", ("plate",)),
        ("rescue_jobs", "id", ("vehicle_plate", "open_vehicle_key")),
    ):
        for column in columns:
            rows = bind.execute(sa.text(f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL"))
            for row_id, value in rows.all():
                spelled = normalise_plate(value)
                if spelled == value:
                    continue
                try:
                    with bind.begin_nested():
                        bind.execute(
                            sa.text(f"UPDATE {table} SET {column} = :value WHERE {key} = :id"),
                            {"value": spelled, "id": row_id},
                        )
                except sa.exc.IntegrityError:
                    pass
