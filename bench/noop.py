"""A Celery app with one no-op task, configured exactly as warn's workers are."""

import sys

import redis

from workers.app import celery_app, configure

__all__ = ["configure", "noop"]


_counter: list[redis.Redis] = []


@celery_app.task(name="bench.noop")
def noop() -> None:
    if not _counter:
        _counter.append(redis.Redis.from_url(celery_app.conf.broker_url))
    _counter[0].incr("bench-noop")


if __name__ == "__main__":
    import os

    configure(os.environ["WARN_BROKER_URL"])
    celery_app.worker_main(["worker", "--loglevel=WARNING", "--concurrency=1",
                            "--pool=prefork", "--without-gossip", "--without-mingle",
                            *sys.argv[2:]])
