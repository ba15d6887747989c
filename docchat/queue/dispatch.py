"""The processor a route hands a new document to: the web process's own threads, or Celery.

Routes call it as a background task, after the response: `tasks.add_task(processor, id)`.
Either way it is given only the document's id, which is committed before it runs.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from docchat.core.config import Settings
from docchat.queue.processing import process_claimed

Processor = Callable[[int], object]


def build_processor(settings: Settings, sessions: sessionmaker[Session]) -> Processor:
    """For `task_queue="background"`, process here; for "celery", send it to the workers."""
    if settings.task_queue == "celery":
        from docchat.queue.celery_app import send_processing

        return send_processing(settings)

    def process_here(document_id: int) -> object:
        return process_claimed(document_id, sessions, settings)

    return process_here


async def get_processor(request: Request) -> Processor:
    processor: Processor = request.app.state.processor
    return processor


ProcessorDep = Annotated[Processor, Depends(get_processor)]
