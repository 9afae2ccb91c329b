"""What a load will do: its plan, built from the parsed files, line by line, before it runs.

A plan lays the files out in load order and decides every line's outcome up front (records,
duplicates, errors, what it adds to the graph, where the load stops); a running
:class:`~loadctl.emulator.jobs.LoadJob` then only reads prefix sums of it at a time.

Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- Records and duplicates are counted per record, not per line (§1.2; see ``gremlin_csv``).
- Error codes are the documented ``errorCode`` values (§1.2). That list has no datatype code, so
  a datatype mismatch is logged as ``PARSING_ERROR`` while counted in ``datatypeMismatchErrors``.
  An edge whose end is missing is ``FROM_OR_TO_VERTEX_ARE_MISSING`` with a message naming the
  vertex (§1.2). The message texts are the emulator's own.
- ``failOnError`` TRUE stops at the first error, and what was loaded stays (§3.1).
- ``failOnError`` FALSE: every file runs to its end and bad records are skipped (§3.1); a file
  with bad records ends with its feed ``LOAD_FAILED`` and the load's overall status follows the
  feeds: ``LOAD_FAILED`` (§8: the published response in aws-samples/amazon-neptune-samples#120,
  ``feedCount [{"LOAD_COMPLETED": 1}, {"LOAD_FAILED": 1}]``, overall ``LOAD_FAILED``; the failed
  feed with ``PARSING_ERROR``s in awslabs/amazon-neptune-tools#31). The other published answer,
  ``LOAD_CANCELLED_DUE_TO_ERRORS`` with files ``LOAD_NOT_STARTED`` (an AWS sample's README), is
  not modelled: the sources do not say what makes Neptune cancel instead (the status Lambda never
  tolerates it). Whether a real ``LOAD_COMPLETED`` can ever carry error counters the sources do
  not say either; ``put_load`` can still script it, and the status Lambda handles it
  (``LOAD_COMPLETED_WITH_ERRORS``).
- Which error code and message go with a scripted (injected) feed failure: the sources pair no
  status with a code; the codes are documented ones (§1.2), the pairing is the emulator's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loadctl.emulator.statuses import FAILED, LOAD_LEVEL_FAILURES

if TYPE_CHECKING:
    from loadctl.emulator.gremlin_csv import ParsedFile

_INJECTED_ERRORS = {
    "LOAD_S3_READ_ERROR": ("INTERNAL_ERROR", "Data prefetch task interrupted: S3 read error"),
    "LOAD_S3_ACCESS_DENIED_ERROR": ("S3_ACCESS_DENIED_ERROR", "Access denied reading the feed"),
    "LOAD_DATA_FAILED_DUE_TO_FEED_MODIFIED_OR_DELETED": (
        "FILE_MODIFICATION_OR_DELETION_ERROR",
        "The feed was modified or deleted after the load started",
    ),
    "LOAD_COMMITTED_W_WRITE_CONFLICTS": ("INTERNAL_ERROR", "Unresolved write conflicts"),
    "LOAD_DATA_DEADLOCK": ("INTERNAL_ERROR", "Load rolled back because of a deadlock"),
}


@dataclass(frozen=True)
class ErrorLog:
    """One entry of ``errors.errorLogs``."""

    error_code: str
    error_message: str
    file_name: str
    record_num: int

    def to_json(self) -> dict[str, Any]:
        """The wire form, in Neptune's camelCase."""
        return {
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "fileName": self.file_name,
            "recordNum": self.record_num,
        }


@dataclass(frozen=True)
class InjectedFailure:
    """A feed failure scripted with ``fail_next_load``: the last feed fails as it starts."""

    feed_status: str
    overall_status: str
    error_code: str
    error_message: str

    @classmethod
    def for_status(cls, feed_status: str, overall_status: str | None = None) -> InjectedFailure:
        """Build the failure with Neptune's overall status and a matching error log entry."""
        code, message = _INJECTED_ERRORS.get(feed_status, ("INTERNAL_ERROR", "Unexpected error"))
        if overall_status is None:
            overall_status = feed_status if feed_status in LOAD_LEVEL_FAILURES else FAILED
        return cls(feed_status, overall_status, code, message)


@dataclass(frozen=True)
class Feed:
    """One source file of a load and the range of plan lines it holds."""

    uri: str
    start: int
    end: int


