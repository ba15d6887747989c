"""How often each check has failed for this learner, and so which tier of hint they have earned.

No hint before a check has failed once on code the learner wrote: a stub's "not written yet"
earns nothing. Then one more tier per failing run: a nudge, the concept, the answer line.
"""

import json
from pathlib import Path

from docchat_lab.grading.manifest import Exercise
from docchat_lab.grading.results import CheckResult
from docchat_lab.stages import workspace

FILE = "attempts.json"
# Failures that say nothing about the learner's attempt at this check.
NOT_AN_ATTEMPT = frozenset({"not-implemented", "missing", "not-checked", "syntax"})


def _path() -> Path:
    return workspace.state_dir() / FILE


def _load() -> dict[str, dict[str, int]]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(unit): {str(k): int(v) for k, v in checks.items() if isinstance(v, int)}
        for unit, checks in data.items()
        if isinstance(checks, dict)
    }


def record(exercise: Exercise, checks: list[CheckResult]) -> dict[str, int]:
    """Count this run's real failures; the hint tier each failing check has now earned."""
    data = _load()
    failures = data.setdefault(exercise.id, {})
    earned: dict[str, int] = {}
    for check in checks:
        if check.passed or check.hidden or check.kind in NOT_AN_ATTEMPT:
            continue
        failures[check.name] = failures.get(check.name, 0) + 1
        earned[check.name] = min(failures[check.name], len(exercise.hint_tiers(check.name)))
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    return earned


def apply_tiers(exercise: Exercise, checks: list[CheckResult], earned: dict[str, int]) -> None:
    """Give each failing check the hint it has earned, and nothing more."""
    for check in checks:
        tier = earned.get(check.name, 0)
        if check.passed or tier == 0:
            check.hint = ""
            continue
        tiers = exercise.hint_tiers(check.name)
        more = f" (hint {tier} of {len(tiers)}: the next comes if it fails again)"
        check.hint = tiers[tier - 1] + (more if tier < len(tiers) else "")
