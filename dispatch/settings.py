"""The one place configuration is read from the environment.

Every setting is a `DISPATCH_*` environment variable (or a line in a `.env` file). The defaults run the
embedded system: a SQLite file in the working directory, in-process event fan-out, a secret key generated
once and kept beside the database. Production mode refuses to start without an explicit secret key.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AwareDatetime, Field, field_validator, model_validator
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

    # --- issue 16: faults and attacks ---
    # Live streams read the event log; besides every wake-up (a local commit, a Redis message) each worker
    # reads it this often while it has subscribers, which bounds cross-worker latency while Redis is down.
    event_poll_interval_s: Annotated[float, Field(gt=0)] = 1.0
    # Sign-in: failures (per account, per client address) within the window before a lockout, and its length.
    sign_in_max_failures_per_account: Annotated[int, Field(ge=1)] = 5
    sign_in_max_failures_per_address: Annotated[int, Field(ge=1)] = 20
    sign_in_failure_window_s: Annotated[int, Field(gt=0)] = 15 * 60
    sign_in_lockout_s: Annotated[int, Field(gt=0)] = 15 * 60
    # Websocket tickets (`POST /api/auth/ws-ticket`): single use, valid this long.
    ws_ticket_ttl_s: Annotated[int, Field(gt=0, le=300)] = 30

    # --- issue 15: one travel model (dispatch.travel_times) ---
    # Road-service request timeout; how many road answers are cached and for how long; and, after the road
    # service fails, how long every ETA is an estimate before the service is tried again.
    osrm_timeout_s: Annotated[float, Field(gt=0)] = 3.0
    travel_cache_size: Annotated[int, Field(ge=0)] = 100_000
    travel_cache_ttl_s: Annotated[float, Field(ge=0)] = 600.0
    osrm_retry_after_s: Annotated[float, Field(ge=0)] = 30.0

    # --- issue 12: notifications, follow-up calls, escalations ---
    # An HTTP SMS gateway (JSON POST {id, to, text}); unset = messages go to the log channel.
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = Field(default=None, repr=False)
    notify_interval_s: Annotated[float, Field(gt=0)] = 1.0
    notify_batch_size: Annotated[int, Field(ge=1, le=1000)] = 100
    notify_concurrency: Annotated[int, Field(ge=1, le=64)] = 8
    notify_max_attempts: Annotated[int, Field(ge=1)] = 8
    notify_backoff_base_s: Annotated[float, Field(gt=0)] = 5.0
    notify_backoff_max_s: Annotated[float, Field(gt=0)] = 3600.0
    # A claimed notification not marked within this is claimed again (its worker died mid-send).
    notify_lease_s: Annotated[float, Field(gt=0)] = 60.0
    notify_http_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    # Local hour (display time zone) of the day before a visit when owners get their reminder.
    booking_reminder_hour: Annotated[int, Field(ge=0, le=23)] = 18

    # --- issue 14: simulated time for `dispatch demo` and the soak test ---
    # The server's clock reads clock_start + (wall time - clock_anchor_unix_s) x clock_speed; every worker
    # given the same three values agrees with the simulator. Speed 1 with no start is the system clock.
    clock_speed: Annotated[float, Field(gt=0, le=10_000)] = 1.0
    clock_start: AwareDatetime | None = None
    clock_anchor_unix_s: float | None = None

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
        if self.environment is Environment.PRODUCTION and not strong_secret(self.secret_key or ""):
            raise ValueError(
                "DISPATCH_SECRET_KEY is too weak: use 32 random bytes, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'` / "
                "DISPATCH_SECRET_KEY 强度不足，请使用 32 字节随机密钥"
            )
        return self

    @model_validator(mode="after")
    def _simulated_time_is_for_development(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.simulates_time:
            raise ValueError(
                "DISPATCH_CLOCK_SPEED/START are for demos only / 模拟时钟仅用于演示，不能用于生产环境"
            )
        return self

    @property
    def simulates_time(self) -> bool:
        return self.clock_speed != 1.0 or self.clock_start is not None

    @property
    def seeds_demo_world(self) -> bool:
        return self.demo_seed and self.environment is Environment.DEVELOPMENT

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret_file(self) -> Path:
        """Where development keeps its generated key: beside the SQLite file, or for a server database in
        the user's config folder, one file per database (never in a folder named after the URL)."""
        if self.is_sqlite:
            return self.sqlite_directory() / SECRET_FILE_NAME
        database = hashlib.sha256(self.database_url.encode()).hexdigest()[:16]
        return Path.home() / ".config" / "roadside-dispatch" / f"secret-{database}"

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
        secret_file = self.secret_file()
        if not secret_file.exists():
            secret_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            secret_file.touch(mode=0o600)
            secret_file.write_text(secrets.token_urlsafe(48))
        key = secret_file.read_text().strip()
        self.secret_key = key
        return key


MIN_SECRET_CHARS = 43  # secrets.token_urlsafe(32); a hex key of 32 bytes has 64
MIN_SECRET_DISTINCT_CHARS = 12


def strong_secret(key: str) -> bool:
    """Long enough for 32 random bytes, and not a few characters repeated (a word, a pattern)."""
    return len(key) >= MIN_SECRET_CHARS and len(set(key)) >= MIN_SECRET_DISTINCT_CHARS


@lru_cache
def get_settings() -> Settings:
    return Settings()
