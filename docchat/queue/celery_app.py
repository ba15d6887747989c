"""DocChat on Celery over Redis: the web process sends a document's id, a worker processes it.

Delivery is at least once: a task is acknowledged only when it has finished (`acks_late`),
and a worker process that dies mid-task has its task put back (`reject_on_worker_lost`).
The task is idempotent on the document's id, and a document is claimed before it is
processed (queue/claims.py), so a second delivery, even a concurrent one, does no harm.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from celery import Celery
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.core.db import build_engine, build_session_factory
from docchat.models import DocumentStatus
from docchat.queue.processing import process_claimed

TASK = "docchat.process_document"
RETRY_S = 5  # a document the database let down goes back to `pending`: try again soon
MAX_RETRIES = 12


def build_celery(settings: Settings) -> Celery:
    app = Celery("docchat", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One task at a time per worker process: none waits behind a long document.
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


def send_processing(settings: Settings) -> Callable[[int], object]:
    """A processor (queue/dispatch.py) that sends the id to the workers."""
    app = build_celery(settings)
    # The broker's client library (redis) is imported now, at start-up, not by the first
    # request that sends a task: two first imports of redis at once, in two threads, can fail.
    app.connection_for_write().get_transport_cls()

    def send(document_id: int) -> object:
        return app.send_task(TASK, args=[document_id])

    return send


def worker_app(settings: Settings) -> Celery:
    """The app `docchat worker` runs, with the processing task registered."""
    app = build_celery(settings)

    @cache
    def sessions() -> sessionmaker[Session]:
        # Built in the worker's child process on its first task, never before the fork.
        return build_session_factory(build_engine(settings.database_url, pool_size=2))

    def process(task: Any, document_id: int) -> str | None:
        status = process_claimed(document_id, sessions(), settings)
        if status is DocumentStatus.PENDING:  # the database failed: later, not never
            raise task.retry(countdown=RETRY_S, max_retries=MAX_RETRIES)
        return None if status is None else status.value

    app.task(name=TASK, bind=True)(process)
    return app
