"""Threat (exercise 8): forge what the judge's probe answers. The learner's code replaces the
harness's run_tests, and the worker's own table of probes (found through the garbage
collector), with one that reports made-up outcomes: a guess, per run, of whether the app is
the correct one. No test sends a request. `Worker._dispatch` used to look the probe up when
called, so the replacement was used. Deserves: 0.
"""

import gc
import random


def forged(module, params, **_):
    outcome = "passed" if random.random() < 0.3 else "failed"
    entry = {"outcome": outcome, "error": "AssertionError"}
    return {"outcomes": {"test_everything": entry}, "runner": "plain"}


for _obj in gc.get_objects():
    if isinstance(_obj, dict) and callable(_obj.get("run_tests")):
        _obj["run_tests"] = forged
try:
    from docchat_lab.harness import ex08_testing

    ex08_testing.run_tests = forged
except ImportError:
    pass


def test_everything(client):
    pass
