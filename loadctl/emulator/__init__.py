"""Neptune bulk loader HTTP emulator: Neptune's loader API over real HTTP, fed by local files.

Use it in-process from tests (``NeptuneLoaderEmulator(...).serve()``) or standalone
(``python -m loadctl.emulator --port 8182``). Where things are:

- ``core``: loads, the running slot, the queue and the clock (``EmulatorCore``);
- ``server_lifecycle``: serving it in a thread (``NeptuneLoaderEmulator``, ``EmulatorServer``);
- ``http_api``: routes and bodies; ``errors``: Neptune's error answers;
- ``request_validation``: the checks of requests (independent of the product's: the oracle);
- ``s3_folder``: the folder standing in for S3; ``gremlin_csv``: reading its CSV files;
- ``load_plan``, ``jobs``, ``statuses``: what a load does and reports; ``faults``: scripted faults.

Each module cites its sources by section of the loader API reference
(``docs/reference/neptune-loader-api.md``).
"""

from __future__ import annotations

from loadctl.emulator.clock import Clock, ManualClock, RealClock
from loadctl.emulator.errors import NeptuneApiError
from loadctl.emulator.faults import Fault
from loadctl.emulator.server_lifecycle import NeptuneLoaderEmulator
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
