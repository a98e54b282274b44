"""The one place configuration is read from the environment.

Every setting is a `DISPATCH_*` environment variable (or a line in a `.env` file). The defaults run the
embedded system: a SQLite file in the working directory, in-process event fan-out, a secret key generated
once and kept beside the database. Production mode refuses to start without an explicit secret key.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.datums import Datum

SECRET_FILE_NAME = ".dispatch-secret"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Typed settings; read once at start-up and passed down."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///./dispatch.db"
    redis_url: str | None = None
    # Pub/sub channel of this deployment's event bus (several deployments may share one Redis).
    redis_channel: str = "dispatch:events"
    secret_key: str | None = Field(default=None, repr=False)
    token_ttl_minutes: Annotated[int, Field(gt=0)] = 12 * 60
    # How long an API worker trusts its memory of a token's user (active? which role?); 0 reads every time.
    auth_user_cache_s: Annotated[float, Field(ge=0)] = 5.0

    rescue_radius_km: Annotated[float, Field(gt=0)] = 150.0
    offer_timeout_s: Annotated[int, Field(gt=0)] = 90
    max_declines: Annotated[int, Field(ge=1)] = 3
    ping_fresh_minutes: Annotated[int, Field(gt=0)] = 30
    offer_sweep_interval_s: Annotated[float, Field(gt=0)] = 2.0
    background_workers: bool = True
    # Matching keeps the slow-changing part of the fleet (stations, capabilities, shifts) in memory this long.
    fleet_snapshot_ttl_s: Annotated[float, Field(ge=0)] = 30.0
    # Optional online geocoder for addresses the offline table resolves only coarsely (a geopy service name,
    # e.g. "baidu"); None keeps geocoding fully offline.
    online_geocoder: str | None = None
    online_geocoder_key: str | None = Field(default=None, repr=False)

    # Travel-time model: geodesic distance x circuity / speed, unless a road-network table service is set.
    road_circuity: Annotated[float, Field(ge=1.0)] = 1.3
    urban_speed_kmh: Annotated[float, Field(gt=0)] = 35.0
    rural_speed_kmh: Annotated[float, Field(gt=0)] = 55.0
    highway_speed_kmh: Annotated[float, Field(gt=0)] = 80.0
    osrm_url: str | None = None

    # Coverage: how far a fixed service station's everyday service reaches, as opposed to rescue reach.
    station_service_radius_km: Annotated[float, Field(gt=0)] = 30.0

    # Countryside campaigns: booked arrival windows, the quick feasibility solve behind each offered window,
    # the day-plan solve, and the narrower window an owner is told once the day plan is published.
    booking_window_minutes: Annotated[int, Field(ge=30, le=480)] = 120
    booking_check_time_limit_s: Annotated[float, Field(gt=0)] = 0.5
    day_plan_time_limit_s: Annotated[float, Field(gt=0)] = 5.0
    owner_arrival_window_minutes: Annotated[int, Field(ge=10, le=240)] = 60

    demo_password: str = Field(default="demo", repr=False)
    # `dispatch serve` seeds the province demo world into an empty database; never in production.
    demo_seed: bool = True
    upload_dir: Path = Path("uploads")
    max_upload_bytes: Annotated[int, Field(gt=0)] = 10 * 1024 * 1024
    # Field tablets: how long a write's Idempotency-Key is remembered (a tablet may be offline for a day),
    # and how far a fresh ETA must move before the job's ETA and its "job.eta" event are updated.
    idempotency_retention_hours: Annotated[int, Field(ge=24)] = 72
    eta_update_threshold_s: Annotated[int, Field(ge=0)] = 60
    display_timezone: str = "Asia/Shanghai"
    # Live streams: per-client mailbox size (overflow = disconnect with "resume"), idle heartbeat interval,
    # and how long a client may take to send its token as the first message.
    stream_queue_size: Annotated[int, Field(ge=1)] = 1024
    stream_heartbeat_s: Annotated[float, Field(gt=0)] = 20.0
    stream_auth_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    tracking_link_ttl_hours: Annotated[int, Field(gt=0)] = 24
    public_base_url: str = "http://127.0.0.1:8000"
    # --- issue 11: web consoles ---
    # Map tiles: empty = no tile layer (a blank background that works offline; markers and circles still
    # show). Chinese providers (AMap, Tencent) draw in GCJ-02: set the datum so markers are shifted onto them.
    map_tile_url: str = ""
    map_tile_datum: Datum = Datum.WGS84
    map_tile_attribution: str = ""

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, url: str) -> str:
        """Accept the URLs people paste (postgres://, postgresql://) and pick the psycopg 3 driver."""
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator("redis_url")
    @classmethod
    def _empty_redis_is_none(cls, url: str | None) -> str | None:
        return url or None

    @model_validator(mode="after")
    def _production_needs_secret(self) -> Settings:
        if self.environment is Environment.PRODUCTION and not self.secret_key:
            raise ValueError(
                "DISPATCH_SECRET_KEY must be set in production / 生产环境必须设置 DISPATCH_SECRET_KEY"
            )
        return self

    @property
    def seeds_demo_world(self) -> bool:
        return self.demo_seed and self.environment is Environment.DEVELOPMENT

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_directory(self) -> Path:
        """Directory of the SQLite file, where the embedded default keeps its generated secret."""
        path = self.database_url.split("///", 1)[-1]
        if not path or path == ":memory:":
            return Path.cwd()
        return Path(path).resolve().parent

    def signing_key(self) -> str:
        """The JWT signing key: the configured one, or one generated once and stored locally."""
        if self.secret_key:
            return self.secret_key
        secret_file = self.sqlite_directory() / SECRET_FILE_NAME
        if not secret_file.exists():
            secret_file.parent.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        key = secret_file.read_text().strip()
        self.secret_key = key
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
