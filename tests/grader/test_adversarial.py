"""The threat model, graded as a class in every isolation mode this machine allows: one hostile
submission per threat beside six honest learners. Each hostile one gets the score it deserves
in that mode, the honest ones get full marks, the grader finishes and writes its reports, the
submission's other exercises keep their points, and nothing outlives its run."""

import base64
import io
import json
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from docchat_lab.grading import runner
from docchat_lab.grading.grade import ClassResult, LearnerResult, grade
from docchat_lab.grading.isolation import UID_BLOCK, Limits
from docchat_lab.grading.manifest import find
from docchat_lab.grading.reports import write_all
from docchat_lab.grading.results import MESSAGE_LIMIT, ExerciseResult
from docchat_lab.grading.subject import ExerciseAbortedError
from tests.grader.threats import CORPUS, MODES, ROOT, THREATS, Threat, unavailable

SOLUTIONS = ROOT / "solutions"
ONLY = ["ex01", "ex03", "ex08"]
FILES = {"ex01": "ex01_dependencies.py", "ex03": "ex03_routers.py", "ex08": "ex08_testing.py"}
HONEST = ["honest-1", "honest-2", "honest-3", "honest-4", "honest-5", "ädä"]
HIDDEN_CHECK = """
from docchat_lab.grading.expect import expect_status

SECRET_EXPECTATION = 422

def test_limit_far_too_large(ex):
    expect_status(ex.get("/page?limit=5000"), SECRET_EXPECTATION)
"""


def _fill(text: str, paths: dict[str, Path]) -> str:
    honest = base64.b64encode((SOLUTIONS / FILES["ex01"]).read_bytes()).decode()
    for key, value in paths.items():
        text = text.replace(f"__{key}__", str(value))
    return text.replace("__HONEST__", honest)


def _plant_answers(folder: Path) -> None:
    """A course folder elsewhere on the disk: a copy of solutions/, and a git repository."""
    shutil.copytree(SOLUTIONS, folder / "course" / "solutions")
    repo = folder / "clone"
    repo.mkdir()
    shutil.copy(SOLUTIONS / FILES["ex01"], repo / FILES["ex01"])
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "answers"], check=True)
    shutil.rmtree(folder / "course" / "solutions" / "__pycache__", ignore_errors=True)


