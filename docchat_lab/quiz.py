"""Recall practice: the lesson's questions and more, with feedback that explains every answer.

In a notebook::

    from docchat_lab import quiz

    quiz.ask(2)                      # show question 2 and its choices
    quiz.answer(2, "b")              # feedback on one answer
    quiz.check({1: "a", 2: "c"})     # feedback on several (unanswered ones say so)
    quiz.score({1: "a", 2: "c"})     # how many are correct
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Literal

from docchat_lab.quiz_questions import QUESTIONS, Question

Status = Literal["correct", "not yet", "not answered yet", "not a choice"]


@dataclass(frozen=True)
class Feedback:
    number: int
    given: str | None
    status: Status
    explanation: str
    revisit: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        answered = f' (you answered "{self.given}")' if self.given else ""
        head = f"Question {self.number}: {self.status}{answered}"
        if self.status == "not answered yet":
            return head
        if self.status == "not a choice":
            return f"{head}. Answer with one of the letters shown."
        return f"{head}. {self.explanation} Revisit: {self.revisit}."

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        mark = {"correct": "✅", "not yet": "❌", "not answered yet": "⬜", "not a choice": "⚠️"}
        return f"{mark[self.status]} {escape(str(self), quote=False)}"


@dataclass(frozen=True)
class Report:
    feedback: tuple[Feedback, ...]

    def __str__(self) -> str:
        return "\n".join(str(item) for item in self.feedback)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return "\n\n".join(item._repr_markdown_() for item in self.feedback)


@dataclass(frozen=True)
class Score:
    correct: int
    answered: int
    total: int

    def __str__(self) -> str:
        unanswered = self.total - self.answered
        return f"{self.correct} of {self.total} correct ({unanswered} not answered yet)"

    def __repr__(self) -> str:
        return str(self)


_BY_NUMBER = {question.number: question for question in QUESTIONS}


def question(number: int) -> Question:
    """The question with this number (1 to len(QUESTIONS))."""
    try:
        return _BY_NUMBER[number]
    except KeyError:
        raise ValueError(
            f"there is no question {number}; they run from 1 to {len(QUESTIONS)}"
        ) from None


@dataclass(frozen=True)
class QuestionList:
    questions: tuple[Question, ...]

    def __str__(self) -> str:
        return "\n\n".join(str(q) for q in self.questions)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return "\n\n---\n\n".join(q._repr_markdown_() for q in self.questions)


def ask(*numbers: int) -> Question | QuestionList:
    """Show one question, several, or (with no argument) all of them."""
    chosen = tuple(question(n) for n in numbers) if numbers else QUESTIONS
    return chosen[0] if len(chosen) == 1 else QuestionList(chosen)


def _normalise(given: object) -> str | None:
    if given is None:
        return None
    if not isinstance(given, str):
        return str(given)
    text = given.strip().lower().strip("()")
    return text or None


def answer(number: int, given: object) -> Feedback:
    """Feedback on one answer: correct, not yet (with the explanation), or not answered yet."""
    q = question(number)
    key = _normalise(given)
    if key is None:
        status: Status = "not answered yet"
    elif key not in q.choices:
        status = "not a choice"
    elif key == q.correct:
        status = "correct"
    else:
        status = "not yet"
    return Feedback(q.number, key, status, q.explanation, q.revisit)


def check(answers: Mapping[int, object], questions: Iterable[int] | None = None) -> Report:
    """Feedback on every question in `questions` (default: all); unanswered ones say so."""
    numbers = list(questions) if questions is not None else [q.number for q in QUESTIONS]
    unknown = sorted(set(answers) - set(_BY_NUMBER))
    if unknown:
        raise ValueError(f"there is no question {unknown[0]}; they run from 1 to {len(QUESTIONS)}")
    return Report(tuple(answer(n, answers.get(n)) for n in numbers))


def score(answers: Mapping[int, object]) -> Score:
    """How many of all the questions `answers` gets right."""
    feedback = check(answers).feedback
    correct = sum(item.correct for item in feedback)
    answered = sum(item.status != "not answered yet" for item in feedback)
    return Score(correct, answered, len(QUESTIONS))


def answer_key() -> dict[int, str]:
    """The correct letter of every question (for checks and instructors, not for learners)."""
    return {q.number: q.correct for q in QUESTIONS}


__all__ = [
    "QUESTIONS",
    "Feedback",
    "Question",
    "QuestionList",
    "Report",
    "Score",
    "answer",
    "answer_key",
    "ask",
    "check",
    "question",
    "score",
]
