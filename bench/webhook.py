"""`python -m bench.webhook PORT`: the peer's webhook receiver. It notes when each alert
(by its `msisdn` label) first arrived, and answers `GET /firsts` with them all."""

import sys
import time

from aiohttp import web

firsts: dict[str, float] = {}
notifications = [0]


async def hook(request: web.Request) -> web.Response:
    payload = await request.json()
    now = time.time()
    notifications[0] += 1
    for alert in payload.get("alerts", ()):
        firsts.setdefault(alert.get("labels", {}).get("msisdn", ""), now)
    return web.Response(status=200)


async def report(_: web.Request) -> web.Response:
    return web.json_response({"firsts": firsts, "notifications": notifications[0]})


def main() -> None:
    app = web.Application(client_max_size=16 << 20)
    app.router.add_post("/hook", hook)
    app.router.add_get("/firsts", report)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
