"""The owner's page as served: small, compressed, from this server only, and the token kept out of logs."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient

from dispatch.api.log_redaction import RedactSecrets, install_log_redaction, redact

TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"


def test_the_page_loads_its_module_leaflet_and_css_from_this_server(client: TestClient) -> None:
    page = client.get(f"/track/{TOKEN}")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {"/static/web/owner.js", "/static/leaflet/leaflet.js", "/static/web/owner.css"} <= set(sources)
    assert all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    assert f'data-token="{TOKEN}"' in page.text
    assert page.text.index("服务进度") < page.text.index("Service tracking")


def test_the_page_tells_the_browser_to_send_no_referer(client: TestClient) -> None:
    page = client.get(f"/track/{TOKEN}").text
    assert '<meta name="referrer" content="no-referrer">' in page


def test_a_token_cannot_break_out_of_its_attribute(client: TestClient) -> None:
    page = client.get('/api/track/a"><script>x()</script>/page').text
    assert "<script>x()" not in page


def test_screen_files_are_gzipped_and_api_responses_are_not(client: TestClient) -> None:
    leaflet = client.get("/static/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert leaflet.headers["content-encoding"] == "gzip"
    owner = client.get("/static/web/owner.js", headers={"Accept-Encoding": "gzip"})
    assert owner.headers["content-encoding"] == "gzip"
    api = client.get("/api/planner/coverage", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in api.headers


def test_tokens_in_request_lines_are_cut_to_four_characters() -> None:
    assert redact(f'"GET /track/{TOKEN} HTTP/1.1"') == '"GET /track/AbCd… HTTP/1.1"'
    assert redact(f"/api/track/{TOKEN}/ws?last_event_id=3") == "/api/track/AbCd…/ws?last_event_id=3"
    assert redact(f"/api/my-booking/{TOKEN}/cancel") == "/api/my-booking/AbCd…/cancel"
    assert redact("/api/track/jobs/7f0c/link") == "/api/track/jobs/7f0c/link"


def test_uvicorn_log_lines_lose_the_token() -> None:
    install_log_redaction()
    install_log_redaction()
    access = logging.getLogger("uvicorn.access")
    assert sum(isinstance(f, RedactSecrets) for f in access.filters) == 1
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/track/{TOKEN}", "1.1", 200),
        None,
    )
    _redaction(access).filter(record)
    assert TOKEN not in record.getMessage() and "/track/AbCd…" in record.getMessage()
    websocket = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", f"/api/track/{TOKEN}/ws"),
        None,
    )
    _redaction(logging.getLogger("uvicorn.error")).filter(websocket)
    assert TOKEN not in websocket.getMessage()


def _redaction(logger: logging.Logger) -> logging.Filter:
    return next(f for f in logger.filters if isinstance(f, RedactSecrets))


def test_the_sms_log_channel_does_not_leak_the_tracking_link() -> None:
    install_log_redaction()
    sms = logging.getLogger("dispatch.sms")
    record = logging.LogRecord(
        "dispatch.sms",
        logging.INFO,
        __file__,
        1,
        "SMS %s to %s: %s",
        ("id-1", "13812345678", f"查看进度：http://127.0.0.1:8000/track/{TOKEN}"),
        None,
    )
    _redaction(sms).filter(record)
    assert TOKEN not in record.getMessage() and "/track/AbCd…" in record.getMessage()
