from __future__ import annotations

import secrets
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
    strong = secrets.token_urlsafe(32)
    assert Settings(environment="production", secret_key=strong).signing_key() == strong


@pytest.mark.parametrize("weak", ["x", "s" * 64, "password123password123password123password123", "短"])
def test_production_refuses_a_weak_secret_key(weak: str) -> None:
    with pytest.raises(ValidationError, match="DISPATCH_SECRET_KEY"):
        Settings(environment="production", secret_key=weak)


def test_a_hex_key_of_32_random_bytes_is_strong_enough() -> None:
    Settings(environment="production", secret_key=secrets.token_hex(32))


def test_without_a_key_postgres_development_keeps_its_generated_key_in_the_user_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/devdb"
    key = Settings(database_url=url).signing_key()
    assert Settings(database_url=url).signing_key() == key
    stored = [p for p in (tmp_path / "home").rglob("*") if p.is_file()]
    assert [p.read_text() for p in stored] == [key]
    assert stored[0].stat().st_mode & 0o077 == 0
    assert not any(part.startswith("postgresql") for p in tmp_path.rglob("*") for part in p.parts)


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


def test_seed_is_refused_in_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dispatch.cli import main
    from dispatch.settings import get_settings

    monkeypatch.setenv("DISPATCH_ENVIRONMENT", "production")
    monkeypatch.setenv("DISPATCH_SECRET_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("DISPATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as refused:
            main(["seed", "--scale", "small"])
    finally:
        get_settings.cache_clear()
    assert refused.value.code not in (0, None)
    assert not (tmp_path / "prod.db").exists()
