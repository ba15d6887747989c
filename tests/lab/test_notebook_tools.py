"""Building notebooks from percent sources, and showing real source code in them."""

from pathlib import Path

import nbformat
import pytest

from docchat_lab.notebook_build import clean, metadata_problems, read_percent, sources_match
from docchat_lab.source_view import source

SOURCE = """# %% [markdown]
# # 99 · Title
#
# Some *text*.

# %%
x = 1

# %% tags=["raises-exception"]
raise ValueError
"""


def test_percent_source_becomes_cells_with_tags_and_stable_ids(tmp_path: Path) -> None:
    path = tmp_path / "99_demo.py"
    path.write_text(SOURCE)
    nb = read_percent(path)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[0].source == "# 99 · Title\n\nSome *text*."
    assert nb.cells[2].metadata["tags"] == ["raises-exception"]
    assert [c.id for c in nb.cells] == [c.id for c in read_percent(path).cells]


def test_markdown_lines_must_be_comments(tmp_path: Path) -> None:
    path = tmp_path / "98_bad.py"
    path.write_text("# %% [markdown]\nnot a comment\n")
    with pytest.raises(ValueError, match="does not start with"):
        read_percent(path)


def test_drift_and_stray_metadata_are_found(tmp_path: Path) -> None:
    path = tmp_path / "97_demo.py"
    path.write_text(SOURCE)
    nb = clean(read_percent(path))
    nb.cells[1].metadata["collapsed"] = True
    nb.cells[1].source = "x = 2"
    target = tmp_path / "97_demo.ipynb"
    nbformat.write(nb, target)
    assert any("differs" in p for p in sources_match(path, target))
    assert any("stray metadata" in p for p in metadata_problems(target))


def test_source_view_reads_the_file_and_shows_a_project_path() -> None:
    view = source("docchat.api.deps", "get_db")
    assert view.path == "docchat/api/deps.py"
    assert view.code.startswith("async def get_db(")
    assert "yield session" in view
    assert view._repr_markdown_().startswith("**`docchat/api/deps.py, lines ")
    lines = Path("docchat/api/deps.py").read_text().splitlines()
    assert lines[view.first_line - 1].startswith("async def get_db(")


def test_an_erratum_cell_counts_only_a_real_assert_statement() -> None:
    from docchat_lab.errata_map import asserts

    assert asserts("x = 1\nassert x == 1\n")
    assert asserts("%%time\nassert True\n")
    assert not asserts("# assert this in a comment\nprint(1)\n")
    assert not asserts('print("assert")\n')
    assert not asserts("def f(:\n    assert 1\n")


def test_the_app_names_httpx2_as_itself() -> None:
    # Source views show the app's code: `import httpx2 as httpx` made them say httpx.AsyncClient
    # while the text says httpx2.
    import re

    for path in Path("docchat").rglob("*.py"):
        assert not re.search(r"import httpx2 as ", path.read_text()), path
