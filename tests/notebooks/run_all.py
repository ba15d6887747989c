"""Run a notebook the way JupyterLab's "Run All" does: every cell queued at once, in one kernel."""

import queue
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager


@dataclass
class RunAllResult:
    statuses: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def _where(position: int, cells: int) -> str:
    return f"round {position // cells + 1}, code cell {position % cells + 1}"


def run_all_queued(
    path: Path, times: int = 2, timeout: float = 240.0, env: dict[str, str] | None = None
) -> RunAllResult:
    """Queue every code cell `times` times over, without waiting, then collect the replies.

    The kernel runs in the notebook's folder, as JupyterLab starts it, with `env` if given.
    """
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    sockets = tempfile.mkdtemp(prefix="kernel-ipc-")
    # ipc sockets, by absolute path: no TCP ports, and nothing left beside the notebook.
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
    manager.start_kernel(cwd=str(path.parent), **({"env": env} if env is not None else {}))
    client = manager.client()
    client.start_channels()
    result = RunAllResult()
    try:
        client.wait_for_ready(timeout=60)
        # stop_on_error=True, as JupyterLab sends it: one failing cell aborts the rest.
        ids = [client.execute(source, stop_on_error=True) for _ in range(times) for source in cells]
        replies: dict[str, str] = {}
        wanted = set(ids)
        while len(replies) < len(ids):
            message = client.get_shell_msg(timeout=timeout)
            parent = message["parent_header"].get("msg_id")
            if parent in wanted:  # not, say, a late reply to wait_for_ready's kernel_info
                replies[parent] = message["content"]["status"]
        result.statuses = [replies[i] for i in ids]
        while True:
            try:
                message = client.get_iopub_msg(timeout=1)
            except queue.Empty:
                break
            kind, content = message["msg_type"], message["content"]
            # Which code cell (and which round) wrote it: the diagnosis starts there.
            where = (
                _where(ids.index(p), len(cells))
                if (p := message["parent_header"].get("msg_id")) in wanted
                else "outside any cell"
            )
            if kind == "error":
                result.errors.append(f"{where}: {content['ename']}: {content['evalue']}")
            elif kind == "stream" and content.get("name") == "stderr":
                result.stderr.append(f"{where}: {content['text']}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    return result
