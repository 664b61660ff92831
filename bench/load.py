"""Load for a benchmark: signals posted at a steady rate, singly or in batches, with the
moment each one was accepted (202) recorded by its subject's number.

The load runs on the same two cores as what it measures, so it must cost little: aiohttp
(a C parser, pooled keep-alive connections) takes a fraction of the CPU per request that
httpx does, and every signal's body is made before the clock starts."""

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

import aiohttp

_numbers = count(1)


def new_signal(prefix: str) -> dict[str, Any]:
    """A low-tier signal for a number never used before: one case, one flash SMS."""
    n = next(_numbers)
    return {"id": f"{prefix}-{n}", "kind": "scam_sms",
            "observed_at": datetime.now(UTC).isoformat(),
            "subject": {"msisdn": f"+86135{n:08d}", "district": "bench"},
            "attributes": {"sender": "10690000", "fraud_type": "fake_customer_service"}}


@dataclass
class LoadResult:
    accepted_at: dict[str, float] = field(default_factory=dict)  # msisdn -> wall clock of 202
    started_at: float = 0.0  # wall clock of the first request
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.accepted_at) / self.seconds if self.seconds else 0.0

    def reached(self, firsts: dict[str, float]) -> tuple[list[float], float]:
        """Given when each number got its first message: the ms from each 202 to it, and
        the end-to-end rate (messages over the time from the first request to the last
        message)."""
        waits = [(firsts[n] - at) * 1000 for n, at in self.accepted_at.items() if n in firsts]
        last = max((firsts[n] for n in self.accepted_at if n in firsts),
                   default=self.started_at)
        return waits, len(waits) / max(1e-9, last - self.started_at)


def _client(token: str | None, clients: int) -> aiohttp.ClientSession:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                 timeout=aiohttp.ClientTimeout(total=60), headers=headers)


Prepared = list[tuple[bytes, list[str]]]  # request bodies, each with the numbers it carries


async def _post(client: aiohttp.ClientSession, url: str, body: bytes, numbers: list[str],
                result: LoadResult, accepted: int = 202) -> None:
    try:
        async with client.post(url, data=body) as answer:
            await answer.read()
            status = answer.status
    except (aiohttp.ClientError, TimeoutError):
        result.errors += len(numbers)
        return
    if status != accepted:
        result.errors += len(numbers)
        return
    now = time.time()
    for number in numbers:
        result.accepted_at[number] = now


def _prepared(prefix: str, total: int, batch: int) -> Prepared:
    """Request bodies for `total` signals, `batch` to a request (1: a bare signal)."""
    requests = []
    for n in range(0, total, batch):
        items = [new_signal(prefix) for _ in range(min(batch, total - n))]
        body = items[0] if batch == 1 else {"signals": items}
        requests.append((json.dumps(body).encode(), [i["subject"]["msisdn"] for i in items]))
    return requests


async def _drive(base_url: str, token: str, rate: float, seconds: float, batch: int,
                 prefix: str, clients: int) -> LoadResult:
    """Post `rate` signals a second for `seconds`, `batch` per request (1: single POSTs)."""
    result = LoadResult(started_at=time.time())
    prepared = _prepared(prefix, max(batch, int(rate * seconds)), batch)
    url = f"{base_url}/v1/signals"
    async with _client(token, clients) as client:
        interval = batch / rate
        start = time.monotonic()
        pending: set[asyncio.Task[None]] = set()
        for n, (body, items) in enumerate(prepared):
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(_post(client, url, body, items, result))
            pending.add(task)
            task.add_done_callback(pending.discard)
            while len(pending) >= clients:
                await asyncio.sleep(0.001)
        await asyncio.gather(*pending)
        result.seconds = time.monotonic() - start
    return result


def drive(base_url: str, token: str, *, rate: float, seconds: float, batch: int = 1,
          prefix: str = "bench", clients: int = 16) -> LoadResult:
    return asyncio.run(_drive(base_url, token, rate, seconds, batch, prefix, clients))


def flood(base_url: str, token: str, *, total: int, batch: int, clients: int,
          prefix: str = "flood") -> LoadResult:
    """As fast as the server takes them, from `clients` concurrent connections."""
    return flood_prepared(f"{base_url}/v1/signals", token, _prepared(prefix, total, batch),
                          clients)


def flood_prepared(url: str, token: str | None, prepared: Prepared, clients: int,
                   accepted: int = 202) -> LoadResult:
    """These requests, as fast as the server takes them (what a peer is driven with)."""
    return asyncio.run(_flood(url, token, list(prepared), clients, accepted))


async def _flood(url: str, token: str | None, prepared: Prepared, clients: int,
                 accepted: int) -> LoadResult:
    result = LoadResult()
    prepared.reverse()  # popped from the end, in order
    async with _client(token, clients) as client:
        async def worker() -> None:
            while prepared:
                body, numbers = prepared.pop()
                await _post(client, url, body, numbers, result, accepted)

        result.started_at = time.time()
        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        result.seconds = time.monotonic() - start
    return result
