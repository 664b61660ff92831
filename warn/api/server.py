"""The HTTP protocol `warn serve` runs: uvicorn's own, with Nagle's algorithm off and with
deadlines on reading a request.

Nagle: asyncio turns it off only on sockets that say they are TCP; the listening socket
that uvicorn hands to its worker processes (`--workers N`) comes back with protocol 0, so
its connections kept Nagle on, and every answer on a kept-alive connection waited for the
client's delayed ACK: about 40 ms a request.

Deadlines: uvicorn's only timeout on a connection is the keep-alive one, which starts
after a response. A client that opens a connection and sends nothing, or half its
headers, or its headers and half a body, was held for ever, and a few hundred of them
hold the server's connections and memory while warnings wait. So:
- a request's headers must be complete within `headers_timeout_s` of the connection being
  made, or of its first byte on a kept-alive connection (a total, so that a byte now and
  then does not keep it open);
- a body must keep coming: no byte for `body_idle_timeout_s` and it is given up. Time
  the server itself is not reading (its buffer is full, or the client waits for
  "100 Continue") is not counted against the client.
A request given up gets 408 when no answer has begun, and the connection is closed. A
slow but steady client is never cut off.
"""

import asyncio
import contextlib
import copy
import logging
import re
import socket
from asyncio import BaseTransport, TimerHandle
from typing import Any, Literal

from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADERS_TIMEOUT_S = 10.0
BODY_IDLE_TIMEOUT_S = 10.0
_BODY = b"request timed out\n"
TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\n"
                    b"content-type: text/plain; charset=utf-8\r\n"
                    b"content-length: " + str(len(_BODY)).encode() + b"\r\n"
                    b"connection: close\r\n\r\n" + _BODY)


def no_delay(transport: BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Guarded:
    """Nagle off and read deadlines, over either of uvicorn's HTTP/1.1 protocols (httptools
    or h11). Both make a new request cycle (`self.cycle`) when a request's headers are
    complete and set its `more_body` false when its body is, which is all this follows."""

    headers_timeout_s: float = HEADERS_TIMEOUT_S
    body_idle_timeout_s: float = BODY_IDLE_TIMEOUT_S

    # Set by uvicorn's protocol.
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    flow: Any
    logger: logging.Logger

    _phase: Literal["idle", "headers", "body"]
    _timer: TimerHandle | None
    _headers_due: float
    _last_read: float
    _seen_cycle: Any

    def connection_made(self, transport: BaseTransport) -> None:
        no_delay(transport)
        super().connection_made(transport)  # type: ignore[misc]
        self._timer, self._seen_cycle = None, None
        self._last_read = self.loop.time()
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        self._last_read = self.loop.time()
        if self._phase == "idle":  # the first byte of the next request
            self._await_headers()
        super().data_received(data)  # type: ignore[misc]
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._follow()  # h11 may start a pipelined request from its buffer here

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)  # type: ignore[misc]

    def _follow(self) -> None:
        """Move on to the body, or to idle, as the request just parsed says."""
        current: object = self.transport.get_protocol()
        if self.transport.is_closing() or current is not self:
            self._cancel()  # closed, or upgraded to another protocol
            return
        cycle = self.cycle
        if cycle is not self._seen_cycle:
            self._seen_cycle = cycle
            if cycle is not None and cycle.more_body:
                self._phase = "body"
                self._arm(self.body_idle_timeout_s)
            else:
                self._phase = "idle"
                self._cancel()
        elif self._phase == "body" and cycle is not None and not cycle.more_body:
            self._phase = "idle"
            self._cancel()

    def _await_headers(self) -> None:
        self._phase = "headers"
        self._headers_due = self.loop.time() + self.headers_timeout_s
        self._arm(self.headers_timeout_s)

    def _arm(self, delay: float) -> None:
        self._cancel()
        self._timer = self.loop.call_later(delay, self._expired)

    def _cancel(self) -> None:
        timer, self._timer = getattr(self, "_timer", None), None
        if timer is not None:
            timer.cancel()

    def _expired(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        if self._phase == "headers":
            left = self._headers_due - now
        elif self._phase == "body":
            cycle = self.cycle
            if self.flow.read_paused or getattr(cycle, "waiting_for_100_continue", False):
                self._last_read = now  # the server is the one not reading
            left = self._last_read + self.body_idle_timeout_s - now
        else:
            return
        if left > 0:
            self._arm(left)
            return
        self._give_up()

    def _give_up(self) -> None:
        cycle = self.cycle
        if self._phase == "body" and cycle is not None:
            answer = not cycle.response_started
            # The application still waiting on the body hears that the client is gone,
            # and anything it sends later goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
        else:  # between requests: answer unless an earlier one's response is under way
            answer = cycle is None or cycle.response_complete
        self.logger.debug("request %s not complete in time: connection closed",
                          "body" if self._phase == "body" else "headers")
        if answer:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()


class NoDelayHTTPProtocol(_Guarded, AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """What `warn serve` runs (http="warn.api.server:NoDelayHTTPProtocol")."""


class NoDelayH11Protocol(_Guarded, H11Protocol):
    """The same over the pure-Python h11 parser."""


class AccessWithoutQuery(logging.Filter):
    """uvicorn's access log line without what a request's target can carry about a person
    (no log line may hold a subject's number, CONTRACT §9): the query string (what someone
    searched for on the audit page), a feed's signal id (feeds build ids from numbers:
    `carrier-13812345678-0001`), and any other run of 7 digits or more."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], logged_target(args[2]), *args[3:])
        return True


_SIGNAL_PATH = re.compile(r"^(/v1/signals/).+")
_LONG_DIGITS = re.compile(r"(?:[0-9]|%[0-9a-fA-F]{2}){7,}")


def logged_target(target: str) -> str:
    path = target.split("?", 1)[0]
    path = _SIGNAL_PATH.sub(r"\1{id}", path)
    return _LONG_DIGITS.sub("…", path)


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access log's query strings left out;
    given by name, so that every server process (`--workers N`) builds it too."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_query"] = {"()": AccessWithoutQuery}
    config["handlers"]["access"]["filters"] = ["without_query"]
    return config
