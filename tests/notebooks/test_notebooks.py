"""The notebooks as course material: built from their sources, clean, machine-independent, in
the lesson's order, and every point of the errata shown by a cell that asserts it."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from docchat_lab.errata_map import find_demonstrations, missing_points, render_map
from docchat_lab.notebook_build import metadata_problems, notebook_pairs, sources_match

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PAIRS = notebook_pairs(NOTEBOOKS)
EXPECTED = [
    "00_start_here",
    "01_dependencies",
    "02_yield_dependencies",
    "03_routers_and_app_factory",
    "04_async_done_right",
    "05_cors_and_middleware",
    "06_background_tasks",
    "07_settings",
    "08_testing",
    "09_docchat_capstone",
    "10_quiz",
    "A1_event_loops_in_jupyter",
]
# What a machine leaves in outputs: its folders, its packages, its ephemeral ports (the lesson's
# example origins, :3000 or :8000, are the same everywhere).
MACHINE = re.compile(
    r"(/tmp/|/root/|/home/|/Users/|site-packages|(127\.0\.0\.1|localhost):[1-6]\d{4}\b)"
)
FIRST_CELL = ('warnings.simplefilter("error")', "setup(")


def test_notebooks_follow_the_lesson_in_order() -> None:
    assert [source.stem for source, _ in PAIRS] == EXPECTED
    stored = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert stored == EXPECTED, "a notebook without a source, or a source without a notebook"


@pytest.mark.parametrize(("source", "notebook"), PAIRS, ids=[s.stem for s, _ in PAIRS])
def test_notebook_is_built_from_its_source(source: Path, notebook: Path) -> None:
    assert sources_match(source, notebook) == [], (
        "rebuild: docchat-lab notebooks " + source.stem[:2]
    )


@pytest.mark.parametrize(("source", "notebook"), PAIRS, ids=[s.stem for s, _ in PAIRS])
def test_notebook_is_clean(source: Path, notebook: Path) -> None:
    assert metadata_problems(notebook) == []


@pytest.mark.parametrize(("source", "notebook"), PAIRS, ids=[s.stem for s, _ in PAIRS])
def test_notebook_outputs_say_nothing_about_the_machine(source: Path, notebook: Path) -> None:
    problems = []
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                problems.append(f"cell {index}: writes to stderr: {output['text'][:80]!r}")
            text = json.dumps(output.get("data", {})) + output.get("text", "")
            if match := MACHINE.search(text):
                problems.append(f"cell {index}: machine-specific {match.group(0)!r}")
    assert problems == []


@pytest.mark.parametrize(("source", "notebook"), PAIRS, ids=[s.stem for s, _ in PAIRS])
def test_notebook_opens_with_a_title_and_the_setup_cell(source: Path, notebook: Path) -> None:
    cells = nbformat.read(notebook, as_version=4).cells
    assert cells[0].cell_type == "markdown"
    assert cells[0].source.startswith(f"# {notebook.stem[:2]} ·"), cells[0].source[:40]
    first_code = next(c for c in cells if c.cell_type == "code")
    for needed in FIRST_CELL:
        assert needed in first_code.source, f"the first code cell lacks {needed}"
    # A notebook that builds a stage says which, so the learner's package is made and checked.
    number = notebook.stem[:2]
    if number.isdigit() and 1 <= int(number) <= 8:
        assert f"setup(stage={int(number)})" in first_code.source


def test_every_erratum_is_shown_by_a_cell_that_asserts_it() -> None:
    assert missing_points(find_demonstrations(NOTEBOOKS)) == []


def test_every_cell_that_claims_an_erratum_asserts_it() -> None:
    unproven = [
        f"{d.notebook} cell {d.cell}: erratum {d.point}"
        for d in find_demonstrations(NOTEBOOKS)
        if not d.asserts
    ]
    assert unproven == [], "move the marker to the cell that asserts the claim"


def test_errata_map_in_the_docs_is_current() -> None:
    current = render_map(find_demonstrations(NOTEBOOKS))
    stored = (ROOT / "docs" / "errata-map.md").read_text(encoding="utf-8")
    assert stored == current, "regenerate it: docchat-lab errata-map"


MAX_CELL_LINES = 40


@pytest.mark.parametrize(("source", "notebook"), PAIRS, ids=[s.stem for s, _ in PAIRS])
def test_no_code_cell_is_longer_than_40_lines(source: Path, notebook: Path) -> None:
    long_cells = [
        f"cell {index}: {len(cell.source.splitlines())} lines, starting {cell.source[:60]!r}"
        for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells)
        if cell.cell_type == "code" and len(cell.source.splitlines()) > MAX_CELL_LINES
    ]
    assert long_cells == [], "split these cells, or move their machinery into docchat_lab"
