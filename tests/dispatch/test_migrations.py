"""The migrations build the schema the models describe, and can be undone and redone, on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import dispatch.tables  # noqa: F401
import field_app_api.models  # noqa: F401
from dispatch import schema
from dispatch.settings import Settings
from tests.conftest import TEST_DATABASE_URL, is_postgres


@pytest.fixture
def scratch_settings(tmp_path) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """An empty database of the same backend as the test run, separate from the seeded one."""
    if not is_postgres():
        yield Settings(database_url=f"sqlite:///{tmp_path / 'scratch.db'}", secret_key="x")
        return
    assert TEST_DATABASE_URL is not None
    url = make_url(TEST_DATABASE_URL)
    scratch = f"{url.database}_migrations"
    admin = create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{scratch}"'))
    yield Settings(
        database_url=url.set(database=scratch).render_as_string(hide_password=False), secret_key="x"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    admin.dispose()


def _table_names(settings: Settings) -> set[str]:
    engine = create_engine(settings.database_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_settings: Settings) -> None:
    schema.upgrade(scratch_settings)
    assert _table_names(scratch_settings) == set(SQLModel.metadata.tables)
    schema.downgrade(scratch_settings, "base")
    assert _table_names(scratch_settings) == set()
    schema.upgrade(scratch_settings)
    assert _table_names(scratch_settings) == set(SQLModel.metadata.tables)


def test_migrated_schema_matches_the_models(scratch_settings: Settings) -> None:
    schema.upgrade(scratch_settings)
    engine = create_engine(scratch_settings.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_issue15_migration_normalises_stored_plates(scratch_settings: Settings) -> None:
    """Plates stored before plates were normalised (issue 15 defect 5) are rewritten in one spelling."""
    schema.upgrade(scratch_settings, "0001")
    engine = create_engine(scratch_settings.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO owners (id, name, phone, county_adcode, address, lat, lon, created_at) "
                    "VALUES (1, '王', '13800000000', '330226', '宁海', 29.3, 121.4, '2026-11-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO vehicles (id, owner_id, plate, vin, model, powertrain, mileage_km) "
                    "VALUES (1, 1, '浙 b12345', 'LSVAA4182E2100001', 'S7', 'ice', 0)"
                )
            )
        schema.upgrade(scratch_settings)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT plate FROM vehicles")).scalar_one() == "浙B12345"
    finally:
        engine.dispose()