@dataclass
class LoadPlan:
    """Everything a run of a load will do, as prefix sums over its data lines in load order."""

    feeds: list[Feed]
    records: list[int]
    duplicates: list[int]
    parsing: list[int]
    datatype: list[int]
    inserts: list[int]
    errors: list[tuple[int, ErrorLog]]  # (line index, entry), in line order
    keys: list[tuple[str, str] | None]  # what each good line puts in the graph
    stop_line_count: int  # lines processed before the load stops (all, or up to the first error)
    failing_feed: int | None  # feed where it stops with an error, if it does
    injected: InjectedFailure | None
    # With failOnError FALSE: the feeds that had bad records (they end LOAD_FAILED).
    error_feeds: frozenset[int] = frozenset()

    @property
    def work(self) -> int:
        """Records processed before the load ends."""
        return self.records[self.stop_line_count]


def build_plan(
    files: Iterable[tuple[str, ParsedFile]],
    *,
    graph: set[tuple[str, str]],
    fail_on_error: bool,
    injected: InjectedFailure | None,
) -> LoadPlan:
    """Lay the parsed files out in load order and work out every line's outcome.

    ``files`` must already be in load order (vertex files first unless ``edgeOnlyLoad``).
    ``graph`` holds the ``("v", id)``/``("e", id)`` keys loaded by earlier loads: a line whose
    element already exists counts as duplicates, and an edge whose end is in neither the graph nor
    an earlier line of this load is an insert error.
    """
    feeds: list[Feed] = []
    sums = {name: [0] for name in ("records", "duplicates", "parsing", "datatype", "inserts")}
    errors: list[tuple[int, ErrorLog]] = []
    keys: list[tuple[str, str] | None] = []
    seen: set[tuple[str, str]] = set()
    first_error_line: int | None = None
    first_error_feed: int | None = None
    error_feeds: set[int] = set()

    def add_line(
        records: int, *, dup: bool = False, kind: str = "", error: ErrorLog | None = None
    ) -> None:
        nonlocal first_error_line, first_error_feed
        index = len(keys)
        for name, value in (
            ("records", records),
            ("duplicates", records if dup else 0),
            ("parsing", int(kind == "parsing")),
            ("datatype", int(kind == "datatype")),
            ("inserts", int(kind == "insert")),
        ):
            sums[name].append(sums[name][-1] + value)
        if error is not None:
            errors.append((index, error))
            error_feeds.add(len(feeds))
            if first_error_line is None:
                first_error_line, first_error_feed = index, len(feeds)

    for uri, parsed in files:
        start = len(keys)
        if parsed.header_error is not None:
            add_line(
                1, kind="parsing", error=ErrorLog("PARSING_ERROR", parsed.header_error, uri, 1)
            )
            keys.append(None)
        for line in parsed.lines:
            if line.error is not None:
                code = "PARSING_ERROR"  # Neptune reports datatype mismatches as parsing errors too
                entry = ErrorLog(code, line.error.message, uri, line.line_number)
                add_line(line.records, kind=line.error.kind, error=entry)
                keys.append(None)
                continue
            key = ("e" if parsed.kind == "edge" else "v", line.element_id)
            if parsed.kind == "edge":
                missing = [
                    end
                    for end in (line.from_id, line.to_id)
                    if ("v", end) not in graph and ("v", end) not in seen
                ]
                if missing:
                    message = (
                        f"Edge '{line.element_id}' ({line.from_id} -> {line.to_id}): "
                        f"vertex '{missing[0]}' does not exist"
                    )
                    entry = ErrorLog(
                        "FROM_OR_TO_VERTEX_ARE_MISSING", message, uri, line.line_number
                    )
                    add_line(line.records, kind="insert", error=entry)
                    keys.append(None)
                    continue
            add_line(line.records, dup=key in graph or key in seen)
            seen.add(key)
            keys.append(key)
        feeds.append(Feed(uri, start, len(keys)))

    stop, failing_feed = len(keys), None
    if fail_on_error and first_error_line is not None:
        stop, failing_feed = first_error_line + 1, first_error_feed
    if injected is not None and feeds and feeds[-1].start < stop:
        # The scripted failure hits the last feed as it starts, unless a data error came first.
        stop, failing_feed = feeds[-1].start, len(feeds) - 1
    else:
        injected = None
    return LoadPlan(
        feeds=feeds,
        records=sums["records"],
        duplicates=sums["duplicates"],
        parsing=sums["parsing"],
        datatype=sums["datatype"],
        inserts=sums["inserts"],
        errors=errors,
        keys=keys,
        stop_line_count=stop,
        failing_feed=failing_feed,
        injected=injected,
        error_feeds=frozenset() if fail_on_error else frozenset(error_feeds),
    )
