"""A reader for Neptune's Gremlin CSV load format, enough to count records and find bad lines.

Neptune counts CSV *records*, not lines: the element itself (id + label) is one record and every
non-empty property value is one more. A line the CSV parser cannot read is a parsing error; a
value that does not fit its column type (``age:Int`` holding ``forty``) is a datatype mismatch.
Whether an edge's ends exist is decided later, by the load that inserts it (see ``load_plan``).

Sources: the record count is §1.2 of the loader API reference
(``docs/reference/neptune-loader-api.md``). The header syntax and column types follow
Neptune's Gremlin load data format page (bulk-load-tutorial-format-gremlin.html), which the
reference does not cover; the error message texts are the emulator's own.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ErrorKind = Literal["parsing", "datatype"]
FileKind = Literal["vertex", "edge", "invalid"]

SYSTEM_COLUMNS = frozenset({"~id", "~label", "~from", "~to"})

_INT_RANGES = {
    "byte": (-(2**7), 2**7 - 1),
    "short": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_KNOWN_TYPES = frozenset(
    {*_INT_RANGES, "bool", "boolean", "float", "double", "date", "string", "char"}
)


@dataclass(frozen=True)
class LineError:
    """Why a data line was rejected."""

    kind: ErrorKind
    message: str


@dataclass(frozen=True)
class ParsedLine:
    """One data line of a Gremlin CSV file."""

    line_number: int  # 1-based physical line number (the header is line 1)
    element_id: str
    from_id: str
    to_id: str
    records: int
    error: LineError | None


@dataclass(frozen=True)
class ParsedFile:
    """A parsed Gremlin CSV file: its kind and its data lines in file order."""

    kind: FileKind
    lines: tuple[ParsedLine, ...]
    header_error: str | None = None


@dataclass(frozen=True)
class _Column:
    name: str
    type_name: str  # lower case, "string" when untyped
    is_array: bool


def _parse_header_column(raw: str) -> _Column:
    name = raw.strip()
    if name.lower() in SYSTEM_COLUMNS:
        return _Column(name.lower(), "string", False)
    if ":" not in name:
        return _Column(name, "string", False)
    prop, _, type_spec = name.rpartition(":")
    type_spec = type_spec.strip().lower()
    is_array = type_spec.endswith("[]")
    type_spec = type_spec.removesuffix("[]").removesuffix("(single)").removesuffix("(set)")
    return _Column(prop, type_spec, is_array)


def _check_value(type_name: str, value: str) -> str | None:
    """Return a datatype-mismatch message, or None when ``value`` fits ``type_name``."""
    text = value.strip()
    ok = True
    if type_name in _INT_RANGES:
        low, high = _INT_RANGES[type_name]
        try:
            ok = low <= int(text) <= high
        except ValueError:
            ok = False
    elif type_name in {"bool", "boolean"}:
        ok = text.lower() in {"true", "false"}
    elif type_name in {"float", "double"}:
        try:
            number = float(text)
        except ValueError:
            ok = False
        else:
            ok = not math.isnan(number) or text.lower() == "nan"
    elif type_name == "date":
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            ok = False
    elif type_name == "char":
        ok = len(text) == 1
    if ok:
        return None
    return f"Invalid value '{value}' for datatype {type_name.capitalize()}"


def _file_kind(columns: list[_Column]) -> tuple[FileKind, str | None]:
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        return "invalid", "Duplicate column names in header"
    unknown = [c for c in columns if c.type_name not in _KNOWN_TYPES]
    if unknown:
        return "invalid", f"Invalid datatype '{unknown[0].type_name}' in header"
    if "~from" in names or "~to" in names:
        missing = [c for c in ("~id", "~from", "~to", "~label") if c not in names]
        if missing:
            return "invalid", f"Edge header is missing {', '.join(missing)}"
        return "edge", None
    if "~id" not in names:
        return "invalid", "Header has no ~id column"
    return "vertex", None


def _parse_line(
    line_number: int, raw: str, columns: list[_Column], allow_empty_strings: bool
) -> ParsedLine:
    try:
        fields = next(csv.reader([raw], strict=True))
    except csv.Error as exc:
        return ParsedLine(line_number, "", "", "", 1, LineError("parsing", f"Bad CSV: {exc}"))
    if len(fields) != len(columns):
        message = f"Expected {len(columns)} columns but found {len(fields)}"
        return ParsedLine(line_number, "", "", "", 1, LineError("parsing", message))
    values = {c.name: v for c, v in zip(columns, fields, strict=True)}
    element_id = values.get("~id", "")
    if not element_id:
        return ParsedLine(line_number, "", "", "", 1, LineError("parsing", "Empty ~id"))
    records = 1  # the element itself: id + label(s)
    error: LineError | None = None
    for column in columns:
        if column.name in SYSTEM_COLUMNS:
            continue
        value = values[column.name]
        if value == "" and not (allow_empty_strings and column.type_name == "string"):
            continue  # an empty cell sets no property
        records += 1
        parts = value.split(";") if column.is_array else [value]
        for part in parts:
            problem = _check_value(column.type_name, part)
            if problem and error is None:
                error = LineError("datatype", f"{problem} (property '{column.name}')")
    return ParsedLine(
        line_number, element_id, values.get("~from", ""), values.get("~to", ""), records, error
    )


def parse_gremlin_csv(path: Path, *, allow_empty_strings: bool = False) -> ParsedFile:
    """Parse one Gremlin CSV file.

    Lines are read one by one, so an unterminated quote spoils only its own line (a parsing error),
    and blank lines are skipped.
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    physical = text.splitlines()
    if not physical or not physical[0].strip():
        return ParsedFile("invalid", (), "Empty file or header")
    header_line = physical[0].lstrip("\ufeff")
    try:
        columns = [_parse_header_column(c) for c in next(csv.reader([header_line], strict=True))]
    except csv.Error as exc:
        return ParsedFile("invalid", (), f"Bad CSV header: {exc}")
    kind, header_error = _file_kind(columns)
    if kind == "invalid":
        return ParsedFile(kind, (), header_error)
    lines = tuple(
        _parse_line(number, raw, columns, allow_empty_strings)
        for number, raw in enumerate(physical[1:], start=2)
        if raw.strip()
    )
    return ParsedFile(kind, lines)
