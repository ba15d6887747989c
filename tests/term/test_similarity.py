"""Similarity: the copied pair stands out, renamed variables and all; starting code and code
the whole class wrote alike are not evidence; any file tree works, compared path by path."""

import pytest

from docchat_lab.grading.similarity import Settings, compare_class
from tests.term.classroom import COPIERS, LEARNERS, STARTER, learner_files

Files = dict[str, dict[str, bytes]]


@pytest.fixture(scope="module")
def class_files() -> Files:
    return {
        learner: {k: v.encode() for k, v in learner_files(learner, ("ex01", "ex03")).items()}
        for learner in LEARNERS
    }


@pytest.fixture(scope="module")
def starter() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in STARTER.glob("ex*.py")}


def flagged(report: dict) -> set[tuple[str, str]]:
    return {(p["a"], p["b"]) for p in report["pairs"] if p["flagged"]}


def test_only_the_two_who_copied_are_flagged(class_files: Files, starter: dict) -> None:
    report = compare_class(class_files, starter)
    assert flagged(report) == {COPIERS}
    pair = report["pairs"][0]
    assert (pair["a"], pair["b"]) == COPIERS
    assert min(pair["similarity_a"], pair["similarity_b"]) > 0.9  # renamed, and still alike
    honest = [p["similarity"] for p in report["pairs"][1:]]
    assert max(honest) < 0.5
    assert report["median"] < 0.3


def test_without_leaving_out_the_starting_code_everyone_looks_alike(class_files: Files) -> None:
    report = compare_class(class_files, {}, Settings(common_share=1.0))
    assert len(flagged(report)) == len(LEARNERS) * (len(LEARNERS) - 1) // 2


def test_code_given_as_starting_code_is_not_evidence(class_files: Files) -> None:
    # Had barbara's code been handed out as the starting point, sharing it would prove nothing.
    report = compare_class(class_files, class_files["barbara"])
    assert COPIERS not in flagged(report)
    assert flagged(report) == set()


def test_shared_passages_mark_only_what_learners_wrote(class_files: Files, starter: dict) -> None:
    pair = compare_class(class_files, starter)["pairs"][0]
    assert pair["files"], "a flagged pair comes with its passages"
    for item in pair["files"]:
        given = {line.strip() for line in starter[item["path"]].decode().splitlines()}
        for side in ("a", "b"):
            text, spans = item[f"{side}_text"], item[f"{side}_spans"]
            assert spans
            marked = {
                line.strip()
                for start, end in spans
                for line in text[text.rfind("\n", 0, start) + 1 : end].splitlines()
            }
            assert marked
            assert not marked & given - {""}


def test_a_package_tree_is_compared_path_by_path(class_files: Files) -> None:
    def tree(learner: str) -> dict[str, bytes]:
        files = class_files[learner]
        return {
            "my_docchat/api/deps.py": files["ex01_dependencies.py"],
            "my_docchat/api/routes/documents.py": files["ex03_routers.py"],
            "my_docchat/notes.txt": b"not code",
            "my_docchat/blob.py": b"\xff\xfe not utf-8",
        }

    report = compare_class({learner: tree(learner) for learner in LEARNERS}, {})
    assert flagged(report) == {COPIERS}
    paths = {item["path"] for item in report["pairs"][0]["files"]}
    assert paths == {"my_docchat/api/deps.py", "my_docchat/api/routes/documents.py"}


def test_nothing_to_compare_is_no_pairs() -> None:
    report = compare_class({"ada": {}, "alan": {"README.md": b"# hi"}}, {})
    assert report["pairs"] == []
    assert report["learners"] == ["ada", "alan"]
