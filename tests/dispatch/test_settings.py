from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dispatch.settings import SECRET_FILE_NAME, Settings


def test_postgres_urls_get_the_psycopg_driver() -> None:
    assert Settings(database_url="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    assert Settings(database_url="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_production_requires_a_secret_key() -> None:
    with pytest.raises(ValidationError, match="DISPATCH_SECRET_KEY"):
        Settings(environment="production")
    assert Settings(environment="production", secret_key="s" * 40).signing_key() == "s" * 40


def test_embedded_default_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}")
    key = settings.signing_key()
    assert len(key) >= 32
    assert (tmp_path / SECRET_FILE_NAME).read_text() == key
    assert Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}").signing_key() == key


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_RESCUE_RADIUS_KM", "120")
    monkeypatch.setenv("DISPATCH_REDIS_URL", "")
    settings = Settings()
    assert settings.rescue_radius_km == 120
    assert settings.redis_url is None
