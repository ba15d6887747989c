"""Stubs are generated from solutions: markers, stub blocks and their mistakes."""

from pathlib import Path

import pytest

from docchat_lab.exercise_gen import (
    MarkerError,
    make_answer,
    make_stub,
    out_of_date,
    write_exercises,
)

SOLUTION = '''def area(width, height):
    """Width times height."""
    ### BEGIN SOLUTION
    return width * height
    ### END SOLUTION


def scale(
    ### BEGIN SOLUTION
    factor: float = 2.0,
    ### END SOLUTION
    ### BEGIN STUB
    # factor=1,
    ### END STUB
):
    return factor
'''


def test_solution_block_becomes_a_todo_that_names_the_function() -> None:
    stub = make_stub(SOLUTION)
    assert "return width * height" not in stub
    assert "# TODO: write area() as its docstring describes." in stub
    assert 'raise NotImplementedError("area() is not written yet")' in stub
    assert '"""Width times height."""' in stub  # the spec stays


def test_stub_block_replaces_the_solution_uncommented() -> None:
    stub = make_stub(SOLUTION)
    assert "    factor=1,\n" in stub
    assert "factor: float" not in stub
    compile(stub, "<stub>", "exec")


def test_answer_drops_markers_and_stub_lines() -> None:
    answer = make_answer(SOLUTION)
    assert "###" not in answer
    assert "factor=1" not in answer
    assert "factor: float = 2.0" in answer


@pytest.mark.parametrize(
    "broken",
    [
        "### BEGIN SOLUTION\nx = 1\n",
        "x = 1\n### END SOLUTION\n",
        "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n### BEGIN STUB\nx = 2\n### END STUB\n",
    ],
    ids=["unclosed", "stray end", "uncommented stub"],
)
def test_marker_mistakes_are_reported(broken: str) -> None:
    with pytest.raises(MarkerError):
        make_stub(broken)


def test_write_then_check_in_sync_and_stray_files(tmp_path: Path) -> None:
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    (solutions / "ex01_area.py").write_text(SOLUTION)
    assert write_exercises(solutions, exercises) == ["ex01_area.py"]
    assert out_of_date(solutions, exercises) == []
    (exercises / "stray.py").write_text("")
    (exercises / "ex01_area.py").write_text("edited")
    problems = out_of_date(solutions, exercises)
    assert any("stray" in p for p in problems)
    assert any("differs" in p for p in problems)
