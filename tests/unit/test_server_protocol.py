"""`warn serve` turns Nagle's algorithm off on every connection, whatever the listening
socket says about itself (otherwise each kept-alive answer waits ~40 ms for a delayed ACK).
Its read deadlines are tested on a real server: tests/integration/test_slow_clients.py."""

import asyncio
import socket
from typing import Any

import pytest
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from warn.api.server import NoDelayHTTPProtocol


class FakeTransport:
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def test_a_new_connection_gets_tcp_nodelay(monkeypatch: Any) -> None:
    made: list[object] = []
    monkeypatch.setattr(AutoHTTPProtocol, "connection_made",
                        lambda self, transport: made.append(transport))
    loop = asyncio.new_event_loop()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            protocol = NoDelayHTTPProtocol.__new__(NoDelayHTTPProtocol)
            protocol.loop = loop
            transport = FakeTransport(sock)
            protocol.connection_made(transport)  # type: ignore[arg-type]
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            protocol._cancel()
    finally:
        loop.close()
    assert made == [transport]


def test_the_access_log_leaves_query_strings_out() -> None:
    import logging
    import logging.config

    from warn.api.server import AccessWithoutQuery, log_config

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/audit?target=%2B8613987654321",
                                "1.1", 200), None)
    assert AccessWithoutQuery().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /audit HTTP/1.1" 200'
    config = log_config()
    assert config["handlers"]["access"]["filters"] == ["without_query"]
    logging.config.dictConfig(config)  # uvicorn can use it as it is


@pytest.mark.parametrize(("target", "logged"), [
    ("/v1/signals/carrier-13566667777-x", "/v1/signals/{id}"),
    ("/v1/signals/id-137%3A0000%3A1111", "/v1/signals/{id}"),
    ("/audit?target=%2B8613987654321", "/audit"),
    ("/school/13912345678", "/school/…"),
    ("/cases/c1203f65d37b4af7/state.json?v=3", "/cases/c1203f65d37b4af7/state.json"),
    ("/v1/cases", "/v1/cases"),
])
def test_the_access_log_names_no_signal_id_and_no_long_number(target: str, logged: str) -> None:
    from warn.api.server import logged_target

    assert logged_target(target) == logged
