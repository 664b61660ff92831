"""Load for a benchmark: signals posted at a steady rate, singly or in batches, with the
moment each one was accepted (202) recorded by its subject's number."""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

import httpx

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
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.accepted_at) / self.seconds if self.seconds else 0.0


async def _post(client: httpx.AsyncClient, body: Any, items: list[dict[str, Any]],
                result: LoadResult) -> None:
    try:
        answer = await client.post("/v1/signals", json=body)
    except httpx.HTTPError:
        result.errors += len(items)
        return
    if answer.status_code != 202:
        result.errors += len(items)
        return
    now = time.time()
    for item in items:
        result.accepted_at[item["subject"]["msisdn"]] = now


async def _drive(base_url: str, token: str, rate: float, seconds: float, batch: int,
                 prefix: str, clients: int) -> LoadResult:
    """Post `rate` signals a second for `seconds`, `batch` per request (1: single POSTs)."""
    result = LoadResult()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        requests = max(1, int(rate * seconds / batch))
        interval = batch / rate
        start = time.monotonic()
        pending: set[asyncio.Task[None]] = set()
        for n in range(requests):
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            items = [new_signal(prefix) for _ in range(batch)]
            body = items[0] if batch == 1 else {"signals": items}
            task = asyncio.create_task(_post(client, body, items, result))
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
    return asyncio.run(_flood(base_url, token, total, batch, clients, prefix))


async def _flood(base_url: str, token: str, total: int, batch: int, clients: int,
                 prefix: str) -> LoadResult:
    result = LoadResult()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(0, total, batch):
        queue.put_nowait(min(batch, total - n))
    async with httpx.AsyncClient(base_url=base_url, timeout=60,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def worker() -> None:
            while not queue.empty():
                size = queue.get_nowait()
                items = [new_signal(prefix) for _ in range(size)]
                await _post(client, items[0] if size == 1 else {"signals": items}, items,
                            result)

        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        result.seconds = time.monotonic() - start
    return result
