"""The lab that bench/nbgrader_compare.py gives nbgrader, checked without nbgrader.

Run in this kit's own kernel with nbclient: the reference answers pass every autograder cell,
unanswered cells fail every one, and the hostile answers of the benchmark fool every cell that
goes through TestClient, as its report says.
"""

import json
from typing import Any

import nbformat
from nbclient import NotebookClient

from bench import nbgrader_compare as compare

LAB = compare.read_lab()
UNANSWERED = "# YOUR CODE HERE\nraise NotImplementedError()\n"  # what nbgrader leaves


def _failed_cells(answers: dict[str, str]) -> list[str]:
    notebook = nbformat.reads(json.dumps(compare.answered(LAB, answers)), as_version=4)
    NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True).execute()
    return [
        cell.metadata.nbgrader.grade_id
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        and any(output.output_type == "error" for output in cell.outputs)
    ]


def _nbgrader_cells() -> list[dict[str, Any]]:
    return [cell.metadata.nbgrader for cell in nbformat.reads(compare.LAB.read_text(), 4).cells
            if "nbgrader" in cell.metadata]  # fmt: skip


def test_lab_is_a_valid_notebook_with_three_answers_and_locked_tests() -> None:
    notebook = nbformat.read(compare.LAB, as_version=4)
    nbformat.validate(notebook)
    answers = compare.reference_answers(LAB)
    assert list(answers) == ["q1_answer", "q2_answer", "q3_answer"]
    assert all("SOLUTION" not in source for source in answers.values())
    assert set(compare.FAKE_ANSWERS) == set(answers)
    assert sum(compare.autograder_cells(LAB).values()) == 12
    cells = _nbgrader_cells()
    assert len({cell.grade_id for cell in cells}) == len(cells)
    assert all(cell.locked != cell.solution for cell in cells)


def test_reference_answers_pass_every_autograder_cell() -> None:
    assert _failed_cells(compare.reference_answers(LAB)) == []


def test_unanswered_lab_fails_every_autograder_cell() -> None:
    failed = _failed_cells(dict.fromkeys(compare.reference_answers(LAB), UNANSWERED))
    assert failed == list(compare.autograder_cells(LAB))


def test_fake_testclient_fools_every_cell_that_uses_testclient() -> None:
    assert _failed_cells(compare.FAKE_ANSWERS) == ["q3_refuses_unsafe_configurations"]
