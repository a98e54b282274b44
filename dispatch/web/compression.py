"""Gzip for the screens' files (pages, ES modules, CSS, Leaflet), not for the API.

Owners open their tracking page on rural phone links: Leaflet alone is ~150 KB as shipped and ~40 KB
gzipped. API responses are left as they are (small, and their clients and benchmarks measure them raw).
"""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

SCREEN_PATH_PREFIXES = ("/static/", "/track/", "/console")
MINIMUM_SIZE_BYTES = 1024


class StaticCompression:
    """Compress the HTTP responses of screen paths for clients that accept gzip."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=MINIMUM_SIZE_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(SCREEN_PATH_PREFIXES):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
