"""bench.scale_search in its `--quick` mode: a real PostgreSQL, started and stopped by the
benchmark itself, and a SQLite file, searched for the same questions. Structure only."""

from pathlib import Path

import pytest

from bench import report, scale_search

pytestmark = pytest.mark.slow


def test_scale_search_compares_postgresql_with_sqlite_and_the_scan(tmp_path: Path) -> None:
    p = report.parser(scale_search.__doc__)
    scale_search.configure(p)
    args = p.parse_args(["--quick", "--results", str(tmp_path / "RESULTS.md"), "--scans", "2"])

    result = report.run_one(scale_search.run, args)

    names = [row[0] for row in result.rows]
    assert names == ["sqlite FTS5", "postgresql tsvector", "postgresql scan (before)"]
    assert [row[1] for row in result.rows] == ["20", "20", "2"]
    assert result.rows[0][4] == "1.00"  # FTS5 is the yardstick
    assert all(goal.measured > 0 for goal in result.goals)
