"""Notebook 06's real queue: a Redis and a PostgreSQL of the notebook's own, and a Celery worker.

Each server runs from its system binaries, in a scratch folder, on a free port, and is stopped
(folder removed) by `Stack.stop()` or when the kernel exits. Under root, PostgreSQL (which
refuses root) runs as the `postgres` user that Debian's package creates.
"""

import atexit
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from docchat_lab.lesson.background import free_port

HOW_TO_GET = {
    "celery": "pip install -e '.[scale]'   (Celery with Redis support, and psycopg)",
    "psycopg": "pip install -e '.[scale]'   (Celery with Redis support, and psycopg)",
    "redis-server": "sudo apt-get install redis-server   (macOS: brew install redis)",
    "postgresql": "sudo apt-get install postgresql   (macOS: brew install postgresql@15)",
}


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts)
    return versions[-1].parent if versions else None


def missing() -> list[str]:
    """What this environment lacks for the real queue, as names from HOW_TO_GET."""
    lacking = [name for name in ("celery", "psycopg") if importlib.util.find_spec(name) is None]
    if shutil.which("redis-server") is None:
        lacking.append("redis-server")
    if _postgres_bin() is None:
        lacking.append("postgresql")
    return lacking


def how_to_get(lacking: list[str]) -> str:
    steps = dict.fromkeys(HOW_TO_GET[name] for name in lacking)  # in order, once each
    return (
        "Not run here: this environment has no "
        + ", ".join(lacking)
        + ". To get them:\n"
        + ("\n".join(f"  {step}" for step in steps))
    )


def _wait(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


def _as_postgres(command: list[str]) -> list[str]:
    if os.getuid() != 0:
        return command
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *command]


@dataclass
class Stack:
    """A running Redis and PostgreSQL (database `docchat`, migrated)."""

    folder: Path
    broker_url: str = ""
    database_url: str = ""
    _redis: "subprocess.Popen[bytes] | None" = None
    _pg_bin: Path = field(default_factory=Path)

    def queued(self) -> int:
        """How many tasks wait in Redis for a worker (Celery's default queue)."""
        import redis

        with redis.Redis.from_url(self.broker_url) as client:
            return int(client.llen("celery"))

    @contextmanager
    def worker(self) -> Iterator[Path]:
        """`docchat worker` with this stack's settings, for the block; yields its log file."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
        env |= {
            "DOCCHAT_DATABASE_URL": self.database_url,
            "DOCCHAT_TASK_QUEUE": "celery",
            "DOCCHAT_BROKER_URL": self.broker_url,
        }
        log = self.folder / "worker.log"
        command = [sys.executable, "-c", "from docchat.cli import main; main()", "worker"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*command, "--concurrency", "1"], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        try:
            yield log
        finally:
            # SIGTERM to the main process alone is Celery's warm shutdown: it lets the pool
            # finish and acknowledge. Sent to the whole group, it also kills the pool process,
            # which may not have reported its finished task yet: that reads as a lost worker,
            # and the task goes back to Redis (acks_late).
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()  # reaped here, not left a zombie until the kernel exits
                raise
            finally:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)  # anything the main process left

    def stop(self) -> None:
        if self._redis is not None and self._redis.poll() is None:
            self._redis.terminate()
            self._redis.wait(timeout=30)
        data = self.folder / "pg" / "data"
        if (data / "postmaster.pid").exists():
            stop = [str(self._pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            subprocess.run(_as_postgres(stop), check=False, capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Stack:
    """Start Redis and PostgreSQL, create the database and bring it to the newest schema."""
    import psycopg

    # Imported now, in this thread, before an app sends tasks: its server thread imports redis
    # (through Celery) while `queued` would import it here, and two first imports of redis at
    # once can fail (KeyError: 'redis.maint_notifications', seen on 3.11).
    import redis  # noqa: F401

    from docchat.core import schema
    from docchat.core.db import build_engine

    folder = Path(tempfile.mkdtemp(prefix="docchat-lab-scale-"))
    folder.chmod(0o755)
    stack = Stack(folder=folder, _pg_bin=_postgres_bin() or Path())
    atexit.register(stack.stop)
    redis_port, pg_port = free_port(), free_port()
    stack._redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stack.broker_url = f"redis://127.0.0.1:{redis_port}/0"
    pg = folder / "pg"
    pg.mkdir()
    if os.getuid() == 0:
        shutil.chown(pg, "postgres", "postgres")
    initdb = [str(stack._pg_bin / "initdb"), "-D", str(pg / "data"), "-U", "postgres"]
    subprocess.run(
        _as_postgres([*initdb, "-A", "trust", "--no-sync"]), check=True, capture_output=True
    )
    options = f"-p {pg_port} -c listen_addresses=127.0.0.1 -k {pg} -c fsync=off"
    start_pg = [str(stack._pg_bin / "pg_ctl"), "-D", str(pg / "data"), "-l", str(pg / "log")]
    subprocess.run(
        _as_postgres([*start_pg, "-o", options, "-w", "start"]), check=True, capture_output=True
    )
    admin = f"host=127.0.0.1 port={pg_port} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("CREATE DATABASE docchat")
    stack.database_url = f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}/docchat"
    engine = build_engine(stack.database_url)
    schema.upgrade(engine)  # what `docchat db upgrade` does
    engine.dispose()
    _wait(lambda: _answers(redis_port), "Redis")
    return stack


def _answers(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True
