"""The learner's loop: watch re-checks on every save, progress is kept, no version is lost."""

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

from docchat_lab.grading.manifest import exercises, stages
from docchat_lab.history import keep_version, versions
from docchat_lab.progress import digest, load, record, render
from tests.lab_cli import lab_copy, run_lab

ROOT = Path(__file__).resolve().parents[2]


def _save_until_checked_again(
    watcher: subprocess.Popen[str], output: list[str], mine: Path
) -> None:
    deadline = time.monotonic() + 120
    while not any("watching ex01_dependencies.py" in line for line in output):
        assert watcher.poll() is None, "".join(output)
        assert time.monotonic() < deadline, "watch never showed its first check"
        time.sleep(0.1)
    assert any("0/8 checks passed" in line for line in output), output
    # Save the reference answer over the stub, as an editor would; again until the watcher
    # (which may still be setting up when the first save lands) has checked again.
    answer = (ROOT / "solutions" / mine.name).read_text(encoding="utf-8")
    saves = 0
    while watcher.poll() is None:
        assert time.monotonic() < deadline, "watch never checked again after a save"
        saves += 1
        mine.write_text(answer + f"\n# save {saves}\n", encoding="utf-8")
        with contextlib.suppress(subprocess.TimeoutExpired):
            watcher.wait(timeout=2)


def test_watch_checks_again_when_the_file_is_saved(tmp_path: Path) -> None:
    project = lab_copy(tmp_path)
    mine = project / "exercises" / "ex01_dependencies.py"
    with subprocess.Popen(
        [sys.executable, "-m", "docchat_lab", "watch", "ex01", "--stop-after", "2"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as watcher:
        output: list[str] = []
        reader = threading.Thread(target=lambda: output.extend(watcher.stdout or []), daemon=True)
        reader.start()
        try:
            _save_until_checked_again(watcher, output, mine)
        finally:
            watcher.kill()
            watcher.wait()
            reader.join(timeout=10)
    text = "".join(output)
    assert watcher.returncode == 0, text
    headlines = [line for line in text.splitlines() if "checks passed" in line]
    assert len(headlines) == 2, text
    assert "0/8 checks passed" in headlines[0]
    assert "8/8 checks passed" in headlines[1]
    assert "after ex01_dependencies.py changed" in text
    # The watched runs were recorded: progress knows ex01 passes now.
    progress = run_lab("progress", cwd=project)
    assert progress.returncode == 0, progress.stderr
    assert "✔ ex01" in progress.stdout
    units = len(stages()) + len(exercises())
    assert f"1 of {units} pass." in progress.stdout


def test_progress_is_kept_between_sessions_and_notices_edits(tmp_path: Path) -> None:
    state, work = tmp_path / ".docchat-lab", tmp_path / "work.py"
    work.write_text("first")
    record(state, "ex01", 8, 8, [work])
    record(state, "ex02", 3, 10, [tmp_path / "missing.py"])
    entries = load(state)  # read back from the file: what a new session sees
    assert entries["ex01"].complete
    assert (entries["ex02"].passed, entries["ex02"].complete) == (3, False)
    units = [("ex01", "one", [work]), ("ex02", "two", []), ("ex03", "three", [])]
    shown = render(state, units)
    assert "✔ ex01" in shown
    assert "✘ ex02  two    3/10 checks" in shown
    assert "· ex03  three  not checked yet" in shown
    assert "Next: ex02" in shown
    work.write_text("changed")
    assert entries["ex01"].digest != digest([work])
    assert "edited since its last check" in render(state, units)


def test_progress_with_every_unit_done_mentions_hidden_checks(tmp_path: Path) -> None:
    state = tmp_path / ".docchat-lab"
    record(state, "ex01", 2, 2, [])
    assert "hidden checks" in render(state, [("ex01", "one", [])])


def test_a_broken_progress_file_starts_afresh(tmp_path: Path) -> None:
    state = tmp_path / ".docchat-lab"
    state.mkdir()
    (state / "progress.json").write_text("{not json")
    assert load(state) == {}
    record(state, "ex01", 1, 2, [])
    assert load(state)["ex01"].passed == 1


def test_history_keeps_a_package_of_files_as_numbered_versions(tmp_path: Path) -> None:
    package = tmp_path / "my_docchat"
    (package / "api").mkdir(parents=True)
    files = [package / "main.py", package / "api" / "deps.py"]
    state = tmp_path / ".docchat-lab"
    for round_ in ("one", "two", "three"):
        for file in files:
            file.write_text(f"{round_} {file.name}")
        keep_version(state, "stage-03", files, package)
    kept = versions(state, "stage-03")
    assert [p.name[:4] for p in kept] == ["001-", "002-", "003-"]
    assert (kept[0] / "api" / "deps.py").read_text() == "one deps.py"
    assert (kept[2] / "main.py").read_text() == "three main.py"
    assert keep_version(state, "stage-04", [package / "nothing.py"], package) is None
