"""A learner's walk through the whole build, as a script and as a test.

    .venv-lab/bin/python -m tests.stages.learner_walk      # in the [lab]-only venv (.ci/run)

From a fresh `my_docchat/` (as `docchat-lab start` makes it), for each stage in order: its check
fails on the stub with "not written yet"; the stage's definitions are written in from the
reference, as a build cell would write them; its check then passes in full. At the end the
learner's own package is served inline and walks the app's contract, as the reference does.
Needs nothing beyond `[lab]`: no pytest plugin, no browser.
"""

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from docchat_lab.grading.manifest import find
from docchat_lab.learner_check import run_checks
from docchat_lab.stages import definitions, package, workspace

Say = Callable[[str], None]


def fill_stage(stage: int, root: Path) -> list[str]:
    """Write stage `stage`'s definitions from the reference into the package; what was written."""
    reference = package.snapshot(stage)
    written: list[str] = []
    for relative, names in package.learner_files(stage).items():
        path = root / relative
        code = "\n\n".join(definitions.source_of(reference[relative], name) or "" for name in names)
        text, done = definitions.replace(path.read_text(encoding="utf-8"), code, relative)
        path.write_text(text, encoding="utf-8")
        written += [f"{relative}:{name}" for name in done]
    return written


def check_stage(stage: int, root: Path) -> tuple[int, int, list[str]]:
    """(passed, checks, messages of the failures) of one stage's check on the package."""
    [result] = run_checks([find(str(stage))], root)
    failures = [f"{c.name}: {c.message}" for c in result.checks if not c.passed]
    return result.passed, len(result.checks), failures


def serve_and_walk(root: Path, data: Path) -> str:
    """Serve the learner's package through its own create_app and walk the contract."""
    from docchat_lab.serving import InlineServer
    from docchat_lab.stages.contract import walk
    from docchat_lab.stages.tour import import_fresh

    import_fresh()
    config = __import__(f"{package.LEARNER}.core.config", fromlist=["Settings"])
    main = __import__(f"{package.LEARNER}.main", fromlist=["create_app"])
    settings = config.Settings(database_url=f"sqlite:///{data / 'walk.db'}")
    with InlineServer(main.create_app(settings), name="learner-walk").start() as server:
        result = walk(server.url)
    if not result.passed:
        raise AssertionError(repr(result))
    return repr(result)


def walk_all(lab: Path, say: Say = print) -> None:
    os.environ[workspace.PACKAGE_ENV] = str(lab / package.LEARNER)
    root, created = workspace.start()
    assert created, f"{root} already existed: the walk starts from a fresh package"
    for stage in range(1, package.LAST_STAGE + 1):
        passed, total, failures = check_stage(stage, root)
        assert total, f"stage {stage:02d} has no checks"
        assert passed < total, f"stage {stage:02d}: the stub passed {passed}/{total}"
        assert "not written yet" in failures[0], f"stage {stage:02d} on the stub: {failures[0]}"
        written = fill_stage(stage, root)
        passed, total, failures = check_stage(stage, root)
        assert passed == total, f"stage {stage:02d} filled in: {failures}"
        say(f"stage {stage:02d}: the stub fails; {len(written)} written; {total}/{total} pass")
    say(serve_and_walk(root, lab))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="learner-walk-") as lab:
        try:
            walk_all(Path(lab))
        except AssertionError as exc:
            print(f"the learner's walk FAILED: {exc}", file=sys.stderr)
            return 1
    print("the learner's walk: every stage fails on its stub and passes when written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
