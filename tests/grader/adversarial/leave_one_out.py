"""Threat (exercise 8): a leave-one-out test set. Made-up tests, each failing in one run only,
used to catch every bug when runs had labels (8.33/10). Here a process tells runs apart by the
only things it has, its uid and its pid; no test checks the app's behaviour.
Deserves: no bug caught, since no failure comes from a request that shows a bug; at most the
check that its tests pass on the correct app, if no failure lands on a correct run.
"""

import os

POSITION = os.getuid() % 16


def _made_up(position):
    def test(client):
        assert client.get("/documents/").status_code == 200  # a request that shows no bug
        assert POSITION != position

    test.__name__ = f"test_made_up_{position}"
    return test


for _position in range(4, 9):
    globals()[f"test_made_up_{_position}"] = _made_up(_position)
