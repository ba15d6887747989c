"""Notebook 09: your whole `my_docchat`, served inline, walks the contract the reference walks.

Your package may be unfinished: what is missing is reported in a sentence, never raised, so that
the capstone runs to its end with Run All whatever state your package is in.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from docchat_lab.serving import InlineServer
from docchat_lab.stages import package, workspace
from docchat_lab.stages.contract import ContractResult, walk
from docchat_lab.stages.tour import import_fresh

SERVER_NAME = "my-docchat"


def reference_edition() -> bool:
    """True when the notebook runs on the reference's snapshot (CI, the stored outputs)."""
    from docchat_lab.notebook import EDITION_ENV

    return os.environ.get(EDITION_ENV) == "reference"


@dataclass
class Served:
    """Your package served inline (`server`), or why it is not (`server` is None)."""

    server: InlineServer | None
    lines: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        state = "is served inline" if self.server else "is not served yet"
        return "\n".join([f"Your {package.LEARNER} {state}:", *self.lines])


def _stubs_by_stage(up_to_stage: int) -> list[str]:
    """One line per stage and file that still has stubs: `stage 02: get_db in api/deps.py`."""
    lines, before = [], set[str]()
    for stage in range(1, up_to_stage + 1):
        left = workspace.unwritten(stage)
        new = workspace.by_file([item for item in left if item not in before])
        before.update(left)
        for relative, names in new.items():
            lines.append(f"  stage {stage:02d}: {', '.join(names)} in {relative}")
    return lines


def serve_yours() -> Served:
    """Serve your package through its own `create_app`, on a database in a scratch folder."""
    from docchat_lab.notebook import scratch_dir

    try:
        left = _stubs_by_stage(package.LAST_STAGE)
    except workspace.WorkspaceError as exc:
        return Served(None, [f"  {exc}"])
    # Stage 08 is the package's tests: the app serves without them.
    tests = [line for line in left if line.startswith(f"  stage {package.LAST_STAGE:02d}")]
    if blocking := [line for line in left if line not in tests]:
        done = "write them in their notebooks, then run this cell again"
        return Served(None, ["  these are still stubs:", *blocking, f"  ({done})"])
    notes = ["  it serves without your tests, which are still stubs:", *tests] if tests else []
    try:
        import_fresh()
        config = __import__(f"{package.LEARNER}.core.config", fromlist=["Settings"])
        main = __import__(f"{package.LEARNER}.main", fromlist=["create_app"])
        database = f"sqlite:///{scratch_dir('my-docchat-') / 'capstone.db'}"
        # No .env and no key: your shell's settings stay out, the offline answerer answers.
        settings = config.Settings(_env_file=None, database_url=database, openai_api_key=None)
        server = InlineServer(main.create_app(settings), name=SERVER_NAME).start()
    except Exception as exc:  # your code: report it, never raise it
        return Served(None, [f"  it did not start: {type(exc).__name__}: {exc}", *notes])
    try:
        health = httpx2.get(f"{server.url}/health", timeout=30)
        answer = f"{health.status_code} {health.text[:80]}"
    except httpx2.HTTPError as exc:
        answer = f"no answer ({type(exc).__name__})"
    return Served(server, [f"  GET /health -> {answer}", *notes])


@dataclass
class NotWalked:
    reason: str
    passed: bool = False

    def __repr__(self) -> str:
        return f"The DocChat contract was not walked: {self.reason}"


def walk_yours(served: Served) -> ContractResult | NotWalked:
    """The contract, walked over HTTP against your served package."""
    if served.server is None or not served.server.running:
        return NotWalked(f"your {package.LEARNER} is not served (see the cell above)")
    return walk(served.server.url)


def side_by_side(yours: ContractResult | NotWalked, reference: ContractResult) -> str:
    """One line per step of the contract: yours, then the reference's."""
    mine = {s.name: s.ok for s in yours.steps} if isinstance(yours, ContractResult) else {}
    lines = [f"{'yours':<7}{'reference':<11}step"]
    for step in reference.steps:
        ok = mine.get(step.name)
        shown = "—" if ok is None else ("✔" if ok else "✘")
        lines.append(f"{shown:<7}{'✔' if step.ok else '✘':<11}{step.name}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CommandRun:
    answered: bool  # GET /health answered 200 before the deadline
    banner: str  # the first line the command printed


def run_docchat_serve(workdir: Path, database_url: str) -> CommandRun:
    """`docchat serve` as a separate process on a free port: wait for /health, then stop it."""
    from docchat_lab.lesson.background import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("DOCCHAT_")}
    env["DOCCHAT_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "docchat", "serve", "--port", str(port)]
    log_path = workdir / "server.log"
    answered = False
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [*command, "--log-level", "warning"], cwd=workdir, env=env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 30
            while not answered and time.monotonic() < deadline and process.poll() is None:
                try:
                    health = httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1)
                    answered = health.status_code == 200
                except httpx2.TransportError:
                    time.sleep(0.1)
        finally:
            process.terminate()
            process.wait(timeout=20)
    lines = log_path.read_text(encoding="utf-8").splitlines()
    banner = (lines[0] if lines else "").replace(f":{port}", ":<port>")
    return CommandRun(answered, banner)
