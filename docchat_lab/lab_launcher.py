"""`docchat-lab lab`: JupyterLab on the whole project, with the kit's commands in its terminals.

The root is the project, so the README, `notebooks/` and `exercises/` are all in the file
browser. Kernels and terminals inherit this process's environment: the kit's `bin` goes first on
PATH and the project on PYTHONPATH. JupyterLab refuses to run as root without `--allow-root`.
"""

import json
import os
import shutil
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
_BASHRC = Path(__file__).resolve().parent / "templates" / "lab_bashrc.sh"


def _terminal_shell(env: dict[str, str]) -> list[str]:
    """The shell of JupyterLab's terminals. Not a login shell: /etc/profile would reset PATH."""
    shell = env.get("SHELL") or shutil.which("bash") or shutil.which("sh") or "sh"
    if Path(shell).name == "bash":
        # ~/.bashrc may put other Pythons first (pyenv, conda); the kit's rc file runs it, then
        # puts the kit back in front.
        return [shell, "--rcfile", str(_BASHRC)]
    return [shell]


def lab_environment(root: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for JupyterLab, its kernels and its terminals."""
    env = dict(os.environ if base is None else base)
    scripts = sysconfig.get_path("scripts")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p]
    env["PATH"] = os.pathsep.join([scripts, *path])
    env["DOCCHAT_LAB_BIN"] = scripts
    env["DOCCHAT_LAB_ROOT"] = str(root)
    # The learner's own package at the root (and the kit, if it was not installed editable).
    paths = [str(root), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    if sys.prefix != sys.base_prefix:  # a virtual environment: say so, as `activate` would
        env["VIRTUAL_ENV"] = sys.prefix
    return env


def lab_command(
    root: Path, extra: Sequence[str] = (), env: dict[str, str] | None = None
) -> list[str]:
    """`python -m jupyter lab` on `root`, opening notebook 00 unless `extra` names a file."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    shell = _terminal_shell(env if env is not None else dict(os.environ))
    command.append("--ServerApp.terminado_settings=" + json.dumps({"shell_command": shell}))
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # containers and cloud notebooks often run as root
    command += list(extra)
    if not any(arg.endswith(".ipynb") for arg in extra) and (root / FIRST_NOTEBOOK).is_file():
        command.append(str(root / FIRST_NOTEBOOK))
    return command


def start_lab(root: Path, extra: Sequence[str] = ()) -> int:
    """Replace this process with JupyterLab (so Ctrl+C and signals go straight to it)."""
    env = lab_environment(root)
    command = lab_command(root, extra, env)
    print(f"docchat-lab: JupyterLab on {root}", file=sys.stderr, flush=True)
    if os.name == "posix":
        os.execve(command[0], command, env)
    import subprocess

    return subprocess.call(command, env=env)
