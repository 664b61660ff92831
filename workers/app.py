"""The Celery application. Its broker is Redis in distributed mode, memory when embedded."""

from celery import Celery

celery_app = Celery("warn", include=["workers.tasks"])


def configure(broker_url: str) -> Celery:
    memory = broker_url.startswith("memory://")
    celery_app.conf.update(
        broker_url=broker_url,
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # A task is acknowledged only once it has run, and given back if its worker dies:
        # with idempotent handlers, at-least-once delivery gives exactly-once effects.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        # The in-memory transport polls once a second by default: far too slow here.
        broker_transport_options={"polling_interval": 0.01} if memory else {},
    )
    return celery_app
