"""The HTTP protocol `warn serve` runs: uvicorn's own, with Nagle's algorithm off.

asyncio turns Nagle off only on sockets that say they are TCP; the listening socket that
uvicorn hands to its worker processes (`--workers N`) comes back with protocol 0, so its
connections kept Nagle on, and every answer on a kept-alive connection waited for the
client's delayed ACK: about 40 ms a request.
"""

import contextlib
import socket
from asyncio import BaseTransport

from uvicorn.protocols.http.auto import AutoHTTPProtocol


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
