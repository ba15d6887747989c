"""The learner's package: created once, reset per stage, and never a line of work lost."""

from pathlib import Path

import pytest

from docchat_lab.stages import definitions, package, workspace

MINE = "    return Page(skip=skip, limit=limit)  # mine, version {n}\n"


def _write_my_pagination(lab: Path, n: int) -> None:
    deps = lab / "api" / "deps.py"
    stub = workspace.stub_of("api/deps.py", "pagination")
    assert stub is not None
    body_start = stub.index("    # TODO(stage 01)")
    mine = stub[:body_start] + MINE.format(n=n)
    text, _ = definitions.replace(deps.read_text(), mine)
    deps.write_text(text)


def test_start_creates_the_stage_0_package_once(lab: Path) -> None:
    assert (lab / "README.md").is_file()
    for relative, text in package.snapshot(0).items():
        assert (lab / relative).read_text() == text
    again, created = workspace.start()
    assert again == lab
    assert not created


def test_two_resets_keep_both_earlier_versions(lab: Path) -> None:
    _write_my_pagination(lab, 1)
    first, _ = workspace.reset_stage(1)
    _write_my_pagination(lab, 2)
    second, reset = workspace.reset_stage(1)
    assert "api/deps.py: pagination" in reset
    assert first.folder != second.folder
    kept = [(f.folder / "my_docchat" / "api" / "deps.py").read_text() for f in (first, second)]
    assert "version 1" in kept[0]
    assert "version 2" in kept[1]
    now = (lab / "api" / "deps.py").read_text()
    assert "# mine" not in now
    assert 'NotImplementedError("stage 01: pagination() is not written yet")' in now


def test_reset_touches_only_that_stages_definitions(lab: Path) -> None:
    deps = lab / "api" / "deps.py"
    deps.write_text(deps.read_text() + "\n\nMY_OWN_HELPER = 42\n")
    workspace.reset_stage(1)
    assert "MY_OWN_HELPER = 42" in deps.read_text()


def test_reset_of_a_file_that_does_not_parse_says_where_and_changes_nothing(lab: Path) -> None:
    deps = lab / "api" / "deps.py"
    deps.write_text(deps.read_text() + "\ndef broken(:\n")
    before = deps.read_text()
    with pytest.raises(workspace.WorkspaceError, match="syntax error on line"):
        workspace.reset_stage(1)
    assert deps.read_text() == before


def test_unwritten_lists_the_stubs_left(lab: Path) -> None:
    assert workspace.unwritten(1) == ["api/deps.py: pagination", "api/deps.py: get_document"]
    _write_my_pagination(lab, 1)
    assert workspace.unwritten(1) == ["api/deps.py: get_document"]


def test_unwritten_names_a_class_by_the_members_left_and_says_when_one_is_missing() -> None:
    start = package.snapshot(0)
    assert workspace.stubs_left(4, start.__getitem__) == [
        "api/routes/chat.py: ask",
        "services/llm.py: OpenAIChatClient.answer",
    ]
    gutted = {**start, "api/routes/chat.py": "from fastapi import APIRouter\n"}
    assert (
        workspace.stubs_left(4, gutted.__getitem__)[0]
        == "api/routes/chat.py: ask (not in the file)"
    )
    written = package.snapshot(7)
    assert workspace.stubs_left(7, written.__getitem__) == []


def test_without_a_package_the_learner_is_told_how_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(workspace.PACKAGE_ENV, str(tmp_path / "nothing"))
    with pytest.raises(workspace.WorkspaceError, match="docchat-lab start"):
        workspace.require()


def test_starts_at_the_same_moment_make_one_whole_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setenv(workspace.PACKAGE_ENV, str(tmp_path / "my_docchat"))
    with ThreadPoolExecutor(8) as pool:
        created = [c for _path, c in pool.map(lambda _n: workspace.start(), range(8))]
    assert created.count(True) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_docchat"]  # no draft left
    for relative, text in package.snapshot(0).items():
        assert (tmp_path / "my_docchat" / relative).read_text() == text
