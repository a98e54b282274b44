"""Every HTTP endpoint states its role: without a token it answers 401, except the few public ones."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

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


def _allowed_roles(dependant: Dependant) -> frozenset[str] | None:
    """The roles every `require_roles` check in the dependency tree lets through (None: no role check)."""
    allowed: frozenset[str] | None = None
    for sub in dependant.dependencies:
        doc = getattr(sub.call, "__doc__", None) or ""
        if getattr(sub.call, "__name__", "") == "check" and doc.startswith("Roles: "):
            roles = frozenset(doc.removeprefix("Roles: ").split(", "))
            allowed = roles if allowed is None else allowed & roles
        inner = _allowed_roles(sub)
        if inner is not None:
            allowed = inner if allowed is None else allowed & inner
    return allowed


def _every_route(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """API routes, looking inside included routers (FastAPI keeps them as lazily included branches)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _every_route(included.routes)


def test_a_wrong_role_is_refused_before_anything_is_looked_up(
    app: FastAPI, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    """403 whether the id exists or not: a lookup before the role check would tell them apart (404)."""
    users = {"agent": "agent", "planner": "planner", "technician": "tech001", "admin": "admin"}
    headers = {role: auth(username) for role, username in users.items()}
    oracles = []
    for route in _every_route(app.routes):
        if not route.path.startswith("/api/") or "{" not in route.path:
            continue
        allowed = _allowed_roles(route.dependant)
        if allowed is None:
            continue
        for method in route.methods:
            for role in sorted(set(users) - allowed):
                status = None
                for made_up in (str(uuid.uuid4()), "987654321"):
                    concrete = re.sub(r"\{[^}]+\}", made_up, route.path)
                    status = client.request(method, concrete, headers=headers[role]).status_code
                    if status != 422:
                        break
                if status != 403:
                    oracles.append((method, route.path, role, status))
    assert oracles == [], "\n".join(map(str, oracles))
