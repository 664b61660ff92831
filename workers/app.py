"""The Celery application. Its broker is Redis in distributed mode, memory when embedded."""

from celery import Celery

from workers.lanes import LANES

celery_app = Celery("warn", include=["workers.tasks"])


def configure(broker_url: str) -> Celery:
    memory = broker_url.startswith("memory://")
    transport: dict[str, object] = {
        # Each lane is looked at in the order of LANES, not in turn: a free process
        # takes urgent work first, however much bulk work waits.
        "queue_order_strategy": "priority",
    }
    if memory:
        # The in-memory transport polls once a second by default: far too slow here.
        transport["polling_interval"] = 0.01
    celery_app.conf.update(
        broker_url=broker_url,
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=LANES[-1],
        task_create_missing_queues=True,
        # A task is acknowledged only once it has run, and given back if its worker dies:
        # with idempotent handlers, at-least-once delivery gives exactly-once effects.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A process reserves no message beyond the one it runs, so an urgent message is
        # never held behind bulk messages taken earlier.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport,
    )
    return celery_app
