"""The ``cli`` fixture: ``python -m loadctl`` in-process against the emulator over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cli.harness import Cli, serve_cli


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    yield from serve_cli(monkeypatch, capsys)
