"""Fixtures shared by every test tier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from tests.lambda_harness import SAMPLES, FakeLambdaContext


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def emulator() -> Iterator[NeptuneLoaderEmulator]:
    """A served Neptune loader emulator on a manual clock, reading the sample files."""
    emu = NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=ManualClock(start=1_700_000_000.0), records_per_second=10.0
    )
    with emu.serve(host="127.0.0.1", port=0):
        yield emu
