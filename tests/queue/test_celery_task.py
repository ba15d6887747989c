"""The Celery task itself, run in this process (`apply`): idempotent on the document's id."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from docchat.core.db import build_engine, build_session_factory, init_db
from docchat.models import Chunk, Document
from docchat.queue.celery_app import TASK, worker_app
from tests.docchat_testkit import make_settings


def test_the_task_processes_once_and_a_second_delivery_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'docchat.db'}"
    engine = build_engine(url)
    init_db(engine)
    sessions = build_session_factory(engine)
    with sessions() as session:
        document = Document(title="Kettle", content="Descale the kettle every month. " * 20)
        session.add(document)
        session.commit()
    task = worker_app(make_settings(database_url=url)).tasks[TASK]

    first = task.apply(args=[document.id]).get()
    second = task.apply(args=[document.id]).get()
    gone = task.apply(args=[document.id + 1]).get()

    assert (first, second, gone) == ("ready", "ready", None)
    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Chunk))
        assert stored == session.get(Document, document.id).chunk_count > 1  # type: ignore[union-attr]
    engine.dispose()


def test_the_sender_imports_the_broker_client_when_it_is_built_not_on_the_first_task() -> None:
    # In a fresh interpreter: this one may have imported redis already.
    probe = (
        "import sys\n"
        "from docchat.queue.celery_app import send_processing\n"
        "from tests.docchat_testkit import make_settings\n"
        "before = 'redis' in sys.modules\n"
        "send_processing(make_settings(task_queue='celery', broker_url='redis://127.0.0.1:1/0'))\n"
        "print(before, 'redis' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", probe],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]
