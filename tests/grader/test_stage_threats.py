"""Hostile DocChat packages, graded stage by stage: a stage's answers are the reference `docchat`
itself, so a package that finds the reference (by import or on disk) must find nothing, and a
package that attacks the worker on import scores nothing. An honest package beside them gets
full marks."""

from pathlib import Path

import pytest

from docchat_lab.grading.grade import ClassResult, grade
from docchat_lab.grading.isolation import NAMESPACED, Limits
from docchat_lab.stages import package
from tests.grader.threats import unavailable

DEPS = "api/deps.py"
# Each replaces the learner's api/deps.py: two stand-ins that pass for written code, then
# whatever the attack finds takes their place.
STAND_INS = """
def pagination(skip: int = 0, limit: int = 20): ...
def get_document(document_id: int): ...
"""
ATTACKS = {
    "import_the_reference": STAND_INS + "from docchat.api.deps import *  # noqa\n",
    "read_the_reference_on_disk": STAND_INS
    + """
import os as _os
for _top in ("/work", "/root", "/home", "/tmp", "/usr", "/opt", "/srv"):
    for _dir, _subdirs, _files in _os.walk(_top):
        if _dir.endswith("docchat/api") and "deps.py" in _files and "my_docchat" not in _dir:
            _text = open(_os.path.join(_dir, "deps.py"), encoding="utf-8").read()
            _text = _text.replace("from docchat.", "from my_docchat.")
            exec(compile(_text, "found", "exec"), globals())
            break
    else:
        continue
    break
""",
    "patch_the_judge": """
try:
    import docchat_lab.grading.expect as _expect
    _expect.expect_equal = lambda *a, **k: None
    _expect.expect_status = lambda *a, **k: None
except Exception:
    pass
""",
}
ON_IMPORT = {
    "exit_on_import": "import os\nos._exit(0)\n",
    "print_fake_results": (
        'print(\'{"exercise": "stage01", "status": "ok", "passed": 8, "score": 10.0}\')\n'
        "import sys\nsys.stdout.flush()\nraise SystemExit(0)\n"
    ),
}

# Its own hello ("loaded"), then no answer: the judge reads api/deps.py, too deep to parse. That
# failed in the judge and the run showed as "could not be graded: RecursionError".
FORGED_HELLO = """
import json, os, stat, struct, time
body = json.dumps({"op": "hello", "load": None, "missing": []}).encode()
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            os.write(fd, struct.pack("!I", len(body)) + body)
            break
    except OSError:
        pass
time.sleep(100)
"""
DEEP = "\nX = " + "+".join(["1"] * 20_000) + "\n"


def _beside_an_honest_one(factory: pytest.TempPathFactory, name: str) -> tuple[str, Path]:
    """A namespaced mode (the reference is readable without one), and a class with an honest
    package in it."""
    mode = next((m for m in NAMESPACED if not unavailable(m)), "")
    if not mode:
        pytest.skip("no namespaced isolation here: the reference is readable without it")
    submissions = factory.mktemp(name) / "submissions"
    package.write_snapshot(package.LAST_STAGE, submissions / "honest")
    return mode, submissions


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> ClassResult:
    mode, submissions = _beside_an_honest_one(tmp_path_factory, "stage-threats")
    for name, code in ATTACKS.items():
        mine = package.write_snapshot(0, submissions / name)
        stubs = (mine / DEPS).read_text()
        (mine / DEPS).write_text(stubs + code if name == "patch_the_judge" else code)
    for name, code in ON_IMPORT.items():
        mine = package.write_snapshot(package.LAST_STAGE, submissions / name)
        (mine / "__init__.py").write_text(code)
    mine = package.write_snapshot(package.LAST_STAGE, submissions / "blame_the_grader")
    (mine / "__init__.py").write_text(FORGED_HELLO)
    (mine / DEPS).write_text((mine / DEPS).read_text() + DEEP)
    out = submissions.parent / "out"
    limits = Limits(time_s=20, memory_mb=768)
    return grade(
        submissions, out, jobs=4, limits=limits, mode=mode, show_progress=False, only=["stage01"]
    )


def _score(result: ClassResult, learner: str) -> float:
    row = next(lr for lr in result.learners if lr.learner == learner)
    return row.total


def test_an_honest_package_gets_full_marks(graded: ClassResult) -> None:
    assert _score(graded, "honest") == graded.max_total > 0


@pytest.mark.parametrize("attack", [*ATTACKS, *ON_IMPORT, "blame_the_grader"])
def test_a_hostile_package_scores_nothing(graded: ClassResult, attack: str) -> None:
    row = next(lr for lr in graded.learners if lr.learner == attack)
    failures = [c.message for r in row.exercises for c in r.checks if not c.passed]
    assert row.total == 0, failures
    assert failures, "each check says why it failed"
    assert all(r.status != "grader" for r in row.exercises), "the grader is not to blame"


@pytest.mark.parametrize("attack", ["import_the_reference", "read_the_reference_on_disk"])
def test_without_the_sandbox_the_same_attack_would_pass(tmp_path: Path, attack: str) -> None:
    # The control: run without isolation (as a learner's own check does), the attack scores,
    # so the zeros above come from the sandbox, not from an attack that never worked.
    mine = package.write_snapshot(0, tmp_path / "subs" / attack)
    (mine / DEPS).write_text(ATTACKS[attack])
    result = grade(
        tmp_path / "subs",
        tmp_path / "out",
        jobs=1,
        mode="none",
        show_progress=False,
        only=["stage01"],
    )
    assert _score(result, attack) == result.max_total


# Stage 08 judges the learner's tests: each package replaces its conftest's `client` with a broken
# one (no `with`: the app never starts, so it has no tables), one also rewrites, in its own
# process, every outcome of its tests as passed. What the app process saw decides: both fail.
BROKEN_CLIENT = """
@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    yield TestClient(create_app(settings))
"""
STAGE08_ATTACKS = {
    "forge_own_outcomes": """
import sys as _sys

_served = _sys.modules.get("docchat_lab.harness.served_tests")
if _served is not None:
    _real = _served.run_own_tests

    def _forged(tests):
        result = _real(tests)
        for outcome in (result.get("outcomes") or {}).values():
            outcome["outcome"] = "passed"
            outcome.pop("error", None)
        return result

    _served.run_own_tests = _forged
""",
}


@pytest.fixture(scope="module")
def graded08(tmp_path_factory: pytest.TempPathFactory) -> ClassResult:
    mode, submissions = _beside_an_honest_one(tmp_path_factory, "stage08-threats")
    for name, code in {"broken_client": "", **STAGE08_ATTACKS}.items():
        conftest = (
            package.write_snapshot(package.LAST_STAGE, submissions / name) / "tests/conftest.py"
        )
        text = conftest.read_text()
        start = text.index("@pytest.fixture\ndef client")
        conftest.write_text(text[:start] + BROKEN_CLIENT + code)
    out = submissions.parent / "out"
    return grade(submissions, out, jobs=2, mode=mode, show_progress=False, only=["stage08"])


@pytest.mark.slow
def test_stage08_outcomes_forged_in_the_learners_process_score_nothing_more(
    graded08: ClassResult,
) -> None:
    assert _score(graded08, "honest") == graded08.max_total > 0
    control = _score(graded08, "broken_client")
    assert 0 < control < graded08.max_total, "the broken client alone loses the fixtures check"
    for attack in STAGE08_ATTACKS:
        assert _score(graded08, attack) <= control, attack
