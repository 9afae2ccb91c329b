"""Load jobs: one tracked load and what it reports at a given time.

A running load works through its feeds (files) one after the other at ``records_per_second``; its
status at time ``t`` is computed from its plan (see ``load_plan``) and ``t`` alone, so nothing
runs in the background.

Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- The payload's fields and their types, ``feedCount`` as a list of single-key objects and
  ``failedFeeds`` entries with the fields of ``overallStatus``: §1.2. ``totalTimeSpent`` is in
  seconds (§1.2), written as ``3.0`` for a finished load like the docs' examples (§8); rounding a
  finished load up to a whole second is the emulator's own choice.
- ``feedCount`` is absent for a queued load (§1.2, §6.1) and lists the files not yet started as
  ``LOAD_NOT_STARTED`` (§8: the AWS sample README's ``[{"LOAD_NOT_STARTED": 1}, {"LOAD_FAILED":
  1}]``), so the number of files is known from the first check.
- ``failOnError`` FALSE: a file with bad records ends ``LOAD_FAILED`` and so does the load (§8,
  aws-samples/amazon-neptune-samples#120; see ``load_plan``).
- Neptune keeps the last 10,000 error details per job (§1.1).
- ``runNumber`` goes up when a load is resumed, ``retryNumber`` only when Neptune retries by
  itself, which the emulator never does (§1.2). A resumed load skips the files that completed
  (§3.1, ``mode``).
- Feeds run one after the other: a simplification (Neptune splits files into chunks and loads
  several at once, §2 row 3). Feeds left after a load stops on an error are reported
  ``LOAD_CANCELLED_DUE_TO_ERRORS``, feeds a user's cancel cut short ``LOAD_CANCELLED_BY_USER``:
  the sources are silent on both (the one published failed load, §8, shows ``LOAD_NOT_STARTED``).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

from loadctl.emulator.load_plan import ErrorLog, InjectedFailure, LoadPlan
from loadctl.emulator.statuses import (
    CANCELLED_BY_USER,
    CANCELLED_DUE_TO_ERRORS,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    IN_QUEUE,
    NOT_STARTED,
)

MAX_ERROR_DETAILS = 10_000  # Neptune keeps the last 10,000 error details per job (§1.1)


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

    @classmethod
    def frozen_load(
        cls,
        load_id: str,
        now: float,
        *,
        status: str,
        overall: dict[str, Any],
        feed_count: list[dict[str, int]] | None,
        failed_feeds: list[dict[str, Any]],
        error_logs: list[dict[str, Any]],
    ) -> LoadJob:
        """A load that reports ``status`` forever (see ``EmulatorCore.put_load``).

        ``overall`` is merged over an empty load's; ``feed_count`` defaults to ``[{status: 1}]``
        except for ``LOAD_IN_QUEUE``, where Neptune leaves it out (§1.2).
        """
        body = _overall_status("s3://emulator-injected/load", 1, status, now)
        body.update(overall)
        if feed_count is None and status != IN_QUEUE:
            feed_count = [{status: 1}]
        job = cls(load_id, str(body["fullUri"]), now, status=status)
        job.frozen = FrozenLoad(body, feed_count, failed_feeds, error_logs)
        return job

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
        """The status a load that ran to its end reports (failOnError FALSE with bad records:
        ``LOAD_FAILED``, following its failed feeds, see ``load_plan``)."""
        plan = self.plan
        if plan is None or plan.failing_feed is None:
            return FAILED if plan is not None and plan.error_feeds else COMPLETED
        return plan.injected.overall_status if plan.injected else FAILED

    # --- reporting ------------------------------------------------------------------------

    def _feed_statuses(self, done: int) -> list[str]:
        plan = self.plan
        assert plan is not None
        statuses = []
        for index, feed in enumerate(plan.feeds):
            # failOnError FALSE: a file with bad records ends LOAD_FAILED once it has run (§8);
            # the sources do not show a running load's feeds, so it shows as soon as it ends.
            finished = FAILED if index in plan.error_feeds else COMPLETED
            if self.status == IN_PROGRESS:
                running = IN_PROGRESS if feed.start <= done else NOT_STARTED
                statuses.append(finished if feed.end <= done else running)
            elif self.status == CANCELLED_BY_USER:
                statuses.append(finished if feed.end <= done else CANCELLED_BY_USER)
            elif index == plan.failing_feed:
                statuses.append(plan.injected.feed_status if plan.injected else FAILED)
            else:
                statuses.append(finished if feed.end <= done else CANCELLED_DUE_TO_ERRORS)
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
        started = self.started_at if self.started_at is not None else self.created_at
        overall = _overall_status(self.source, self.run_number, self.status, started)
        plan = self.plan
        if plan is None or self.started_at is None:
            # Queued, or ended before running (dependency not satisfied, invalid request).
            return overall, None, [], []
        done = self.lines_done(now, records_per_second)
        moment = now if self.ended_at is None else min(now, self.ended_at)
        spent = max(moment - self.started_at, 0.0)
        # Whole seconds; a load that has ended took at least part of a second and reports it as
        # the docs' examples write it, a JSON number with a fraction (``3.0``, §8): readers must
        # take integers and non-integers alike.
        overall["totalTimeSpent"] = (
            float(math.ceil(spent)) if self.ended_at is not None else int(spent)
        )
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


def _overall_status(full_uri: str, run_number: int, status: str, start: float) -> dict[str, Any]:
    """An ``overallStatus`` with nothing loaded yet, in the field order of §1.2."""
    return {
        "fullUri": full_uri,
        "runNumber": run_number,
        "retryNumber": 0,
        "status": status,
        "totalTimeSpent": 0,
        "startTime": int(start),
        "totalRecords": 0,
        "totalDuplicates": 0,
        "parsingErrors": 0,
        "datatypeMismatchErrors": 0,
        "insertErrors": 0,
    }
