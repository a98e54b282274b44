"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:17:24.700587
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("van_id", sa.Integer(), nullable=True),
        sa.Column("city_adcode", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_booking_id_id", ["booking_id", "id"], unique=False)
        batch_op.create_index("ix_events_job_id_id", ["job_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_van_id"), ["van_id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response_body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_records")),
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False)

    op.create_table(
        "owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("county_adcode", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owners")),
    )
    with op.batch_alter_table("owners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owners_county_adcode"), ["county_adcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_owners_phone"), ["phone"], unique=False)

    op.create_table(
        "service_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("star_rating", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("county_adcode", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("city_adcode", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_service_stations_code")),
    )
    with op.batch_alter_table("service_stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_stations_city_adcode"), ["city_adcode"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_stations_county_adcode"), ["county_adcode"], unique=False
        )

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column(
            "county_adcodes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "area_geojson",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("host_station_id", sa.Integer(), nullable=False),
        sa.Column(
            "services",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "gathering_points",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["host_station_id"],
            ["service_stations.id"],
            name=op.f("fk_campaigns_host_station_id_service_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("reference", name=op.f("uq_campaigns_reference")),
    )
    op.create_table(
        "vans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column(
            "capabilities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("capacity_units", sa.Integer(), nullable=False),
        sa.Column("current_job_id", sa.Uuid(), nullable=True),
        sa.Column("last_lat", sa.Float(), nullable=True),
        sa.Column("last_lon", sa.Float(), nullable=True),
        sa.Column("last_position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_speed_kmh", sa.Float(), nullable=True),
        sa.Column("last_heading_deg", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"], ["service_stations.id"], name=op.f("fk_vans_station_id_service_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vans")),
        sa.UniqueConstraint("current_job_id", name=op.f("uq_vans_current_job_id")),
        sa.UniqueConstraint("plate", name=op.f("uq_vans_plate")),
    )
    with op.batch_alter_table("vans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vans_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_vans_station_id"), ["station_id"], unique=False)

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("plate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("vin", sqlmodel.sql.sqltypes.AutoString(length=17), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("powertrain", sa.String(length=10), nullable=False),
        sa.Column("last_service_date", sa.Date(), nullable=True),
        sa.Column("last_service_mileage_km", sa.Integer(), nullable=True),
        sa.Column("mileage_km", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["owners.id"], name=op.f("fk_vehicles_owner_id_owners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("plate", name=op.f("uq_vehicles_plate")),
        sa.UniqueConstraint("vin", name=op.f("uq_vehicles_vin")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vehicles_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("service_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("gathering_point", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_arrival_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_bookings_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["owners.id"], name=op.f("fk_bookings_owner_id_owners")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_bookings_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_bookings_service_date"), ["service_date"], unique=False)

    op.create_table(
        "campaign_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("booked_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_days_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_days")),
        sa.UniqueConstraint("campaign_id", "service_date", name=op.f("uq_campaign_days_campaign_id")),
    )
    with op.batch_alter_table("campaign_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_days_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "campaign_vans",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("shift_start", sa.Time(), nullable=False),
        sa.Column("shift_end", sa.Time(), nullable=False),
        sa.Column("lunch_start", sa.Time(), nullable=True),
        sa.Column("lunch_end", sa.Time(), nullable=True),
        sa.Column("lunch_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_vans_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_campaign_vans_van_id_vans")),
        sa.PrimaryKeyConstraint("campaign_id", "van_id", name=op.f("pk_campaign_vans")),
    )
    op.create_table(
        "gps_pings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_gps_pings_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gps_pings")),
    )
    with op.batch_alter_table("gps_pings", schema=None) as batch_op:
        batch_op.create_index("ix_gps_pings_van_id_recorded_at", ["van_id", "recorded_at"], unique=False)

    op.create_table(
        "rescue_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column(
            "priority_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("caller_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("caller_phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_plate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("vehicle_vin", sqlmodel.sql.sqltypes.AutoString(length=17), nullable=True),
        sa.Column("vehicle_model", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("powertrain", sa.String(length=10), nullable=False),
        sa.Column("open_vehicle_key", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("fault_category", sa.String(length=20), nullable=False),
        sa.Column("fault_description", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("location_source", sa.String(length=10), nullable=False),
        sa.Column("reported_lat", sa.Float(), nullable=True),
        sa.Column("reported_lon", sa.Float(), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("geocode_precision", sa.String(length=10), nullable=False),
        sa.Column("province_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("city_adcode", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("county_adcode", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("van_id", sa.Integer(), nullable=True),
        sa.Column("eta_s", sa.Integer(), nullable=True),
        sa.Column("eta_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("promised_eta_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_count", sa.Integer(), nullable=False),
        sa.Column("needs_attention", sa.Boolean(), nullable=False),
        sa.Column("attention_reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("towed_to_station_id", sa.Integer(), nullable=True),
        sa.Column("closed_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("fault_found", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("work_done", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("labour_minutes", sa.Integer(), nullable=True),
        sa.Column("repaired_on_site", sa.Boolean(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["towed_to_station_id"],
            ["service_stations.id"],
            name=op.f("fk_rescue_jobs_towed_to_station_id_service_stations"),
        ),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_rescue_jobs_van_id_vans")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_rescue_jobs_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescue_jobs")),
        sa.UniqueConstraint("open_vehicle_key", name=op.f("uq_rescue_jobs_open_vehicle_key")),
    )
    with op.batch_alter_table("rescue_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rescue_jobs_city_adcode"), ["city_adcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_rescue_jobs_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_rescue_jobs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_rescue_jobs_van_id"), ["van_id"], unique=False)

    op.create_table(
        "route_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("solver_status", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("solve_time_s", sa.Float(), nullable=False),
        sa.Column("total_km", sa.Float(), nullable=False),
        sa.Column("total_travel_s", sa.Integer(), nullable=False),
        sa.Column("total_wait_s", sa.Integer(), nullable=False),
        sa.Column(
            "dropped",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_route_plans_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_plans")),
        sa.UniqueConstraint(
            "campaign_id", "service_date", "version", name=op.f("uq_route_plans_campaign_id")
        ),
    )
    with op.batch_alter_table("route_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_route_plans_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "technicians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=True),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_technicians_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technicians")),
    )
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technicians_van_id"), ["van_id"], unique=False)

    op.create_table(
        "job_attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_path", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["rescue_jobs.id"], name=op.f("fk_job_attachments_job_id_rescue_jobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_attachments")),
    )
    with op.batch_alter_table("job_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_attachments_job_id"), ["job_id"], unique=False)

    op.create_table(
        "job_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["rescue_jobs.id"], name=op.f("fk_job_notes_job_id_rescue_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_notes")),
    )
    with op.batch_alter_table("job_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_notes_job_id"), ["job_id"], unique=False)

    op.create_table(
        "job_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("eta_s", sa.Integer(), nullable=True),
        sa.Column("offered_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("override_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["rescue_jobs.id"], name=op.f("fk_job_offers_job_id_rescue_jobs")
        ),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_job_offers_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_offers")),
    )
    with op.batch_alter_table("job_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_offers_job_id"), ["job_id"], unique=False)
        batch_op.create_index("ix_job_offers_status_expires_at", ["status", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_offers_van_id"), ["van_id"], unique=False)

    op.create_table(
        "job_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("part_number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["rescue_jobs.id"], name=op.f("fk_job_parts_job_id_rescue_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_parts")),
    )
    with op.batch_alter_table("job_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_parts_job_id"), ["job_id"], unique=False)

    op.create_table(
        "plan_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("arrival_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.Column("travel_km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_plan_visits_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["route_plans.id"], name=op.f("fk_plan_visits_plan_id_route_plans")
        ),
        sa.ForeignKeyConstraint(["van_id"], ["vans.id"], name=op.f("fk_plan_visits_van_id_vans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_visits")),
    )
    with op.batch_alter_table("plan_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_visits_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_visits_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "tracking_links",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_tracking_links_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["rescue_jobs.id"], name=op.f("fk_tracking_links_job_id_rescue_jobs")
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_tracking_links")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_tracking_links_booking_id")),
        sa.UniqueConstraint("job_id", name=op.f("uq_tracking_links_job_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_users_technician_id_technicians")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("technician_id", name=op.f("uq_users_technician_id")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_username"), ["username"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_username"))

    op.drop_table("users")
    op.drop_table("tracking_links")
    with op.batch_alter_table("plan_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_visits_plan_id"))
        batch_op.drop_index(batch_op.f("ix_plan_visits_booking_id"))

    op.drop_table("plan_visits")
    with op.batch_alter_table("job_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_parts_job_id"))

    op.drop_table("job_parts")
    with op.batch_alter_table("job_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_offers_van_id"))
        batch_op.drop_index("ix_job_offers_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_job_offers_job_id"))

    op.drop_table("job_offers")
    with op.batch_alter_table("job_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_notes_job_id"))

    op.drop_table("job_notes")
    with op.batch_alter_table("job_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_attachments_job_id"))

    op.drop_table("job_attachments")
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technicians_van_id"))

    op.drop_table("technicians")
    with op.batch_alter_table("route_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_route_plans_campaign_id"))

    op.drop_table("route_plans")
    with op.batch_alter_table("rescue_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rescue_jobs_van_id"))
        batch_op.drop_index(batch_op.f("ix_rescue_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_rescue_jobs_reference"))
        batch_op.drop_index(batch_op.f("ix_rescue_jobs_city_adcode"))

    op.drop_table("rescue_jobs")
    with op.batch_alter_table("gps_pings", schema=None) as batch_op:
        batch_op.drop_index("ix_gps_pings_van_id_recorded_at")

    op.drop_table("gps_pings")
    op.drop_table("campaign_vans")
    with op.batch_alter_table("campaign_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_days_campaign_id"))

    op.drop_table("campaign_days")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_service_date"))
        batch_op.drop_index(batch_op.f("ix_bookings_reference"))
        batch_op.drop_index(batch_op.f("ix_bookings_campaign_id"))

    op.drop_table("bookings")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_owner_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("vans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vans_station_id"))
        batch_op.drop_index(batch_op.f("ix_vans_kind"))

    op.drop_table("vans")
    op.drop_table("campaigns")
    with op.batch_alter_table("service_stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_stations_county_adcode"))
        batch_op.drop_index(batch_op.f("ix_service_stations_city_adcode"))

    op.drop_table("service_stations")
    with op.batch_alter_table("owners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owners_phone"))
        batch_op.drop_index(batch_op.f("ix_owners_county_adcode"))

    op.drop_table("owners")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))

    op.drop_table("idempotency_records")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_van_id"))
        batch_op.drop_index(batch_op.f("ix_events_kind"))
        batch_op.drop_index("ix_events_job_id_id")
        batch_op.drop_index("ix_events_booking_id_id")

    op.drop_table("events")
