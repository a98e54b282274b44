"""Issue 15 item 8: a benchmark creates its PostgreSQL database instead of skipping the backend."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.databases import ensure_postgres_database
from tests.conftest import TEST_DATABASE_URL, is_postgres


@pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL (DISPATCH_TEST_DATABASE_URL)")
def test_a_missing_benchmark_database_is_created_and_an_existing_one_kept() -> None:
    assert TEST_DATABASE_URL is not None
    name = f"bench_{uuid.uuid4().hex[:12]}"
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(
        make_url(TEST_DATABASE_URL).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        ensure_postgres_database(url)
        ensure_postgres_database(url)  # a second run finds it
        engine = create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar_one() == name
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_unreachable_server_fails_loudly() -> None:
    with pytest.raises(Exception):  # noqa: B017  (the driver's own connection error)
        ensure_postgres_database("postgresql+psycopg://postgres@127.0.0.1:1/field_bench")
