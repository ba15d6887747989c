"""The recall quiz: a sound answer key, explained answers, honest scoring."""

import re

import pytest

from docchat_lab import quiz
from docchat_lab.project import notebooks_dir

NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


def wrong_choice(question: quiz.Question) -> str:
    return next(key for key in question.choices if key != question.correct)


def test_questions_are_numbered_from_one_without_gaps() -> None:
    assert [q.number for q in quiz.QUESTIONS] == list(range(1, len(quiz.QUESTIONS) + 1))
    assert len(quiz.QUESTIONS) >= 10


def test_the_lessons_five_questions_come_first() -> None:
    assert [q.number for q in quiz.QUESTIONS if q.from_lesson] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("question", quiz.QUESTIONS, ids=lambda q: f"q{q.number}")
def test_each_question_has_exactly_one_correct_choice(question: quiz.Question) -> None:
    correct = [key for key in question.choices if quiz.answer(question.number, key).correct]
    assert correct == [question.correct]
    assert len(question.choices) >= 3
    assert len(set(question.choices.values())) == len(question.choices), "duplicate choice text"


@pytest.mark.parametrize("question", quiz.QUESTIONS, ids=lambda q: f"q{q.number}")
def test_each_question_is_explained_and_points_to_a_notebook(question: quiz.Question) -> None:
    assert question.text.strip()
    assert len(question.explanation.split()) >= 15, "an explanation, not a one-word verdict"
    assert NOTEBOOK_NAME.match(question.revisit), question.revisit


def test_the_questions_span_every_notebook() -> None:
    built = {path.stem[:2] for path in notebooks_dir().glob("src/[0-9][0-9]_*.py")} - {"10"}
    assert {q.revisit[:2] for q in quiz.QUESTIONS} >= built


def test_revisit_names_match_existing_notebooks() -> None:
    existing = {path.stem for path in notebooks_dir().glob("src/[0-9][0-9]_*.py")}
    assert {q.revisit for q in quiz.QUESTIONS} <= existing


def test_question_two_corrects_the_lesson() -> None:
    q2 = quiz.question(2)
    lesson_answer = "After the response has been sent, in every case."
    assert lesson_answer in q2.choices.values()
    assert q2.choices[q2.correct] != lesson_answer
    for fact in ("after the background tasks", "before the error response", 'scope="function"'):
        assert fact in q2.choices[q2.correct]


def test_a_right_answer_is_correct_and_explained() -> None:
    feedback = quiz.answer(3, quiz.question(3).correct)
    assert feedback.correct
    assert feedback.status == "correct"
    assert quiz.question(3).explanation in str(feedback)


@pytest.mark.parametrize("question", quiz.QUESTIONS, ids=lambda q: f"q{q.number}")
def test_a_wrong_answer_says_not_yet_and_gives_the_explanation(question: quiz.Question) -> None:
    feedback = quiz.answer(question.number, wrong_choice(question))
    assert not feedback.correct
    assert feedback.status == "not yet"
    assert question.explanation in str(feedback)
    assert question.revisit in str(feedback)


@pytest.mark.parametrize("given", [None, "", "  "])
def test_no_answer_is_not_answered_yet_and_reveals_nothing(given: object) -> None:
    feedback = quiz.answer(1, given)
    assert feedback.status == "not answered yet"
    assert quiz.question(1).explanation not in str(feedback)


def test_answers_are_read_leniently() -> None:
    letter = quiz.question(4).correct
    for given in (letter.upper(), f" ({letter}) ", f"{letter}\n"):
        assert quiz.answer(4, given).correct, given


def test_a_letter_that_is_not_a_choice_is_reported_as_such() -> None:
    feedback = quiz.answer(1, "z")
    assert feedback.status == "not a choice"
    assert not feedback.correct


def test_an_unknown_question_number_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="there is no question 99"):
        quiz.answer(99, "a")
    with pytest.raises(ValueError, match="there is no question 0"):
        quiz.check({0: "a"})


def test_score_counts_correct_and_answered() -> None:
    key = quiz.answer_key()
    total = len(quiz.QUESTIONS)
    assert quiz.score({}) == quiz.Score(correct=0, answered=0, total=total)
    assert quiz.score(key) == quiz.Score(correct=total, answered=total, total=total)
    one_wrong = key | {1: wrong_choice(quiz.question(1))}
    assert quiz.score(one_wrong) == quiz.Score(correct=total - 1, answered=total, total=total)
    assert str(quiz.score({2: quiz.question(2).correct})) == (
        f"1 of {total} correct ({total - 1} not answered yet)"
    )


def test_an_object_that_claims_to_equal_everything_scores_nothing() -> None:
    class EqualsAnything(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    sneaky = {q.number: EqualsAnything("zz") for q in quiz.QUESTIONS}
    assert quiz.score(sneaky).correct == 0


def test_check_covers_the_requested_questions_in_order() -> None:
    report = quiz.check({2: quiz.question(2).correct}, questions=range(1, 4))
    assert [item.number for item in report.feedback] == [1, 2, 3]
    assert [item.status for item in report.feedback] == [
        "not answered yet",
        "correct",
        "not answered yet",
    ]


def test_ask_shows_the_question_and_every_choice() -> None:
    shown = str(quiz.ask(2))
    question = quiz.question(2)
    assert question.text in shown
    assert all(f"({key}) {text}" in shown for key, text in question.choices.items())
    several = quiz.ask(1, 2)
    assert "Question 1" in str(several)
    assert "Question 2" in str(several)
    assert "Question 1" in several._repr_markdown_()
    assert len(str(quiz.ask()).split("\n\n")) == len(quiz.QUESTIONS)
