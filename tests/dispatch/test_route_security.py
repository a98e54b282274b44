"""Every HTTP endpoint states its role: without a token it answers 401, except the few public ones."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

# Public on purpose: health checks, logging in, and owners' links (the link's token is the credential).
PUBLIC_PATHS = {"/health", "/api/auth/token", "/api/track/{token}", "/api/track/{token}/survey"}
PUBLIC_PREFIXES = ("/api/my-booking/{token}",)


def _api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented operation under /api/ (the OpenAPI schema is the list users see)."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/") and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES):
            routes.extend((method.upper(), path) for method in operations)
    return routes


def test_every_api_endpoint_requires_a_token(app: FastAPI, client: TestClient) -> None:
    routes = _api_routes(app)
    assert routes, "no API routes found"
    unprotected = []
    for method, path in routes:
        concrete = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        response = client.request(method, concrete)
        if response.status_code != 401:
            unprotected.append((method, path, response.status_code))
    assert unprotected == []


def test_unexpected_errors_are_a_bare_500(app: FastAPI) -> None:
    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret internals" not in response.text
