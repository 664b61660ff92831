"""Clients that never finish a request are cut off; slow but steady ones are not. A real
uvicorn server on a real socket, with each of its HTTP/1.1 parsers (httptools, h11) and
deadlines of half a second."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from api_harness import Api
from api_harness import api as api  # the fixture

from warn.api.server import NoDelayH11Protocol, NoDelayHTTPProtocol

DEADLINE = 0.5
# A deadline is met when the connection closes after it and well before this.
LATE = DEADLINE + 1.5


async def echo_length(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body, then answers its length; `/slow` thinks for a while first."""
    assert scope["type"] == "http"
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    if scope["path"] == "/slow":
        await asyncio.sleep(3 * DEADLINE)
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Running:
    def __init__(self, server: uvicorn.Server, port: int):
        self.server, self.port = server, port

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return sock

    def connections(self) -> set[Any]:
        return set(self.server.server_state.connections)


@pytest.fixture(params=[NoDelayHTTPProtocol, NoDelayH11Protocol], ids=["httptools", "h11"])
def server(request: pytest.FixtureRequest) -> Iterator[Running]:
    base: type = request.param
    protocol = type("Quick", (base,), {"headers_timeout_s": DEADLINE,
                                       "body_idle_timeout_s": DEADLINE})
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(echo_length, http=protocol, lifespan="off", log_level="warning",
                            timeout_keep_alive=5)
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    yield Running(running, listener.getsockname()[1])
    running.should_exit = True
    thread.join(timeout=10)
    listener.close()


def _until_closed(sock: socket.socket, started: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and when it closed."""
    sock.settimeout(LATE + 1)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received, time.monotonic() - started


def _answer(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    received = b""
    while b"\r\n\r\n" not in received or not received.split(b"\r\n\r\n", 1)[1]:
        chunk = sock.recv(65536)
        assert chunk, f"closed before answering: {received!r}"
        received += chunk
    return received


HEADERS = b"POST /echo HTTP/1.1\r\nHost: warn\r\nContent-Length: 10\r\n\r\n"


def test_a_client_that_sends_nothing_is_cut_off(server: Running) -> None:
    with server.connect() as sock:
        received, took = _until_closed(sock, time.monotonic())
    assert received.startswith(b"HTTP/1.1 408 ") and DEADLINE * 0.8 <= took < LATE


def test_half_the_headers_are_cut_off_at_the_deadline(server: Running) -> None:
    with server.connect() as sock:
        started = time.monotonic()
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: warn\r\n")
        received, took = _until_closed(sock, started)
    assert received.startswith(b"HTTP/1.1 408 ") and b"connection: close" in received.lower()
    assert DEADLINE * 0.8 <= took < LATE


def test_headers_dribbled_a_byte_at_a_time_are_cut_off_all_the_same(server: Running) -> None:
    with server.connect() as sock:
        started = time.monotonic()
        request = b"GET /echo HTTP/1.1\r\nHost: warn\r\nX-Padding: " + b"x" * 100
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(DEADLINE / 10)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received, took = _until_closed(sock, started)
    assert received.startswith(b"HTTP/1.1 408 ") and took < LATE


def test_headers_and_half_a_body_are_cut_off(server: Running) -> None:
    with server.connect() as sock:
        sock.sendall(HEADERS + b"12345")
        started = time.monotonic()
        received, took = _until_closed(sock, started)
    assert received.startswith(b"HTTP/1.1 408 ") and DEADLINE * 0.8 <= took < LATE


def test_a_slow_but_steady_client_is_answered(server: Running) -> None:
    with server.connect() as sock:
        started = time.monotonic()
        for part in (HEADERS[:20], HEADERS[20:40], HEADERS[40:]):
            sock.sendall(part)
            time.sleep(DEADLINE / 4)
        for byte in b"0123456789":  # two and a half deadlines, never a pause of one
            sock.sendall(bytes([byte]))
            time.sleep(DEADLINE / 2)
        answer = _answer(sock)
        assert time.monotonic() - started > 2 * DEADLINE
    assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"\r\n\r\n10")


def test_a_slow_answer_is_not_cut_off_and_the_connection_is_kept(server: Running) -> None:
    with server.connect() as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: warn\r\n\r\n")
        assert _answer(sock).startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: warn\r\n\r\n")
        assert _answer(sock).endswith(b"\r\n\r\n0")
        # Kept alive, then half a request: cut off like on a new connection.
        sock.sendall(b"GET /echo HTTP/1.1\r\n")
        received, took = _until_closed(sock, time.monotonic())
    assert received.startswith(b"HTTP/1.1 408 ") and took < LATE


def test_a_crowd_of_half_requests_is_gone_soon_after_the_deadline(server: Running) -> None:
    crowd = [server.connect() for _ in range(100)]
    for n, sock in enumerate(crowd):
        sock.sendall(HEADERS + b"1" if n % 2 else b"GET / HTTP/1.1\r\nHost:")
    time.sleep(0.1)
    assert len(server.connections()) == 100
    time.sleep(LATE)
    assert server.connections() == set()
    for sock in crowd:
        sock.close()


def test_connections_have_nagle_off(server: Running) -> None:
    with server.connect() as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: warn\r\n\r\n")
        _answer(sock)
        (protocol,) = server.connections()
        server_side = protocol.transport.get_extra_info("socket")
        assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_warns_own_app_gives_up_a_stalled_body_without_a_traceback(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """A flood of stalled bodies must not write a traceback per connection to the log."""
    token = api.user("carrier", "feed")
    protocol = type("Quick", (NoDelayHTTPProtocol,), {"headers_timeout_s": DEADLINE,
                                                      "body_idle_timeout_s": DEADLINE})
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    # log_config=None: uvicorn's loggers then reach the root logger, and caplog
    running = uvicorn.Server(uvicorn.Config(api.app, http=protocol, lifespan="off",
                                            log_config=None))
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not running.started:
        time.sleep(0.01)
    try:
        with caplog.at_level(logging.DEBUG), socket.create_connection(
                listener.getsockname(), timeout=5) as sock:
            sock.sendall(b"POST /v1/signals HTTP/1.1\r\nHost: warn\r\nContent-Length: 100\r\n"
                         b"Content-Type: application/json\r\n"
                         b"Authorization: Bearer " + token.encode() + b"\r\n\r\n{\"id\": ")
            received, _ = _until_closed(sock, time.monotonic())
        assert received.startswith(b"HTTP/1.1 408 ")
        assert not [r for r in caplog.records if r.exc_info or "Exception" in r.getMessage()]
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        listener.close()
