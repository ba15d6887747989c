"""The learner's package at every stage is generated from docchat/ and is valid Python."""

import ast
from pathlib import Path

import pytest

from docchat_lab.stages import definitions, markers, package


@pytest.mark.parametrize("stage", range(package.LAST_STAGE + 1))
def test_every_stage_snapshot_is_valid_python_without_markers(stage: int) -> None:
    for relative, text in package.snapshot(stage).items():
        ast.parse(text, relative)
        assert "### BEGIN" not in text, relative
        assert "import docchat" not in text, relative
        assert "from docchat" not in text, relative


def test_the_finished_snapshot_is_the_reference_renamed() -> None:
    finished = package.snapshot(package.LAST_STAGE)
    for relative, text in package.reference_sources().items():
        expected = package.rename(markers.strip_markers(text), package.LEARNER)
        assert finished[relative] == expected


def test_renaming_touches_imports_and_dotted_strings_only() -> None:
    text = 'from docchat.api import deps\nimport docchat.models\nx = "docchat.main:create_app"\n'
    text += 'y = "docchat is an app"\n'
    renamed = package.rename(text, "my_docchat")
    assert renamed == (
        "from my_docchat.api import deps\nimport my_docchat.models\n"
        'x = "my_docchat.main:create_app"\ny = "docchat is an app"\n'
    )


def test_every_stage_has_something_to_write() -> None:
    for stage in range(1, package.LAST_STAGE + 1):
        assert package.learner_files(stage), f"stage {stage:02d} writes nothing"


def test_stubs_keep_signatures_and_docstrings(tmp_path: Path) -> None:
    start = package.snapshot(0)
    for stage in range(1, package.LAST_STAGE + 1):
        for relative, names in package.learner_files(stage).items():
            for name in names:
                stub = definitions.source_of(start[relative], name)
                assert stub is not None, f"{relative}: {name} is missing from the start"
                node = ast.parse(stub).body[0]
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    assert ast.get_docstring(node), f"{relative}: {name} has no docstring"


def test_every_stage_has_checks_with_three_tiers_of_hints() -> None:
    from docchat_lab.grading.manifest import stages

    by_number = {s.number: s for s in stages()}
    assert sorted(by_number) == list(range(1, package.LAST_STAGE + 1))
    for stage in by_number.values():
        names = [name for name, _check in stage.checks()]
        assert names, f"{stage.id} has no checks"
        for name in names:
            tiers = stage.tiers.get(name, ())
            assert len(tiers) == 3, f"{stage.id}: {name} needs a nudge, the idea and the answer"
