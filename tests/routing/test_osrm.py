"""Contract tests for the OSRM table client against a local server replaying recorded answers."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from routing.geodesy import Location
from routing.osrm import OsrmTravelTimes
from routing.travel import CachedTravelTimes, TravelTimeUnavailable

FIXTURES = Path(__file__).parent / "fixtures"
NINGBO, XIANGSHAN = Location(29.87, 121.54), Location(29.48, 121.87)
NINGHAI, MIDWAY = Location(29.29, 121.43), Location(29.62, 121.70)


class ReplayServer(ThreadingHTTPServer):
    """Answers every GET with the queued (status, body) and records the request paths."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReplayHandler)
        self.answers: list[tuple[int, bytes]] = []
        self.paths: list[str] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def queue(self, status: int, fixture: str) -> None:
        self.answers.append((status, (FIXTURES / fixture).read_bytes()))


class ReplayHandler(BaseHTTPRequestHandler):
    server: ReplayServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.paths.append(self.path)
        status, body = self.server.answers.pop(0) if self.server.answers else (404, b"not json")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer()
    thread = threading.Thread(target=replay.serve_forever, daemon=True)
    thread.start()
    yield replay
    replay.shutdown()
    replay.server_close()
    thread.join()


def test_table_request_and_answer(server: ReplayServer) -> None:
    server.queue(200, "osrm_table_ningbo.json")
    matrix = OsrmTravelTimes(server.base_url).matrix([NINGBO, XIANGSHAN], [NINGHAI, MIDWAY])
    assert matrix.distance_km[0, 0] == pytest.approx(84.6139)
    assert matrix.duration_s[1, 1] == pytest.approx(2876.4)
    path = server.paths[0]
    assert path.startswith(
        "/table/v1/driving/121.540000,29.870000;121.870000,29.480000;121.430000,29.290000;"
    )
    assert "sources=0%3B1" in path and "destinations=2%3B3" in path
    assert "annotations=duration%2Cdistance" in path


def test_unroutable_pair_is_a_clear_error(server: ReplayServer) -> None:
    server.queue(200, "osrm_table_unroutable.json")
    with pytest.raises(TravelTimeUnavailable, match="no road route from origin 0 to destination 1"):
        OsrmTravelTimes(server.base_url).matrix([NINGBO], [NINGBO, Location(30.72, 122.45)])


def test_service_error_is_reported_with_its_message(server: ReplayServer) -> None:
    server.queue(400, "osrm_invalid_query.json")
    with pytest.raises(TravelTimeUnavailable, match="InvalidQuery.*malformed"):
        OsrmTravelTimes(server.base_url).matrix([NINGBO], [NINGHAI])


def test_non_json_answer_is_reported(server: ReplayServer) -> None:
    with pytest.raises(TravelTimeUnavailable, match="404 without JSON"):
        OsrmTravelTimes(server.base_url).matrix([NINGBO], [NINGHAI])


def test_wrongly_shaped_answer_is_reported(server: ReplayServer) -> None:
    server.queue(200, "osrm_table_ningbo.json")
    with pytest.raises(TravelTimeUnavailable, match="shaped"):
        OsrmTravelTimes(server.base_url).matrix([NINGBO], [NINGHAI])


def test_unreachable_service_is_reported() -> None:
    closed = ReplayServer()
    url = closed.base_url
    closed.server_close()
    with pytest.raises(TravelTimeUnavailable, match="unreachable"):
        OsrmTravelTimes(url, timeout_s=2.0).matrix([NINGBO], [NINGHAI])


def test_cache_around_the_service_asks_once(server: ReplayServer) -> None:
    server.queue(200, "osrm_table_ningbo.json")
    cached = CachedTravelTimes(OsrmTravelTimes(server.base_url))
    first = cached.matrix([NINGBO, XIANGSHAN], [NINGHAI, MIDWAY])
    second = cached.matrix([NINGBO, XIANGSHAN], [NINGHAI, MIDWAY])
    assert len(server.paths) == 1
    assert np.array_equal(first.distance_km, second.distance_km)
