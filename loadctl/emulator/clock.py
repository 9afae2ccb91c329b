"""Clocks that drive the emulator's simulated time.

Load progress is computed lazily from ``clock.now()`` on every request, so a test can move a
:class:`ManualClock` forward instead of sleeping, and the demo can run a :class:`RealClock` faster
than wall time.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Anything with ``now() -> float`` epoch seconds."""

    def now(self) -> float:
        """Return the current time in epoch seconds."""
        ...


class ManualClock:
    """A clock that only moves when told to (thread-safe, for tests).

    Parameters
    ----------
    start:
        Initial time in epoch seconds.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        """Return the current simulated time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0) and return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (advance by {seconds})")
        with self._lock:
            self._now += seconds
            return self._now


class RealClock:
    """Wall-clock time, optionally running ``speed`` times faster from the moment it is created.

    Parameters
    ----------
    speed:
        Simulated seconds per real second (> 0); ``10`` makes a 60 s load finish in 6 s.
    """

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self._origin_wall = time.time()
        self._origin_mono = time.monotonic()

    def now(self) -> float:
        """Return the (possibly accelerated) current time in epoch seconds."""
        return self._origin_wall + (time.monotonic() - self._origin_mono) * self.speed
