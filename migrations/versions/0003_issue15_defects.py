"""issue 15: plates in one spelling, one campaign per van and day, one booking per owner and day

Revision ID: 0003
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from dispatch.campaigns.booking_keys import open_owner_key
from dispatch.owners.plates import normalise_plate

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _normalise_plates()
    op.create_table(
        "campaign_van_days",
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"]),
        sa.PrimaryKeyConstraint("van_id", "service_date"),
    )
    op.create_index("ix_campaign_van_days_campaign_id", "campaign_van_days", ["campaign_id"])
    _fill_campaign_van_days()
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("open_owner_key", sa.String(length=80), nullable=True))
    _fill_open_owner_keys()
    op.create_index("ix_bookings_open_owner_key", "bookings", ["open_owner_key"], unique=True)
    with op.batch_alter_table("rescue_jobs") as batch:
        batch.add_column(
            sa.Column("address_source", sa.String(length=12), nullable=False, server_default="caller")
        )
        batch.add_column(sa.Column("location_conflict_km", sa.Float(), nullable=True))
    with op.batch_alter_table("rescue_jobs") as batch:
        batch.alter_column("address_source", server_default=None)


def downgrade() -> None:
    # Normalised plates stay normalised: the old spellings are not kept.
    with op.batch_alter_table("rescue_jobs") as batch:
        batch.drop_column("location_conflict_km")
        batch.drop_column("address_source")
    op.drop_index("ix_bookings_open_owner_key", table_name="bookings")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("open_owner_key")
    op.drop_index("ix_campaign_van_days_campaign_id", table_name="campaign_van_days")
    op.drop_table("campaign_van_days")


def _fill_campaign_van_days() -> None:
    """Existing campaigns take their vans' days, first come first served (a later clash is left out)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT cv.van_id, cd.service_date, c.id FROM campaigns c "
            "JOIN campaign_vans cv ON cv.campaign_id = c.id "
            "JOIN campaign_days cd ON cd.campaign_id = c.id ORDER BY c.created_at"
        )
    ).all()
    taken: set[tuple[object, object]] = set()
    for van_id, service_date, campaign_id in rows:
        if (van_id, service_date) in taken:
            continue
        taken.add((van_id, service_date))
        bind.execute(
            sa.text("INSERT INTO campaign_van_days (van_id, service_date, campaign_id) VALUES (:v, :d, :c)"),
            {"v": van_id, "d": service_date, "c": campaign_id},
        )


def _fill_open_owner_keys() -> None:
    """Booked bookings take their key, oldest first; a duplicate booked earlier keeps none."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, service_date, owner_id, vehicle_id, phone FROM bookings "
            "WHERE status = 'booked' ORDER BY created_at"
        )
    ).all()
    taken: set[str] = set()
    for booking_id, service_date, owner_id, vehicle_id, phone in rows:
        key = open_owner_key(str(service_date)[:10], owner_id, vehicle_id, phone)
        if key in taken:
            continue
        taken.add(key)
        bind.execute(
            sa.text("UPDATE bookings SET open_owner_key = :k WHERE id = :i"), {"k": key, "i": booking_id}
        )


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
