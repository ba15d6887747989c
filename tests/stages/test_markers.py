"""The stage markers: a snapshot keeps what a stage has, stubs what comes later."""

import pytest

from docchat_lab.stages.markers import MarkerError, parse, snapshot, strip_markers

SOURCE = '''\
def create_app(settings):
    """Build the app."""
    ### BEGIN SOLUTION 03
    app = make(settings)
    ### BEGIN STAGE 05
    install_middleware(app)
    ### END STAGE
    return app
    ### END SOLUTION


### BEGIN SOLUTION 01
PageDep = real_alias()
### END SOLUTION
### BEGIN STUB
# PageDep = None  # TODO(stage 01)
### END STUB
'''


def test_before_its_stage_a_solution_is_a_stub_that_names_its_function() -> None:
    text = snapshot(SOURCE, 0)
    assert "make(settings)" not in text
    assert 'raise NotImplementedError("stage 03: create_app() is not written yet")' in text
    assert "PageDep = None  # TODO(stage 01)" in text
    assert "###" not in text


def test_a_stage_block_arrives_in_its_own_stage() -> None:
    assert "install_middleware" not in snapshot(SOURCE, 3)
    assert "app = make(settings)" in snapshot(SOURCE, 3)
    assert "install_middleware(app)" in snapshot(SOURCE, 5)


def test_the_finished_file_has_no_markers_and_no_stubs() -> None:
    finished = strip_markers(SOURCE)
    assert "###" not in finished
    assert "PageDep = real_alias()" in finished
    assert "TODO" not in finished
    compile(finished, "finished", "exec")


def test_solutions_know_their_stage_and_lines() -> None:
    solutions = parse(SOURCE).solutions()
    assert [(s.stage, s.function) for s in solutions] == [(3, "create_app"), (1, None)]
    assert (solutions[0].start, solutions[0].end) == (3, 9)


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("### BEGIN SOLUTION 01\nx = 1\n", "missing ### END SOLUTION"),
        ("### END SOLUTION\n", "without its BEGIN"),
        ("### BEGIN SOLUTION 01\nx = 1\n### END SOLUTION\n", "needs a STUB block"),
        ("def f():\n    ### BEGIN STAGE 02\n    ### BEGIN STAGE 03\n", "inside a STAGE block"),
        (
            "def f():\n    ### BEGIN SOLUTION 01\n    ### BEGIN SOLUTION 02\n",
            "inside a SOLUTION block",
        ),
        (
            "### BEGIN SOLUTION 01\ny = 2\n### END SOLUTION\n### BEGIN STUB\ny = 3\n### END STUB\n",
            "commented out",
        ),
    ],
)
def test_broken_markers_are_named_with_their_line(source: str, complaint: str) -> None:
    with pytest.raises(MarkerError, match=complaint):
        parse(source, "docchat/x.py")
