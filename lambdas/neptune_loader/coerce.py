"""Read untrusted values safely: bounded text, counters and numbers from whatever Neptune sent,
and the worst-case JSON size of a document.

Generic on purpose: nothing here knows the loader API, so every module that reads a payload or
caps a message uses the same rules.
"""

from __future__ import annotations

import json
import math

MAX_FIELD_CHARS = 500
MAX_COUNTER_DIGITS = 20


def clip(value: object, limit: int = MAX_FIELD_CHARS) -> str:
    """A string no longer than ``limit`` characters (non-strings are rendered, None is empty)."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count(value: object) -> int:
    """A non-negative integer counter from whatever Neptune sent (0 when unreadable)."""
    counter = counter_or_none(value)
    return 0 if counter is None else counter


def counter_or_none(value: object) -> int | None:
    """A non-negative integer counter, or None when ``value`` is absent or unreadable (a bool, a
    negative or non-finite number, a string that is not at most `MAX_COUNTER_DIGITS` digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value >= 0 else None
    # isdigit() alone accepts "²" (int() rejects it), and int() refuses strings over 4,300 digits.
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= MAX_COUNTER_DIGITS:
        return int(text)
    return None


def number_or_none(value: object) -> int | float | None:
    """A finite number (int where integral) or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    return value


def json_size(document: object) -> int:
    """Bytes of ``document`` as JSON with every non-ASCII character escaped (the worst case)."""
    return len(json.dumps(document, ensure_ascii=True, separators=(",", ":")))
