"""The judge of the learner's tests: they must pass on the correct app and catch each bug.

The learner's tests run once per variant, each time in a process of their own against one app
served from another process: no labels, no map, nothing to inspect. The correct app is served
`reference_runs` times among the bugs, in a shuffled order. One verdict per test set per run:
- the set passes on the correct app when every one of its runs there passed, and sent requests;
- it catches a bug when it failed on that bug's run AND the app saw a request reach the bug.
What a test process reports is only a claim; the app's evidence is the judge's own.
"""

import math
from dataclasses import dataclass, field
from typing import Any

from docchat_lab.grading.expect import expect
from docchat_lab.grading.served import ServedRun
from docchat_lab.grading.subject import CheckFailedError, Subject

NOT_DONE = "not done yet: your tests still raise NotImplementedError"


def outcomes(run: ServedRun) -> dict[str, dict[str, Any]]:
    found = (run.claim or {}).get("outcomes")
    if not isinstance(found, dict):
        return {}
    return {str(k)[:200]: v for k, v in found.items() if isinstance(v, dict)}


def failed(run: ServedRun) -> bool:
    """The set failed on this run: a test failed or errored, or the process gave no answer."""
    if run.claim is None:
        return True
    return any(o.get("outcome") in ("failed", "error") for o in outcomes(run).values())


@dataclass(frozen=True)
class ServedVerdicts:
    app: str  # the module serving the variants (see docchat_lab/grading/app_server.py)
    bugs: dict[str, str]  # variant -> what is wrong with it, as the learner reads it
    what: str = "your test file"
    reference_runs: int = 2
    # More variants, each run once with a probe of its own (the others run `run_tests`).
    more_runs: dict[str, str] = field(default_factory=dict)

    @property
    def variants(self) -> list[str]:
        """The apps the learner's tests run against, one test process each."""
        return ["reference"] * self.reference_runs + list(self.bugs) + list(self.more_runs)

    @property
    def busy(self) -> int:
        """About how many processes a run keeps busy at once. It starts one per variant and the
        app's, but each test process waits on the app for every request: about half of them
        run at any moment (a stage 08 run alone kept 1.3 of 2 cores busy)."""
        return math.ceil((len(self.variants) + 1) / 2)

    def runs(self, ex: Subject) -> list[ServedRun]:
        cached = ex.memo.get("runs")
        if cached is None:
            cached = ex.served_runs(self.app, self.variants, "run_tests", self.more_runs)
            ex.memo["runs"] = cached
        return list(cached)

    def first_problem(self, ex: Subject) -> None:
        """Stop with the message every check shares, when the tests cannot be judged at all."""
        runs = self.runs(ex)
        loads = [r.load for r in runs if r.load]
        if loads:
            load = loads[0]
            raise CheckFailedError(
                f"{self.what} could not be loaded: {str(load.get('type'))[:100]}: "
                f"{str(load.get('message'))[:300]}",
                kind="error",
            )
        every = [o for r in runs for o in outcomes(r).values()]
        if every and all(o.get("error") == "NotImplementedError" for o in every):
            raise CheckFailedError(NOT_DONE, kind="not-implemented")

    def reference_problems(self, ex: Subject) -> list[str]:
        """Why the set does not pass on the correct app (empty when it does)."""
        problems: list[str] = []
        for run in (r for r in self.runs(ex) if r.variant == "reference"):
            if run.claim is None:
                problems.append(f"the tests did not finish ({run.failure})")
                continue
            for name, outcome in sorted(outcomes(run).items()):
                if outcome.get("outcome") in ("failed", "error"):
                    problems.append(f"{name} ({outcome.get('error') or outcome.get('outcome')})")
            if not run.evidence.get("requests"):
                problems.append("no test sent a request to the app")
        return sorted(set(problems))

    def passes_on_the_correct_app(self, ex: Subject) -> None:
        self.first_problem(ex)
        mine = [r for r in self.runs(ex) if r.variant not in self.more_runs]
        found = {name: o for r in mine for name, o in outcomes(r).items()}
        expect(bool(found), "no tests ran: write functions named test_... that take `client`")
        unused = sorted(name for name, o in found.items() if o.get("unused"))
        expect(
            not unused,
            f"{', '.join(unused)} does not take the `client` argument, so it tests no app",
        )
        problems = self.reference_problems(ex)
        expect(not problems, f"against the correct app: {', '.join(problems)}")

    def catches(self, bug: str, module: str):  # type: ignore[no-untyped-def]
        """The check that the tests catch `bug`, as a check function of `module`."""

        def check(ex: Subject) -> None:
            self.first_problem(ex)
            expect(
                not self.reference_problems(ex),
                "your tests do not all pass on the correct app, so none of them can catch a bug",
            )
            (run,) = [r for r in self.runs(ex) if r.variant == bug]
            expect(failed(run), f"no test of yours fails when {self.bugs[bug]}")
            expect(
                bool(run.evidence.get("diverged")),
                f"your tests failed on the app where {self.bugs[bug]}, but none of them sent "
                "the request that shows it: they failed for another reason",
            )

        check.__name__ = f"test_your_tests_catch_{bug}"
        check.__module__ = module
        return check
