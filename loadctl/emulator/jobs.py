"""Load jobs: what a load will do (its plan, built from the real files) and what it reports at a time.

A running load works through its feeds (files) one after the other at ``records_per_second``; its
status at time ``t`` is computed from the plan and ``t`` alone, so nothing runs in the background.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadctl.emulator.gremlin_csv import ParsedFile

MAX_ERROR_DETAILS = 10_000  # Neptune keeps the last 10,000 error details per job

IN_QUEUE = "LOAD_IN_QUEUE"
IN_PROGRESS = "LOAD_IN_PROGRESS"
NOT_STARTED = "LOAD_NOT_STARTED"
COMPLETED = "LOAD_COMPLETED"
FAILED = "LOAD_FAILED"
CANCELLED_BY_USER = "LOAD_CANCELLED_BY_USER"
CANCELLED_DUE_TO_ERRORS = "LOAD_CANCELLED_DUE_TO_ERRORS"
DEPENDENCY_FAILED = "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED"
INVALID_REQUEST = "LOAD_FAILED_INVALID_REQUEST"
ACTIVE_STATUSES = frozenset({IN_QUEUE, IN_PROGRESS, NOT_STARTED})

# Overall statuses a whole load can end in by itself; any other injected feed status (S3 read
# errors, access denied, modified feeds) makes the overall status LOAD_FAILED, as Neptune documents.
LOAD_LEVEL_FAILURES = frozenset(
    {
        "LOAD_COMMITTED_W_WRITE_CONFLICTS",
        "LOAD_DATA_DEADLOCK",
        "LOAD_UNEXPECTED_ERROR",
        CANCELLED_DUE_TO_ERRORS,
    }
)

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
    )


@dataclass
class FrozenLoad:
    """A load injected with ``put_load``: it reports exactly this, forever."""

    overall: dict[str, Any]
    feed_count: list[dict[str, int]] | None
    failed_feeds: list[dict[str, Any]]
    error_logs: list[dict[str, Any]]


@dataclass
class LoadJob:
    """One tracked load (started through the API, or frozen by ``put_load``)."""

    load_id: str
    source: str
    created_at: float
    fail_on_error: bool = True
    queued: bool = False
    dependencies: tuple[str, ...] = ()
    status: str = IN_QUEUE  # IN_QUEUE, IN_PROGRESS or the terminal status
    run_number: int = 1
    file_uris: list[str] = field(default_factory=list)
    skip_files: frozenset[str] = frozenset()
    data_format: str = "csv"
    allow_empty_strings: bool = False
    edge_only_load: bool = False
    injected: InjectedFailure | None = None
    started_at: float | None = None
    ended_at: float | None = None
    stalled: bool = False
    plan: LoadPlan | None = None
    frozen: FrozenLoad | None = None
    completed_files: set[str] = field(default_factory=set)

    # --- timeline -------------------------------------------------------------------------

    def end_time(self, records_per_second: float) -> float:
        """When a running load will end by itself (infinity when stalled)."""
        if self.ended_at is not None:
            return self.ended_at
        if self.stalled or self.plan is None or self.started_at is None:
            return math.inf
        return self.started_at + self.plan.work / records_per_second

    def lines_done(self, now: float, records_per_second: float) -> int:
        """How many plan lines are fully processed at ``now``."""
        plan = self.plan
        if plan is None or self.started_at is None:
            return 0
        if self.ended_at is not None and self.status != CANCELLED_BY_USER:
            return plan.stop_line_count
        moment = now if self.ended_at is None else min(now, self.ended_at)
        processed = (moment - self.started_at) * records_per_second
        done = bisect.bisect_right(plan.records, processed, hi=plan.stop_line_count + 1) - 1
        if self.stalled:
            done = min(done, max(plan.stop_line_count - 1, 0))
        return max(done, 0)

    def terminal_status(self) -> str:
        """The status a load that ran to its end reports."""
        plan = self.plan
        if plan is None or plan.failing_feed is None:
            return COMPLETED
        return plan.injected.overall_status if plan.injected else FAILED

    # --- reporting ------------------------------------------------------------------------

    def _feed_statuses(self, done: int) -> list[str]:
        plan = self.plan
        assert plan is not None
        statuses = []
        for index, feed in enumerate(plan.feeds):
            if self.status == IN_PROGRESS:
                running = IN_PROGRESS if feed.start <= done else NOT_STARTED
                statuses.append(COMPLETED if feed.end <= done else running)
            elif self.status == CANCELLED_BY_USER:
                statuses.append(COMPLETED if feed.end <= done else CANCELLED_BY_USER)
            elif index == plan.failing_feed:
                statuses.append(plan.injected.feed_status if plan.injected else FAILED)
            else:
                statuses.append(COMPLETED if feed.end <= done else CANCELLED_DUE_TO_ERRORS)
        return statuses

    def _counters(self, low: int, high: int) -> dict[str, int]:
        plan = self.plan
        assert plan is not None
        return {
            "totalRecords": plan.records[high] - plan.records[low],
            "totalDuplicates": plan.duplicates[high] - plan.duplicates[low],
            "parsingErrors": plan.parsing[high] - plan.parsing[low],
            "datatypeMismatchErrors": plan.datatype[high] - plan.datatype[low],
            "insertErrors": plan.inserts[high] - plan.inserts[low],
        }

    def report(
        self, now: float, records_per_second: float
    ) -> tuple[dict[str, Any], list[dict[str, int]] | None, list[dict[str, Any]], list[ErrorLog]]:
        """``(overallStatus, feedCount or None, failedFeeds, error log)`` as seen at ``now``."""
        if self.frozen is not None:
            logs = [
                ErrorLog(
                    str(e.get("errorCode", "")),
                    str(e.get("errorMessage", "")),
                    str(e.get("fileName", "")),
                    int(e.get("recordNum", 0)),
                )
                for e in self.frozen.error_logs
            ]
            return (
                dict(self.frozen.overall),
                self.frozen.feed_count,
                list(self.frozen.failed_feeds),
                logs,
            )
        overall: dict[str, Any] = {
            "fullUri": self.source,
            "runNumber": self.run_number,
            "retryNumber": 0,
            "status": self.status,
            "totalTimeSpent": 0,
            "startTime": int(self.started_at if self.started_at is not None else self.created_at),
            "totalRecords": 0,
            "totalDuplicates": 0,
            "parsingErrors": 0,
            "datatypeMismatchErrors": 0,
            "insertErrors": 0,
        }
        plan = self.plan
        if plan is None or self.started_at is None:
            # Queued, or ended before running (dependency not satisfied, invalid request).
            return overall, None, [], []
        done = self.lines_done(now, records_per_second)
        moment = now if self.ended_at is None else min(now, self.ended_at)
        spent = max(moment - self.started_at, 0.0)
        # Whole seconds, like Neptune; a load that has ended took at least part of a second.
        overall["totalTimeSpent"] = math.ceil(spent) if self.ended_at is not None else int(spent)
        overall.update(self._counters(0, done))
        statuses = self._feed_statuses(done)
        feed_count: dict[str, int] = {}
        for status in statuses:
            feed_count[status] = feed_count.get(status, 0) + 1
        failed_feeds = []
        for feed, status in zip(plan.feeds, statuses, strict=True):
            if status in {COMPLETED, IN_PROGRESS, NOT_STARTED}:
                continue
            low, high = feed.start, max(feed.start, min(feed.end, done))
            feed_start = self.started_at + plan.records[low] / records_per_second
            failed_feeds.append(
                {
                    "fullUri": feed.uri,
                    "runNumber": self.run_number,
                    "retryNumber": 0,
                    "status": status,
                    "totalTimeSpent": int(
                        (plan.records[high] - plan.records[low]) / records_per_second
                    ),
                    "startTime": int(feed_start),
                    **self._counters(low, high),
                }
            )
        end = bisect.bisect_left(plan.errors, done, key=lambda item: item[0])
        logs = [entry for _, entry in plan.errors[max(0, end - MAX_ERROR_DETAILS) : end]]
        if plan.injected is not None and self.status == plan.injected.overall_status:
            feed = plan.feeds[plan.failing_feed or 0]
            logs.append(
                ErrorLog(plan.injected.error_code, plan.injected.error_message, feed.uri, 0)
            )
            logs = logs[-MAX_ERROR_DETAILS:]
        return overall, [{k: v} for k, v in feed_count.items()], failed_feeds, logs

    def loaded_keys(self, now: float, records_per_second: float) -> set[tuple[str, str]]:
        """Graph keys this load inserted up to ``now``."""
        if self.plan is None:
            return set()
        done = self.lines_done(now, records_per_second)
        return {key for key in self.plan.keys[:done] if key is not None}

    def files_completed(self, now: float, records_per_second: float) -> set[str]:
        """Files this load (and the runs it resumed) finished, for a later RESUME."""
        if self.plan is None:
            return set(self.completed_files)
        statuses = self._feed_statuses(self.lines_done(now, records_per_second))
        own = {f.uri for f, s in zip(self.plan.feeds, statuses, strict=True) if s == COMPLETED}
        return set(self.completed_files) | own
