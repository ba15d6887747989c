"""The allowlist a run's root is built from: Python and its libraries, a few kit modules, and
nothing else of the kit, wherever it is installed."""

import importlib.util
import sys
from pathlib import Path

import pytest

from docchat_lab.grading import rootfs
from docchat_lab.grading.sandbox import _COMMON, _WORKER

ROOT = Path(__file__).resolve().parents[2]


def _covered(allowed: rootfs.Allowlist, path: Path) -> bool:
    """Whether a run could see `path` in a root built from `allowed`."""
    if any(Path(m) == path or Path(m) in path.parents for m in allowed.masks):
        return str(path) in allowed.files
    if str(path) in allowed.files:
        return True
    return any(Path(f) == path or Path(f) in path.parents for f in allowed.folders)


def test_the_worker_image_shows_python_and_its_few_kit_modules_only() -> None:
    modules = [*_COMMON, *_WORKER, "docchat_lab.harness.ex01_dependencies"]
    allowed = rootfs.allowlist(modules)
    stdlib = Path(importlib.util.find_spec("json").origin).resolve()  # type: ignore[arg-type]
    assert _covered(allowed, stdlib)
    assert _covered(allowed, Path(sys.executable).resolve())
    for module in modules:
        origin = importlib.util.find_spec(module).origin  # type: ignore[union-attr]
        assert _covered(allowed, Path(origin).resolve()), module  # type: ignore[arg-type]
    for hidden in ("solutions", ".git", "tests", "docchat", "exercises", "README.md"):
        assert not _covered(allowed, ROOT / hidden), hidden
    judge = ("docchat_lab.checks.ex01_dependencies", "docchat_lab.grading.runner")
    for module in (*judge, "docchat_lab.grading.results"):
        origin = importlib.util.find_spec(module).origin  # type: ignore[union-attr]
        assert not _covered(allowed, Path(origin).resolve()), module  # type: ignore[arg-type]


def test_a_kit_installed_inside_site_packages_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    site = Path(next(p for p in sys.path if p.endswith("site-packages"))).resolve()
    monkeypatch.setattr(rootfs, "_kit_folders", lambda: [site / "docchat_lab", site / "docchat"])
    allowed = rootfs.allowlist([])
    assert str(site / "docchat_lab") in allowed.masks
    assert str(site / "docchat") in allowed.masks
    assert not _covered(allowed, site / "docchat" / "main.py")


def test_a_runs_fresh_folders_never_hide_something_allowed() -> None:
    assert rootfs.run_folders(["/usr/lib", "/opt/python"]) == {"tmp": "/tmp", "work": "/work"}
    moved = rootfs.run_folders(["/tmp/ci/venv", "/work/kit/docchat_lab/__init__.py"])
    assert moved == {"tmp": "/.run/tmp", "work": "/.run/work"}
