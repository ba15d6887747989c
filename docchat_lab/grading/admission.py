"""How many runs grade at once: each takes as many of `--jobs` as the processes it keeps busy.

A run of most units is one process. A run that serves copies of an app to the learner's
tests (ex08, stage 08) starts ten or so at once. Counted as one, twelve stage 08 runs of a
class started together on 2 cores, and every one ran out of time, the reference's answers
too. Runs are admitted in the order they ask, so a heavy run is never passed over for ever
by light ones.
"""

import threading
from collections import deque


class Admission:
    """A budget of `capacity` units, taken and given back in first-come order."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._free = capacity
        self._queue: deque[object] = deque()
        self._changed = threading.Condition()

    def cost(self, busy: int) -> int:
        """What a run keeping `busy` processes busy takes: at most the whole budget, at least 1."""
        return max(1, min(busy, self.capacity))

    def acquire(self, units: int) -> None:
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            while self._queue[0] is not ticket or self._free < units:
                self._changed.wait()
            self._queue.popleft()
            self._free -= units
            self._changed.notify_all()  # the next in line may fit too

    def release(self, units: int) -> None:
        with self._changed:
            self._free += units
            self._changed.notify_all()
