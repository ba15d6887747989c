"""Documents per second to `ready`: Celery workers (1, 2, 4 processes) against BackgroundTasks.

    python -m bench.scale_queue
    python -m bench.scale_queue --quick

Every mode gets a fresh database on one PostgreSQL, and one `docchat` web process (uvicorn)
under the same settings; the Celery modes add one `docchat worker --concurrency N` over a
Redis, started and ready before the clock starts. The clock runs from the first
`POST /documents/` to the moment the last document is `ready`. On this 2-core machine the
web process, the workers and PostgreSQL share the cores: read the ratios, not the rates.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import func, select

from bench import scale_servers
from bench.corpus import Prose
from bench.report import Report, main_for
from bench.servers import ServerSpec, serving
from docchat.core.db import build_engine
from docchat.models import Document, DocumentStatus

MODES = (("BackgroundTasks", 0), ("Celery, 1 worker", 1), ("Celery, 2", 2), ("Celery, 4", 4))


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--documents", type=int, default=100, help="per mode (default: %(default)s)")
    p.add_argument("--kb", type=int, default=20, help="size of each, in KB (default: %(default)s)")


def _ready(url: str) -> int:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.scalar(
                select(func.count()).where(Document.status == DocumentStatus.READY)
            )
    finally:
        engine.dispose()
    return int(count or 0)


def _worker(env: dict[str, str], processes: int, folder: Path) -> subprocess.Popen[bytes]:
    log = folder / f"worker-{processes}.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "docchat", "worker", "--concurrency", str(processes)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=folder,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while b" ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    return worker


def _one_mode(
    name: str, processes: int, servers_at: tuple[int, str], texts: list[str], folder: Path
) -> float:
    port, broker = servers_at
    url = scale_servers.new_database(port, name.lower().replace(" ", "").replace(",", "-"))
    queue = "celery" if processes else "background"
    docchat = {
        "DOCCHAT_DATABASE_URL": url,
        "DOCCHAT_TASK_QUEUE": queue,
        "DOCCHAT_BROKER_URL": broker,
    }
    env = {**os.environ, **docchat}
    worker = _worker(env, processes, folder) if processes else None
    try:
        with serving([ServerSpec(name, "docchat.main:create_app", docchat)]) as servers:
            base = servers[name].url
            begin = time.perf_counter()
            with httpx.Client(base_url=base, timeout=60) as client:
                for n, text in enumerate(texts):
                    response = client.post("/documents/", json={"title": f"d{n}", "content": text})
                    response.raise_for_status()
            while _ready(url) < len(texts):
                time.sleep(0.05)
            return time.perf_counter() - begin
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def run(args: argparse.Namespace) -> Report:
    count = 6 if args.quick else args.documents
    prose = Prose(seed=21)
    texts = [prose.text(args.kb * 1000) for _ in range(count)]
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-queue-") as scratch:
        folder = Path(scratch)
        with scale_servers.postgres(folder) as port, scale_servers.redis(folder) as broker:
            for name, processes in MODES:
                seconds[name] = _one_mode(name, processes, (port, broker), texts, folder)
    report = Report("scale_queue", "Documents to ready: Celery workers against BackgroundTasks")
    report.columns = ["processing", "documents", "seconds", "documents/s", "÷ BackgroundTasks"]
    base = count / seconds["BackgroundTasks"]
    for name, elapsed in seconds.items():
        rate = count / elapsed
        report.rows.append(
            [name, str(count), f"{elapsed:.1f}", f"{rate:.1f}", f"{rate / base:.2f}"]
        )
    report.notes = [
        f"{count} documents of {args.kb} KB each (chunks of 800 characters), posted one after "
        "another to one uvicorn process; PostgreSQL 15 and Redis on the same 2 cores",
        "BackgroundTasks process in the web process's threads (DOCCHAT_THREADS=8); a Celery "
        "worker's processes each take one document at a time",
        "on paper, a larger machine: chunking is Python holding the GIL, so BackgroundTasks "
        "get at most one core of one web process, and that web process's requests wait behind "
        "them; worker processes add a core each, until PostgreSQL's inserts (a tsvector and "
        "GIN entries per chunk) are the limit. Several machines: web processes and workers "
        "scale apart, sharing one Redis and one PostgreSQL. Here the web process, the workers, "
        "PostgreSQL and Redis share 2 cores, so more than 2 workers cannot help",
    ]
    return report


if __name__ == "__main__":
    raise SystemExit(main_for(run, __doc__, configure))
