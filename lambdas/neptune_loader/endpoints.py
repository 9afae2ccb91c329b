"""What a Neptune endpoint's host name says: its region (standard library only, so the CDK side
reads this module by path, see infrastructure/lambda_code.py)."""

from __future__ import annotations

import re

# A Neptune endpoint names its region: <name>.<id>.<region>.neptune.amazonaws.com[.cn].
_NEPTUNE_HOST = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.neptune\.amazonaws\.com(?:\.cn)?$")


def endpoint_region(host: str) -> str | None:
    """The region a Neptune endpoint's host name names, or None for another host (a proxy, a
    custom DNS name, the emulator)."""
    named = _NEPTUNE_HOST.search(host.lower())
    return named.group(1) if named else None
