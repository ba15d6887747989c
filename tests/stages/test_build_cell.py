"""`%%build`: a notebook cell writes into the learner's file, never over the editor's work."""

from pathlib import Path

from docchat_lab.stages import build_cell, definitions, package, workspace


def _stub() -> str:
    stub = workspace.stub_of("api/deps.py", "pagination")
    assert stub is not None
    return stub


def _mine(version: str) -> str:
    stub = _stub()
    return (
        stub[: stub.index("    # TODO(stage 01)")] + f"    return Page(skip, limit)  # {version}\n"
    )


def test_the_untouched_stub_writes_nothing(lab: Path) -> None:
    before = (lab / "api" / "deps.py").read_text()
    result = build_cell.build("api/deps.py", _stub())
    assert "still holds the stub" in result.message
    assert result.written == ()
    assert (lab / "api" / "deps.py").read_text() == before


def test_a_written_cell_replaces_the_stub_and_keeps_the_rest(lab: Path) -> None:
    result = build_cell.build("api/deps.py", _mine("v1"))
    text = (lab / "api" / "deps.py").read_text()
    assert result.written == ("pagination",)
    assert "# v1" in text
    assert "def get_document(" in text  # the neighbours are untouched
    again = build_cell.build("api/deps.py", _mine("v1"))
    assert "already holds" in again.message


def test_rerunning_an_edited_cell_replaces_what_the_cell_wrote(lab: Path) -> None:
    build_cell.build("api/deps.py", _mine("v1"))
    result = build_cell.build("api/deps.py", _mine("v2"))
    assert result.written == ("pagination",)
    assert "# v2" in (lab / "api" / "deps.py").read_text()


def test_editor_changes_are_never_overwritten_without_asking(lab: Path) -> None:
    build_cell.build("api/deps.py", _mine("v1"))
    deps = lab / "api" / "deps.py"
    deps.write_text(deps.read_text().replace("# v1", "# edited in the editor"))
    refused = build_cell.build("api/deps.py", _mine("v2"))
    assert refused.written == ()
    assert "--overwrite" in refused.message
    assert "# edited in the editor" in deps.read_text()
    forced = build_cell.build("api/deps.py --overwrite", _mine("v2"))
    assert forced.written == ("pagination",)
    history = list((lab.parent / ".docchat-lab" / "history").rglob("deps.py"))
    assert any("# edited in the editor" in p.read_text() for p in history)


def test_bad_cells_say_what_is_wrong_and_write_nothing(lab: Path) -> None:
    before = (lab / "api" / "deps.py").read_text()
    assert "syntax error" in build_cell.build("api/deps.py", "def f(:\n").message
    assert "not a definition" in build_cell.build("api/deps.py", "print('hi')\n").message
    assert "defines nothing" in build_cell.build("api/deps.py", "# just a comment\n").message
    assert (lab / "api" / "deps.py").read_text() == before


def test_an_import_the_file_lacks_is_added_with_the_definition(lab: Path) -> None:
    build_cell.build("api/deps.py", "import json\n\n\n" + _mine("v1"))
    text = (lab / "api" / "deps.py").read_text()
    assert text.count("import json\n") == 1
    assert text.index("import json") < text.index("def pagination(")


SETTINGS_MEMBERS = ["model_config", "_split_origins", "_origins_are_bare", "_overlap_below_size"]


def _settings_cell(stage: int) -> str:
    """Stage 07's cell: the class header and only the members the learner writes."""
    text = package.snapshot(stage)["core/config.py"]
    bodies = [definitions.source_of(text, f"Settings.{m}") or "" for m in SETTINGS_MEMBERS]
    assert all(bodies)
    return "class Settings(BaseSettings):\n" + "\n".join(bodies)


def test_a_cell_with_some_members_of_a_class_writes_those_and_keeps_the_rest(lab: Path) -> None:
    config = lab / "core" / "config.py"
    assert "still holds the stub" in build_cell.build("core/config.py", _settings_cell(0)).message
    result = build_cell.build("core/config.py", _settings_cell(7))
    assert result.written == tuple(f"Settings.{m}" for m in SETTINGS_MEMBERS)
    assert config.read_text() == package.snapshot(7)["core/config.py"]  # the given fields stay
    config.write_text(config.read_text().replace("extra=", "# edited\n        extra="))
    refused = build_cell.build("core/config.py", _settings_cell(7))
    assert "Settings.model_config" in refused.message
    assert "--overwrite" in refused.message
    assert "# edited" in config.read_text()
