"""Learner ids from folder and zip names: readable, distinct ignoring case, and never one
learner's own name handed to another's look-alike, whatever order the names come in."""

import io
import zipfile
from pathlib import Path

import pytest

from docchat_lab.grading.learner_ids import learner_id, learner_ids
from docchat_lab.grading.submissions import Wanted, collect

WANTED = Wanted(files=frozenset({"ex01_dependencies.py"}))


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_learner_ids_keep_unicode_and_stay_distinct() -> None:
    names = ["ädä", "ödö", "Ada Lovelace", "Ada Lovelace", "ADA LOVELACE", "../..", "..."]
    ids, notes = learner_ids(names)
    assert ids == [
        "ädä",
        "ödö",
        "Ada_Lovelace",
        "Ada_Lovelace-2",
        "ADA_LOVELACE-3",
        "learner-2",  # two names that both had to change: the names decide, not their order
        "learner",
    ]
    assert len(notes) == 3
    # The same name typed two ways (composed, decomposed) is the same learner, told apart.
    assert learner_ids(["Jos\u00e9", "Jose\u0301"])[0] == ["José", "José-2"]
    assert learner_id("Jose\u0301") == "José"


# Each pair: a name that is an id exactly as written, and one that becomes the same id
# (after cleaning, ignoring case, or composed). Whatever the order, the first keeps its id.
CLASHES = [
    ("alice", "_alice"),
    ("alice", "alice_"),  # sorts after alice: first come, first served did not matter
    ("alice", "ALICE"),
    ("alice", " alice"),
    ("alice", "-alice"),
    ("José", "Jose\u0301"),
]


@pytest.mark.parametrize(("exact", "other"), CLASHES)
def test_a_name_that_is_an_id_keeps_it_whatever_the_order(exact: str, other: str) -> None:
    for names in ([exact, other], [other, exact]):
        ids, notes = learner_ids(names)
        assert ids[names.index(exact)] == exact
        assert ids[names.index(other)] not in (exact, learner_id(other))
        assert len({i.casefold() for i in ids}) == 2
        assert len(notes) == 1


def test_a_name_like_a_suffixed_id_keeps_it() -> None:
    names = ["_alice", "alice", "alice-2", "ALICE"]
    for order in (names, names[::-1]):
        ids, notes = learner_ids(order)
        assert dict(zip(order, ids, strict=True)) == {
            "alice": "alice",
            "alice-2": "alice-2",
            "ALICE": "ALICE-3",
            "_alice": "alice-4",
        }
        assert len(notes) == 2


def _submit(root: Path, name: str, content: str) -> None:
    if name.endswith(".zip"):
        (root / name).write_bytes(_zip({"ex01_dependencies.py": content.encode()}))
    else:
        (root / name).mkdir()
        (root / name / "ex01_dependencies.py").write_text(content)


@pytest.mark.parametrize(
    ("keeper", "other"),
    [
        ("alice", "_alice"),  # byte order put the other first: it took the id
        ("alice", "alice~"),
        ("alice", "ALICE"),
        ("alice", " alice"),
        ("José", "Jose\u0301"),
        ("José.zip", "Jose\u0301"),
    ],
)
def test_collect_never_gives_a_learners_own_name_to_another_and_says_so(
    tmp_path: Path, keeper: str, other: str
) -> None:
    _submit(tmp_path, keeper, "keeper")
    _submit(tmp_path, other, "other")
    submissions, notes = collect(tmp_path, WANTED)
    files = {s.learner: s.files["ex01_dependencies.py"] for s in submissions}
    assert files[keeper.removesuffix(".zip")] == b"keeper"
    assert len(files) == 2
    [clash] = notes  # loud, and naming both sources, visibly different
    assert clash.startswith("LEARNER ID CLASH")
    assert f"{other!a} would be" in clash or f"{other!r} would be" in clash
    assert f"but {keeper!a} holds" in clash or f"but {keeper!r} holds" in clash


def test_a_zip_and_a_folder_of_the_same_name_are_both_graded_and_reported(tmp_path: Path) -> None:
    _submit(tmp_path, "alice", "folder")
    _submit(tmp_path, "alice.zip", "zip")
    submissions, notes = collect(tmp_path, WANTED)
    assert {s.learner: s.shown_source for s in submissions} == {
        "alice": "alice",
        "alice-2": "alice.zip",
    }
    [clash] = notes
    assert "'alice.zip' would be 'alice', but 'alice' holds 'alice'" in clash
    # The names' order does not decide: the same ids either way.
    assert learner_ids(["alice", "alice"], ["alice", "alice.zip"])[0] == ["alice", "alice-2"]
    assert learner_ids(["alice", "alice"], ["alice.zip", "alice"])[0] == ["alice-2", "alice"]
