"""`docchat-lab lab`: JupyterLab on the project, its terminals finding the kit's commands."""

import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from docchat_lab.lab_launcher import FIRST_NOTEBOOK, lab_command, lab_environment

ROOT = Path(__file__).resolve().parents[2]


def test_the_lab_opens_on_the_project_with_notebook_00() -> None:
    command = lab_command(ROOT, env={"SHELL": "/bin/sh"})
    assert command[1:4] == ["-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={ROOT}" in command
    assert command[-1] == str(ROOT / FIRST_NOTEBOOK)
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_options_go_to_jupyter_and_a_named_notebook_replaces_00() -> None:
    command = lab_command(ROOT, ["--no-browser", "notebooks/04_async_done_right.ipynb"])
    assert "--no-browser" in command
    assert str(ROOT / FIRST_NOTEBOOK) not in command


def test_kernels_and_terminals_get_the_kit_first_on_path() -> None:
    env = lab_environment(ROOT, {"PATH": "/usr/bin", "PYTHONPATH": "/elsewhere"})
    assert env["PATH"].split(os.pathsep) == [sysconfig.get_path("scripts"), "/usr/bin"]
    assert env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), "/elsewhere"]
    assert env["DOCCHAT_LAB_ROOT"] == str(ROOT)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_a_terminal_finds_the_kit_even_when_bashrc_puts_another_python_first(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "other-python" / "bin"
    elsewhere.mkdir(parents=True)
    impostor = elsewhere / "docchat-lab"
    impostor.write_text("#!/bin/sh\necho impostor\n")
    impostor.chmod(0o755)
    (tmp_path / ".bashrc").write_text(f'export PATH="{elsewhere}:$PATH"\n')
    env = lab_environment(ROOT, {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    command = lab_command(ROOT, env={"SHELL": shutil.which("bash") or "bash"})
    setting = next(a for a in command if a.startswith("--ServerApp.terminado_settings="))
    shell = json.loads(setting.split("=", 1)[1])["shell_command"]
    assert "-l" not in shell  # a login shell would let /etc/profile reset PATH
    found = subprocess.run(
        [*shell, "-i", "-c", "command -v docchat-lab"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert found.stdout.strip() == str(Path(sysconfig.get_path("scripts")) / "docchat-lab")
