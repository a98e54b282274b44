"""The application factory: the one composition root that wires every router into one FastAPI app.

It is also the one place `dispatch` imports `field_app_api` (the technicians' API builds on dispatch
services and is mounted here); nothing else in `dispatch` depends on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlmodel import Session

from dispatch import tables  # noqa: F401  (every table mapped before the first flush, e.g. bookings)
from dispatch.api.body_limit import MULTIPART_OVERHEAD_BYTES, BodySizeLimit
from dispatch.api.docs import install_offline_docs
from dispatch.api.errors import install_error_handlers
from dispatch.api.health import router as health_router
from dispatch.api.log_redaction import install_log_redaction
from dispatch.auth.user_cache import UserCache
from dispatch.auth.views import admin_router as users_admin_router
from dispatch.auth.views import router as auth_router
from dispatch.campaigns.owner_views import owner_router as owner_booking_router
from dispatch.campaigns.views import router as planner_router
from dispatch.clock import Clock, clock_for
from dispatch.db import make_engine
from dispatch.events.bus import EventBus, make_bus
from dispatch.events.feed import EventLog
from dispatch.events.service import PUBLISH_KEY, register_engine_publisher
from dispatch.events.streams import router as streams_router
from dispatch.fleet.admin_views import router as fleet_admin_router
from dispatch.fleet.views import router as fleet_router
from dispatch.followups.hooks import install_after_sales_hooks
from dispatch.followups.views import admin_router as followups_admin_router
from dispatch.followups.views import owner_router as survey_router
from dispatch.followups.views import router as followups_router
from dispatch.followups.watch import EscalationWatch
from dispatch.jobs.expiry_worker import OfferExpiryWorker
from dispatch.jobs.intake_aids_views import router as intake_aids_router
from dispatch.jobs.views import router as call_center_router
from dispatch.kpis.views import router as kpis_router
from dispatch.notifications.views import admin_router as notifications_admin_router
from dispatch.notifications.views import router as notifications_router
from dispatch.notifications.worker import NotificationWorker
from dispatch.settings import Settings, get_settings
from dispatch.tracking.views import page_router as tracking_page_router
from dispatch.tracking.views import router as tracking_router
from dispatch.web.compression import StaticCompression
from dispatch.web.pages import install_web
from field_app_api.housekeeping import IdempotencyPurgeWorker
from field_app_api.router import router as field_router

Lifespan = Callable[[FastAPI], Any]


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Clock | None = None,
    session_factory: Callable[[], Session] | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own engine, clock and session factory."""
    settings = settings or get_settings()
    install_after_sales_hooks()
    engine = engine or make_engine(settings)
    bound_engine = engine
    bus = make_bus(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The bus binds to this loop: events committed in worker threads are handed to it thread-safely.
        await bus.start(EventLog(app.state.session_factory))
        register_engine_publisher(bound_engine, bus.publish)
        expiry = purge = notifications = watch = None
        if settings.background_workers:
            expiry = OfferExpiryWorker(
                session_factory=app.state.session_factory, settings=settings, clock=app.state.clock
            )
            expiry.start()
            purge = IdempotencyPurgeWorker(
                session_factory=app.state.session_factory, settings=settings, clock=app.state.clock
            )
            purge.start()
            notifications = NotificationWorker(
                session_factory=app.state.session_factory, settings=settings, clock=app.state.clock
            )
            notifications.start()
            watch = EscalationWatch(session_factory=app.state.session_factory, clock=app.state.clock)
            watch.start()
        try:
            yield
        finally:
            if expiry is not None:
                await expiry.stop()
            if purge is not None:
                await purge.stop()
            if notifications is not None:
                await notifications.stop()
            if watch is not None:
                await watch.stop()
            register_engine_publisher(bound_engine, None)
            await bus.stop()

    app = FastAPI(
        title="整车厂救援与流动服务调度 / Roadside & Mobile Service Dispatch",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock or clock_for(settings)
    app.state.event_bus = bus
    app.state.session_factory = _publishing(
        session_factory or (lambda: Session(bound_engine, expire_on_commit=False)), bus
    )
    app.state.user_cache = UserCache(app.state.session_factory, settings.auth_user_cache_s)

    install_error_handlers(app)
    install_log_redaction()
    app.add_middleware(BodySizeLimit, max_body_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES)
    install_offline_docs(app)
    routers = (
        health_router,
        auth_router,
        users_admin_router,
        fleet_router,
        fleet_admin_router,
        call_center_router,
        intake_aids_router,
        planner_router,
        owner_booking_router,
        field_router,
        tracking_router,
        streams_router,
        tracking_page_router,
        notifications_admin_router,
        notifications_router,
        followups_router,
        followups_admin_router,
        survey_router,
        kpis_router,
    )
    for router in routers:
        app.include_router(router)
    install_web(app)
    app.add_middleware(StaticCompression)

    @app.get("/", include_in_schema=False)
    def home() -> HTMLResponse:
        return HTMLResponse(_HOME_PAGE)

    return app


def _publishing(session_factory: Callable[[], Session], bus: EventBus) -> Callable[[], Session]:
    """Sessions whose committed events go to the live streams (see `dispatch.events.service`)."""

    def make_session() -> Session:
        session = session_factory()
        session.info[PUBLISH_KEY] = bus.publish
        return session

    return make_session


_HOME_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>救援调度 / Dispatch</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>整车厂救援与流动服务调度系统</h1>
<p>Roadside &amp; mobile service dispatch</p>
<ul>
<li><a href="/console">呼叫中心控制台 / Call-center console</a></li>
<li><a href="/console/login">登录 / Sign in</a></li>
<li><a href="/docs">接口文档 / API docs (Swagger UI)</a></li>
<li><a href="/redoc">接口文档 / API reference (ReDoc)</a></li>
<li><a href="/health">健康检查 / Health</a></li>
</ul>
</body></html>
"""
