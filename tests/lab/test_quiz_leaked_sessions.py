"""Quiz Q7's answer against SQLAlchemy itself: a leaked session's connection is not lost forever.

The garbage collector returns it to the pool (notebook 02 shows it on a served app), so the
answer must not say the connections "never go back to the pool".
"""

import gc
from pathlib import Path

import pytest
from sqlalchemy import create_engine, exc, text
from sqlalchemy.orm import Session

from docchat_lab.quiz_questions import QUESTIONS


def test_the_collector_returns_a_leaked_connection_to_the_pool(tmp_path: Path) -> None:
    engine = create_engine(
        f"sqlite:///{tmp_path / 'q7.db'}", pool_size=2, max_overflow=0, pool_timeout=0.1
    )
    gc.disable()
    try:
        for _ in range(2):
            Session(engine).execute(text("SELECT 1"))  # never closed: its connection stays out
        assert engine.pool.checkedout() == 2
        with pytest.raises(exc.TimeoutError), Session(engine) as third:
            third.execute(text("SELECT 1"))
        gc.collect()
        assert engine.pool.checkedout() == 0
    finally:
        gc.enable()
        engine.dispose()


def test_q7_does_not_say_the_connections_never_come_back() -> None:
    (question,) = [q for q in QUESTIONS if q.number == 7]
    text_of_answer = question.choices[question.correct] + question.explanation
    assert "never go back" not in text_of_answer
    assert "garbage collector" in text_of_answer
