"""Fixtures for the emulator tests: a served emulator on a manual clock and real boto3 clients."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
from tests.emulator.emulator_helpers import RECORDS_PER_SECOND, SAMPLES, make_client


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_700_000_000.0)


@pytest.fixture
def emulator(clock: ManualClock) -> NeptuneLoaderEmulator:
    return NeptuneLoaderEmulator(
        data_root=SAMPLES, clock=clock, records_per_second=RECORDS_PER_SECOND
    )


@pytest.fixture
def endpoint(emulator: NeptuneLoaderEmulator) -> Iterator[str]:
    with emulator.serve(host="127.0.0.1", port=0) as url:
        yield url


@pytest.fixture
def client(endpoint: str) -> Any:
    return make_client(endpoint)