def _zips(submissions: Path) -> None:
    """Zips that cannot be read: encrypted, bad deflate data, bad LZMA data, not a zip."""
    entry = (SOLUTIONS / FILES["ex01"]).read_bytes()
    for name, method in (("bad-deflate", zipfile.ZIP_DEFLATED), ("bad-lzma", zipfile.ZIP_LZMA)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", method) as archive:
            archive.writestr(FILES["ex01"], entry)
        data = bytearray(buffer.getvalue())
        payload = 30 + sum(struct.unpack_from("<HH", data, 26))
        data[payload + 4 : payload + 12] = b"\xff" * 8
        (submissions / f"{name}.zip").write_bytes(bytes(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(FILES["ex01"], entry)
    locked = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = locked.find(signature)
        locked[at + offset] |= 1  # the "encrypted" flag, as zip -P sets it
    (submissions / "locked.zip").write_bytes(bytes(locked))
    (submissions / "not-a-zip.zip").write_bytes(b"PK\x03\x04 this is not a zip")


def _threats_for(mode: str) -> list[Threat]:
    return [t for t in THREATS if mode in t.scores]


@pytest.fixture(scope="module", params=MODES)
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    mode = request.param
    if reason := unavailable(mode):
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp(f"class-{mode}")
    submissions, out, hidden = tmp / "submissions", tmp / "out", tmp / "hidden"
    for folder in (submissions, out, hidden):
        folder.mkdir()
    _plant_answers(tmp / "planted")
    (hidden / FILES["ex01"]).write_text(HIDDEN_CHECK)
    for name in HONEST:
        for exercise in ONLY:
            (submissions / name).mkdir(exist_ok=True)
            shutil.copy(SOLUTIONS / FILES[exercise], submissions / name / FILES[exercise])
    shutil.copytree(ROOT / "exercises", submissions / "ödö")
    marker = tmp / "escaped.txt"
    paths = {
        "HIDDEN": hidden,
        "OTHER_LEARNER": submissions / "honest-1",
        "OUT": out,
        "PLANTED": tmp / "planted",
        "MARKER": marker,
    }
    for threat in _threats_for(mode):
        folder = submissions / threat.name
        folder.mkdir()
        text = (CORPUS / f"{threat.name}.py").read_text()
        (folder / FILES[threat.exercise]).write_text(_fill(text, paths))
        shutil.copy(SOLUTIONS / FILES["ex03"], folder / FILES["ex03"])
    _zips(submissions)
    (submissions / "stray-notes.txt").write_text("not a submission")
    (submissions / ".hidden").mkdir()
    result = grade(
        submissions,
        out,
        hidden=hidden,
        jobs=6,
        # 10 s: an honest run of ex01 takes well under one, but six at once on a busy 2-core
        # machine once ran out of 5 s before a memory attack reached its limit.
        limits=Limits(time_s=10, memory_mb=768),
        mode=mode,
        show_progress=False,
        only=ONLY,
    )
    write_all(result, out)
    ended = time.monotonic()
    return mode, result, out, submissions, marker, ended


def _learner(result: ClassResult, name: str) -> LearnerResult:
    return next(lr for lr in result.learners if lr.learner == name)


def _score(learner: LearnerResult, exercise: str) -> tuple[float, str, list[str]]:
    run = next(r for r in learner.exercises if r.exercise == exercise)
    return run.score, run.status, [f"{c.name}: {c.message}" for c in run.checks if not c.passed]


@pytest.mark.parametrize("threat", THREATS, ids=lambda t: t.name)
def test_hostile_submission_gets_the_score_it_deserves(graded, threat: Threat) -> None:
    mode, result, _out, _subs, _marker, _ended = graded
    if mode not in threat.scores:
        pytest.skip(threat.why_not[mode])
    learner = _learner(result, threat.name)
    score, status, failures = _score(learner, threat.exercise)
    wanted = threat.scores[mode]
    if threat.at_most:
        assert score <= round(wanted, 2), failures
    else:
        wanted_status = threat.statuses.get(mode, threat.status)
        assert (score, status) == (round(wanted, 2), wanted_status), failures
    assert _score(learner, "ex03")[0] == 10, f"{threat.name} lost the points of an exercise it did"


def test_six_honest_learners_get_full_marks_beside_every_attacker(graded) -> None:
    _mode, result, _out, _subs, _marker, _ended = graded
    for name in HONEST:
        learner = _learner(result, name)
        assert learner.total == result.max_total, [_score(learner, e) for e in ONLY]
    assert result.server_restarts == 0


@pytest.mark.parametrize(
    "threat", [t for t in THREATS if t.exercise == "ex08"], ids=lambda t: t.name
)
def test_no_attack_on_exercise_8_catches_a_bug(graded, threat: Threat) -> None:
    mode, result, _out, _subs, _marker, _ended = graded
    if mode not in threat.scores:
        pytest.skip(threat.why_not[mode])
    run = next(r for r in _learner(result, threat.name).exercises if r.exercise == "ex08")
    caught = [c.name for c in run.checks if c.name.startswith("test_your_tests_catch") and c.passed]
    assert caught == []


def test_hidden_checks_never_show_their_code_or_expectations(graded) -> None:
    _mode, result, out, _subs, _marker, _ended = graded
    failing = _learner(result, "eq_always_true").exercises[0]
    hidden = [c for c in failing.checks if c.hidden]
    assert len(hidden) == 1
    assert (hidden[0].passed, hidden[0].message, hidden[0].hint) == (
        False,
        "a hidden check failed",
        "",
    )
    for page in (out / "feedback").iterdir():
        text = page.read_text()
        for secret in ("SECRET_EXPECTATION", "limit_far_too_large", "5000"):
            assert secret not in text


def test_an_exit_code_never_reaches_the_learner(graded) -> None:
    # It exits with 5000 // 100 % 256 = 50 at the hidden check, after the visible ones ran.
    _mode, result, out, _subs, _marker, _ended = graded
    run = next(r for r in _learner(result, "exit_the_process").exercises if r.exercise == "ex01")
    assert run.status == "crashed"
    assert [c.passed for c in run.checks if not c.hidden].count(True) > 0
    shown = [run.detail, *(f"{c.message} {c.hint}" for c in run.checks)]
    assert all("50" not in text and "exit code" not in text for text in shown), shown
    assert "exit code" not in (out / "feedback" / "exit_the_process.md").read_text()


def test_the_detail_of_a_crash_names_no_exit_code_or_signal() -> None:
    unit = find("ex01")
    for report in ({"code": 50, "signal": None}, {"code": None, "signal": 50}):
        result = ExerciseResult(unit.id, unit.slug, unit.points)
        checks = [(name, fn, False) for name, fn in unit.checks()]
        aborted = ExerciseAbortedError("crashed", "the worker's process ended")
        runner._abort(result, aborted, report, Limits(), checks)
        assert result.detail == "its process ended unexpectedly"
        assert all("50" not in c.message for c in result.checks)


def test_unreadable_zips_are_rows_with_a_reason_and_the_class_is_graded(graded) -> None:
    _mode, result, out, _subs, _marker, _ended = graded
    reasons = {lr.learner: lr.unreadable for lr in result.learners if lr.unreadable}
    assert reasons["locked"] == "the zip is encrypted (password-protected)"
    assert "LZMAError" in reasons["bad-lzma"]
    assert "while decompressing" in reasons["bad-deflate"]
    assert "not a readable zip" in reasons["not-a-zip"]
    rows = (out / "grades.csv").read_text(encoding="utf-8")
    assert "locked,locked.zip,0,0,0,0,30,unreadable submission: the zip is encrypted" in rows
    assert (out / "report.html").is_file()
    assert any("stray-notes.txt" in n for n in result.notes)
    assert any(n.startswith("skipped .hidden") for n in result.notes)


def test_unicode_ids_stay_distinct_and_rows_name_their_folder(graded) -> None:
    _mode, result, out, _subs, _marker, _ended = graded
    assert (_learner(result, "ädä").source, _learner(result, "ödö").source) == ("ädä", "ödö")
    assert _learner(result, "ödö").total == 0
    assert (out / "feedback" / "ädä.md").is_file()
    assert (out / "feedback" / "ödö.md").is_file()


def test_huge_messages_are_cut_and_the_reports_stay_small(graded) -> None:
    _mode, result, out, _subs, _marker, _ended = graded
    for learner in result.learners:
        for run in learner.exercises:
            assert len(run.detail) <= MESSAGE_LIMIT
            for check in run.checks:
                assert len(check.message) <= MESSAGE_LIMIT
                assert len(check.hint) <= MESSAGE_LIMIT
    huge = _learner(result, "huge_messages").exercises[0]
    assert any(c.message.endswith("[truncated]") for c in huge.checks)
    assert (out / "grades.json").stat().st_size < 2_000_000
    assert (out / "feedback" / "huge_messages.html").stat().st_size < 100_000
    json.loads((out / "grades.json").read_text(encoding="utf-8"))


def test_nothing_outside_the_runs_changed_and_nothing_outlived_them(graded) -> None:
    mode, result, out, submissions, marker, ended = graded
    honest = submissions / "honest-1" / FILES["ex01"]
    assert honest.read_bytes() == (SOLUTIONS / FILES["ex01"]).read_bytes()
    grades = (out / "grades.csv").read_text(encoding="utf-8")
    assert "everyone,0" not in grades
    assert "setsid_escape,,10" not in grades
    # The escaper's grandchild would write on for 12 s: nothing more once its run was over.
    before = marker.read_text() if marker.exists() else ""
    time.sleep(max(0.0, ended + 1.5 - time.monotonic()))
    assert (marker.read_text() if marker.exists() else "") == before
    if mode in ("root", "bwrap"):
        assert before == "", "the marker's folder should not even be visible to a run"
    if result.uid_base:
        survivors = [
            p.name
            for p in Path("/proc").iterdir()
            if p.name.isdigit()
            and _uid_of(p) in range(result.uid_base, result.uid_base + UID_BLOCK)
        ]
        assert survivors == []


def _uid_of(path: Path) -> int:
    try:
        return path.stat().st_uid
    except OSError:
        return -1


def test_reports_say_which_isolation_was_in_force(graded) -> None:
    mode, result, out, _subs, _marker, _ended = graded
    assert result.mode == mode
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert data["isolation"] == result.isolation
    assert (out / "report.html").is_file()
