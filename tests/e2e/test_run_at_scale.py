"""The README's "Run it at scale", command by command, on a real PostgreSQL and Redis:
`docchat db upgrade`, `docchat worker`, `docchat serve --workers 4`."""

import shlex
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.e2e.processes import ROOT, environment, get_json, running, wait_for

pytestmark = pytest.mark.slow
README = ROOT / "README.md"


def scale_commands() -> list[str]:
    section = README.read_text().split("## Run it at scale", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_the_scale_commands_are_the_ones_this_test_runs() -> None:
    commands = scale_commands()
    assert commands[0] == "pip install -e '.[scale]'"
    # .ci/run installs [dev], which includes [scale]: the servers' clients are here.
    assert any('extra == "scale"' in r for r in requires("docchat-lab") or [])
    assert [c.split("=")[0] for c in commands[1:4]] == [
        "export DOCCHAT_DATABASE_URL",
        "export DOCCHAT_TASK_QUEUE",
        "export DOCCHAT_BROKER_URL",
    ]
    assert commands[4:] == [
        "docchat db upgrade",
        "docchat worker --concurrency 2 &",
        "docchat serve --workers 4",
    ]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _docchat(line: str) -> list[str]:
    words = shlex.split(line.removesuffix("&"))
    assert words[0] == "docchat"
    return [sys.executable, "-m", "docchat", *words[1:]]


def test_run_it_at_scale_as_the_readme_says(
    empty_postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    exports = dict(
        line.removeprefix("export DOCCHAT_").split("=", 1) for line in scale_commands()[1:4]
    )
    assert exports["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert exports["BROKER_URL"].startswith("redis://")
    env = environment(
        database_url=empty_postgres_url, task_queue=exports["TASK_QUEUE"], broker_url=redis_url
    )
    upgrade, worker, serve = scale_commands()[4:]
    port = _free_port()

    done = subprocess.run(_docchat(upgrade), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "upgraded from nothing to" in done.stderr

    with (
        running(_docchat(worker), env, tmp_path, "worker"),
        running([*_docchat(serve), "--port", str(port)], env, tmp_path, "serve"),
    ):
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: get_json(f"{base}/health/ready"), 120, "docchat serve --workers 4")
        ids = []
        for n in range(6):
            body = {"title": f"Kettle {n}", "content": f"Descale kettle number {n} every month."}
            response = httpx.post(f"{base}/documents/", json=body, timeout=30)
            assert response.status_code == 202
            ids.append(response.json()["id"])

        def all_ready() -> bool | None:
            listed = get_json(f"{base}/documents/")
            return (
                isinstance(listed, list) and all(d["status"] == "ready" for d in listed)
            ) or None

        wait_for(all_ready, 120, "the workers to process every document")
        asked = httpx.post(f"{base}/chat/ask", json={"question": "descaling kettles"}, timeout=30)
        assert asked.status_code == 200
        assert {s["document_id"] for s in asked.json()["sources"]} <= set(ids)
        assert len(asked.json()["sources"]) == 4
