"""Benchmarks create the databases they need: a fresh machine has the PostgreSQL server, not the database."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def ensure_postgres_database(url: str) -> None:
    """Create the database named in `url` if it does not exist yet; raises if the server is unreachable."""
    target = make_url(url)
    name = target.database
    if not name:
        raise ValueError(f"no database name in {url!r}")
    admin_url = target.set(database="postgres").render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists is None:
                quoted = name.replace('"', '""')
                connection.execute(text(f'CREATE DATABASE "{quoted}"'))
    finally:
        admin.dispose()
