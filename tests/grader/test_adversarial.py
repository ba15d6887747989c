"""The threat model, one hostile submission per threat: each gets the score it deserves, the
grader finishes, the submission's other exercises keep their points, and nothing leaks."""

import base64
import os
import zipfile
from pathlib import Path

import pytest

from docchat_lab.grading.grade import ClassResult, grade
from docchat_lab.grading.isolation import UID_BLOCK, Limits, detect_mode
from docchat_lab.grading.reports import write_all

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parent / "adversarial"
SOLUTION = ROOT / "solutions" / "ex01_dependencies.py"
MODE = detect_mode()
# Files are hidden only with private mounts; a worker has a uid of its own as root.
HIDDEN_FILES = MODE in ("root", "bwrap")
OWN_UID = MODE in ("root", "uid")
# Without a uid of its own, these would take the test run down with them (kill -1, a fork
# bomb under the tester's own process limit): they are only run where they are contained.
NEEDS_OWN_UID = {"kill_everything", "fork_bomb"}

# threat -> (ex01 score, ex01 status)
EXPECTED = {
    "eq_always_true": (3.33, "ok"),  # 3 of 8 public checks and 0 of 1 hidden
    "fake_testclient": (0, "ok"),
    "patch_the_runner": (0, "ok"),
    "print_fake_results": (0, "crashed"),  # it wrote garbage on the grader's channel
    "loop_forever": (0, "timeout"),
    "loop_in_request": (0, "timeout"),
    "eat_memory": (0, "memory"),
    "exit_the_process": (0, "crashed"),
    "kill_everything": (0, "ok"),  # it can only signal itself: nothing else stops
    "fork_bomb": (0, "ok"),
    "syntax_error": (0, "ok"),
    "huge_output": (10, "ok"),
    "read_the_answers": (0, "ok"),
    "network_and_writes": (0, "ok"),
}
HIDDEN_CHECK = """
from docchat_lab.grading.expect import expect_status

SECRET_EXPECTATION = 422

def test_limit_far_too_large(ex):
    expect_status(ex.get("/page?limit=5000"), SECRET_EXPECTATION)
"""


def _submission(text: str, tmp: Path, paths: dict[str, Path]) -> str:
    honest = base64.b64encode(SOLUTION.read_bytes()).decode()
    for key, value in paths.items():
        text = text.replace(f"__{key}__", str(value))
    return text.replace("__HONEST__", honest)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[ClassResult, Path, Path]:
    tmp = tmp_path_factory.mktemp("class")
    submissions, out, hidden = tmp / "submissions", tmp / "out", tmp / "hidden"
    for folder in (submissions, out, hidden):
        folder.mkdir()
    (hidden / "ex01_dependencies.py").write_text(HIDDEN_CHECK)
    honest = submissions / "honest"
    honest.mkdir()
    (honest / "ex01_dependencies.py").write_bytes(SOLUTION.read_bytes())
    paths = {"HIDDEN": hidden, "OTHER_LEARNER": honest, "OUT": out}
    reference_ex03 = (ROOT / "solutions" / "ex03_routers.py").read_bytes()
    for threat in EXPECTED:
        if threat in NEEDS_OWN_UID and not OWN_UID:
            continue
        folder = submissions / threat
        folder.mkdir()
        text = (CORPUS / f"{threat}.py").read_text()
        (folder / "ex01_dependencies.py").write_text(_submission(text, tmp, paths))
        (folder / "ex03_routers.py").write_bytes(reference_ex03)
    # Not-quite-submissions: the grader must take them in its stride.
    (submissions / "empty").mkdir()
    (submissions / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    (submissions / "stray-notes.txt").write_text("not a submission")
    sneaky = submissions / "sneaky"
    sneaky.mkdir()
    (sneaky / "ex01_dependencies.py").symlink_to(SOLUTION)
    (sneaky / "junk.bin").write_bytes(os.urandom(4096))
    with zipfile.ZipFile(submissions / "zipped.zip", "w") as archive:
        archive.writestr("../../escape/ex01_dependencies.py", "raise SystemExit")
        archive.writestr("work/exercises/ex01_dependencies.py", SOLUTION.read_text())
    result = grade(
        submissions,
        out,
        hidden=hidden,
        jobs=4,
        limits=Limits(time_s=4, memory_mb=512),
        show_progress=False,
        only=["ex01", "ex03"],
    )
    write_all(result, out)
    return result, out, honest


def _learner(result: ClassResult, name: str):
    return next(lr for lr in result.learners if lr.learner == name)


@pytest.mark.parametrize("threat", sorted(EXPECTED))
def test_hostile_submission_gets_the_score_it_deserves(graded, threat: str) -> None:
    result, _out, _honest = graded
    if threat == "read_the_answers" and not HIDDEN_FILES:
        pytest.skip(f"isolation {MODE!r} cannot hide files: it needs private mounts")
    if threat in NEEDS_OWN_UID and not OWN_UID:
        pytest.skip(f"isolation {MODE!r} gives workers no uid of their own: not run here")
    learner = _learner(result, threat)
    ex01, ex03 = learner.exercises
    score, status = EXPECTED[threat]
    assert (ex01.score, ex01.status) == (score, status), [c.message for c in ex01.checks]
    assert ex03.score == 10, f"{threat} lost the points of an exercise it did"


def test_honest_submission_passes_public_and_hidden_checks(graded) -> None:
    result, _out, _honest = graded
    ex01 = _learner(result, "honest").exercises[0]
    assert ex01.score == 10
    assert [c.hidden for c in ex01.checks].count(True) == 1


def test_hidden_checks_never_show_their_code_or_expectations(graded) -> None:
    result, out, _honest = graded
    failing = _learner(result, "eq_always_true").exercises[0]
    hidden = [c for c in failing.checks if c.hidden]
    assert hidden
    assert not hidden[0].passed
    assert hidden[0].message == "a hidden check failed"
    assert hidden[0].hint == ""
    for page in (out / "feedback").iterdir():
        text = page.read_text()
        assert "SECRET_EXPECTATION" not in text
        assert "limit_far_too_large" not in text
        assert "5000" not in text


def test_awkward_folders_are_graded_not_fatal(graded) -> None:
    result, _out, _honest = graded
    names = {lr.learner for lr in result.learners}
    assert {"empty", "corrupt", "sneaky", "zipped"} <= names
    assert _learner(result, "empty").total == 0
    assert any("not a readable zip" in n for n in _learner(result, "corrupt").notes)
    sneaky = _learner(result, "sneaky")
    assert sneaky.total == 0
    assert any("symbolic link" in n for n in sneaky.notes)
    assert _learner(result, "zipped").exercises[0].score == 10  # the real file, not the escape
    assert any("stray-notes.txt" in n for n in result.notes)


def test_nothing_outside_the_work_folder_changed(graded) -> None:
    _result, out, honest = graded
    assert (honest / "ex01_dependencies.py").read_bytes() == SOLUTION.read_bytes()
    assert "everyone,0" not in (out / "grades.csv").read_text()


def test_no_worker_process_survives_grading(graded) -> None:
    result, _out, _honest = graded
    if not result.uid_base:
        pytest.skip("workers share the grader's uid when not running as root")
    survivors = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = entry.stat().st_uid
            except OSError:
                continue
            if result.uid_base <= uid < result.uid_base + UID_BLOCK:
                survivors.append(entry.name)
    assert survivors == []
