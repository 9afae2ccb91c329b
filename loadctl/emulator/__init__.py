"""Neptune bulk loader HTTP emulator: Neptune's loader API over real HTTP, fed by local files.

Use it in-process from tests (``NeptuneLoaderEmulator(...).serve()``) or standalone
(``python -m loadctl.emulator --port 8182``). See ``core.NeptuneLoaderEmulator``.
"""

from __future__ import annotations

from loadctl.emulator.clock import Clock, ManualClock, RealClock
from loadctl.emulator.core import NeptuneApiError, NeptuneLoaderEmulator
from loadctl.emulator.faults import Fault
from loadctl.emulator.standalone import main

__all__ = [
    "Clock",
    "Fault",
    "ManualClock",
    "NeptuneApiError",
    "NeptuneLoaderEmulator",
    "RealClock",
    "main",
]
