"""bench.scale_search in its `--quick` mode: a real PostgreSQL, started and stopped by the
benchmark itself, and a SQLite file, searched for the same questions, then each served by
a real DocChat that gets 20 asks at once. Structure only."""

from pathlib import Path

import pytest

from bench import report, scale_search

pytestmark = pytest.mark.slow


def test_scale_search_compares_postgresql_with_sqlite_and_the_scan(tmp_path: Path) -> None:
    p = report.parser(scale_search.__doc__)
    scale_search.configure(p)
    argv = ["--quick", "--results", str(tmp_path / "RESULTS.md"), "--scans", "2", "--repeats", "2"]
    args = p.parse_args(argv)

    result = report.run_one(scale_search.run, args)

    names = [row[0] for row in result.rows]
    assert names == [
        "sqlite FTS5", "postgresql tsvector", "postgresql scan (before)",
        "sqlite FTS5: 20 at once, HTTP", "postgresql tsvector: 20 at once, HTTP",
    ]  # fmt: skip
    assert [row[1] for row in result.rows] == ["40", "40", "2", "20", "20"]
    assert result.rows[0][4] == result.rows[3][4] == "1.00"  # FTS5 is the yardstick
    goals = {goal.name: goal for goal in result.goals}
    errors = goals.pop("PostgreSQL: 5xx among 20 asks at once")
    assert errors.measured == 0
    assert errors.met
    assert all(goal.measured > 0 for goal in goals.values())
