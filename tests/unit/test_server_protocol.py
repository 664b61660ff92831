"""`warn serve` turns Nagle's algorithm off on every connection, whatever the listening
socket says about itself (otherwise each kept-alive answer waits ~40 ms for a delayed ACK)."""

import socket
from typing import Any

from warn.api.server import NoDelayHTTPProtocol


class FakeTransport:
    def __init__(self, sock: socket.socket):
        self.sock = sock

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.sock if name == "socket" else default


def test_a_new_connection_gets_tcp_nodelay(monkeypatch: Any) -> None:
    made: list[object] = []
    parent = NoDelayHTTPProtocol.__mro__[1]
    monkeypatch.setattr(parent, "connection_made", lambda self, transport: made.append(transport))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0) as sock:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        protocol = NoDelayHTTPProtocol.__new__(NoDelayHTTPProtocol)
        transport = FakeTransport(sock)
        protocol.connection_made(transport)  # type: ignore[arg-type]
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert made == [transport]
