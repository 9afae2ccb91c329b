"""The emulator's core: tracked loads, the single running slot, the FIFO queue, the graph, time.

Every public method takes the lock, brings the timeline up to ``clock.now()`` (finishing the
running load, starting queued ones, failing unsatisfied dependents) and then acts, so the state is
always what Neptune would report at that moment without any background thread. Serving it over
HTTP is :mod:`loadctl.emulator.server_lifecycle`'s job; checking requests is
:mod:`loadctl.emulator.request_validation`'s; the stand-in bucket is
:mod:`loadctl.emulator.s3_folder`.

Longer than ~300 lines on purpose: every method below reads or changes the same state (tracked
loads, queue, running slot, graph) under one lock through ``_advance``; spread over modules, that
invariant would be harder to see. A third of the file is this docstring and the test scripting.

Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- One load runs at a time and up to 64 wait in a FIFO queue; a start without ``queueRequest``
  while one runs, or a 65th queued start, is refused with 400 "Max concurrent load limit
  breached. Limit is 1" / "Max load task queue size limit breached. Limit is 64" (§3.2, §2
  start-time errors, §8, aws/graph-notebook#710). The docs quote the source in the queue message;
  the emulator does not (clients match the substrings, §6.7).
- Neptune tracks the 1,024 most recent loads; an evicted id is not found (§1.1, §3.2, §6.6).
- ``mode`` (§3.1): RESUME continues the previous load from the same source and "if no previous
  load job is found, the loader stops" (the emulator ends it ``LOAD_FAILED_INVALID_REQUEST``,
  the closest status of §2, row 15; the sources do not say which). AUTO resumes a previous load,
  NEW never does; whether AUTO resumes a load that *completed* the sources do not say: the
  emulator starts a fresh one.
- ``dependencies`` (§3.1, §2 row 14): a dependent of a failed load ends
  ``LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED`` and the failure cascades. That the head of the
  queue holds everyone behind it while its dependencies run is the emulator's reading of FIFO.
- Vertex files load first unless ``edgeOnlyLoad``, which keeps the listed order (§3.1).
- Listing: queued loads first, newest first within each group (§3.3).
- Status payload: ``feedCount`` absent while queued, ``failedFeeds`` only with ``details``, the
  ``errors`` object with 1-based ``startIndex``/``endIndex`` (§1.2); an empty page reports 0/0
  (sources silent).
- A scripted feed failure (:meth:`EmulatorCore.fail_next_load`) makes the overall status
  ``LOAD_FAILED`` for feed-level statuses (§2 rows 10, 11) and the status itself for load-level
  ones (see ``statuses.LOAD_LEVEL_FAILURES``).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loadctl.emulator.clock import Clock, RealClock
from loadctl.emulator.errors import NotFoundStyle, bad_request, load_not_found, not_active
from loadctl.emulator.jobs import LoadJob
from loadctl.emulator.load_plan import InjectedFailure, build_plan
from loadctl.emulator.request_validation import (
    check_error_page,
    check_list_limit,
    validate_start_request,
)
from loadctl.emulator.s3_folder import S3Folder
from loadctl.emulator.statuses import (
    ACTIVE_STATUSES,
    CANCELLED_BY_USER,
    COMPLETED,
    DEPENDENCY_FAILED,
    IN_PROGRESS,
    IN_QUEUE,
    INVALID_REQUEST,
)

if TYPE_CHECKING:
    from loadctl.emulator.faults import Fault
    from loadctl.emulator.gremlin_csv import ParsedFile

MAX_TRACKED_LOADS = 1_024
MAX_QUEUED_LOADS = 64


class EmulatorCore:
    """Neptune's bulk loader API as plain method calls (no HTTP; see ``NeptuneLoaderEmulator``).

    Parameters
    ----------
    data_root:
        Folder that stands in for S3: ``s3://bucket/prefix`` is every file under
        ``data_root/bucket`` whose key starts with ``prefix``.
    clock:
        Source of time; defaults to :class:`RealClock`. Use ``ManualClock`` in tests.
    records_per_second:
        How fast a running load processes records.
    region:
        When set, a start request for another region fails like Neptune does.
    """

    def __init__(
        self,
        data_root: Path | str = Path("samples"),
        clock: Clock | None = None,
        records_per_second: float = 50.0,
        *,
        region: str | None = None,
    ) -> None:
        if records_per_second <= 0:
            raise ValueError("records_per_second must be > 0")
        self.clock: Clock = clock if clock is not None else RealClock()
        self.records_per_second = float(records_per_second)
        self.region = region
        self.not_found_style: NotFoundStyle = "404"
        self.requests: list[tuple[str, str]] = []
        self._folder = S3Folder(Path(data_root))
        self._lock = threading.RLock()
        self._jobs: OrderedDict[str, LoadJob] = OrderedDict()
        self._queue: list[str] = []
        self._running: str | None = None
        self._graph: set[tuple[str, str]] = set()
        self._faults: list[Fault] = []
        self._next_failure: InjectedFailure | None = None

    @property
    def data_root(self) -> Path:
        """The folder standing in for S3."""
        return self._folder.data_root

    def note_request(self, method: str, path: str) -> None:
        """Record a request as it arrives (``requests`` lists them, for tests)."""
        with self._lock:
            self.requests.append((method, path))

    # --- scripting for tests ----------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        """Queue a scripted fault (see :class:`Fault`)."""
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Drop every scripted fault."""
        with self._lock:
            self._faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first scripted fault matching this request, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times is not None:
                        fault.times -= 1
                    self._faults = [f for f in self._faults if f.times is None or f.times > 0]
                    return fault
        return None

    def fail_next_load(
        self, feed_status: str = "LOAD_S3_READ_ERROR", *, overall_status: str | None = None
    ) -> None:
        """Make the next started load fail as its last feed starts, with ``feed_status``.

        The overall status is ``LOAD_FAILED`` for feed-level statuses (S3 read/access errors,
        modified feeds) and the status itself for load-level ones (write conflicts, deadlock).
        A later start with mode ``RESUME``/``AUTO`` on the same source loads only the files that
        did not complete, and succeeds.
        """
        with self._lock:
            self._next_failure = InjectedFailure.for_status(feed_status, overall_status)

    def stall(self, load_id: str) -> None:
        """Keep that load ``LOAD_IN_PROGRESS`` forever (for timeout scenarios)."""
        with self._lock:
            self._advance()
            job = self._get(load_id)
            job.stalled = True

    def put_load(
        self,
        load_id: str | None = None,
        *,
        status: str,
        overall: dict[str, Any] | None = None,
        feed_count: list[dict[str, int]] | None = None,
        failed_feeds: list[dict[str, Any]] | None = None,
        error_logs: list[dict[str, Any]] | None = None,
    ) -> str:
        """Track a frozen load that reports ``status`` (any string) forever; returns its id.

        ``overall`` is merged over defaults; ``feed_count`` defaults to ``[{status: 1}]`` and is
        absent for ``LOAD_IN_QUEUE``; ``error_logs`` are served paged like real ones. A frozen
        load never takes the running slot or the queue, whatever its status; it can be cancelled
        while its status is an active one.
        """
        with self._lock:
            self._advance()
            job = LoadJob.frozen_load(
                load_id or str(uuid.uuid4()),
                self.clock.now(),
                status=status,
                overall=overall or {},
                feed_count=feed_count,
                failed_feeds=list(failed_feeds or []),
                error_logs=list(error_logs or []),
            )
            self._track(job)
            return job.load_id

    # --- the loader API ---------------------------------------------------------------------

    def start_load(self, request: dict[str, Any]) -> str:
        """Validate and start (or queue) a load like ``POST /loader``; returns the loadId."""
        with self._lock:
            self._advance()
            options = validate_start_request(request, known_load_ids=self._jobs, region=self.region)
            files = self._folder.list_source(options.source)
            source, queue_request = options.source, options.queue_request
            busy = self._running is not None or bool(self._queue)
            if busy and not queue_request:
                raise bad_request(
                    f"Failed to start new load for the source {source}. "
                    "Max concurrent load limit breached. Limit is 1"
                )
            if queue_request and len(self._queue) >= MAX_QUEUED_LOADS:
                raise bad_request(
                    f"Failed to start new load for the source {source}. "
                    f"Max load task queue size limit breached. Limit is {MAX_QUEUED_LOADS}"
                )
            now = self.clock.now()
            job = LoadJob(
                str(uuid.uuid4()),
                source,
                now,
                fail_on_error=options.fail_on_error,
                queued=queue_request,
                dependencies=options.dependencies,
                file_uris=files,
            )
            job.data_format = options.format
            job.allow_empty_strings = options.allow_empty_strings
            job.edge_only_load = options.edge_only_load
            job.injected, self._next_failure = self._next_failure, None
            previous = self._previous_run(source, options.mode)
            if options.mode == "RESUME" and previous is None:
                # "If no previous load job is found, the loader stops."
                job.status, job.ended_at = INVALID_REQUEST, now
                self._track(job)
                return job.load_id
            if previous is not None:
                job.run_number = previous.run_number + 1
                job.completed_files = previous.files_completed(now, self.records_per_second)
                job.skip_files = frozenset(job.completed_files)
            self._track(job)
            self._queue.append(job.load_id)
            self._advance()
            return job.load_id

    def status(
        self,
        load_id: str,
        *,
        details: bool = False,
        errors: bool = False,
        page: int = 1,
        errors_per_page: int = 10,
    ) -> dict[str, Any]:
        """The ``payload`` of ``GET /loader/{loadId}``."""
        check_error_page(page, errors_per_page)
        with self._lock:
            self._advance()
            job = self._get(load_id)
            overall, feed_count, failed_feeds, logs = job.report(
                self.clock.now(), self.records_per_second
            )
        payload: dict[str, Any] = {}
        if feed_count is not None:
            payload["feedCount"] = feed_count
        payload["overallStatus"] = overall
        if details:
            payload["failedFeeds"] = failed_feeds
        if errors:
            first = (page - 1) * errors_per_page
            page_logs = logs[first : first + errors_per_page]
            payload["errors"] = {
                "startIndex": first + 1 if page_logs else 0,
                "endIndex": first + len(page_logs) if page_logs else 0,
                "loadId": load_id,
                "errorLogs": [entry.to_json() for entry in page_logs],
            }
        return payload

    def list_loads(self, *, limit: int = 100, include_queued: bool = True) -> list[str]:
        """Load ids for ``GET /loader``: queued ones first, newest first within each group."""
        check_list_limit(limit)
        with self._lock:
            self._advance()
            newest_first = list(reversed(self._jobs.values()))
            queued = [j.load_id for j in newest_first if j.status == IN_QUEUE]
            others = [j.load_id for j in newest_first if j.status != IN_QUEUE]
        return ((queued if include_queued else []) + others)[:limit]

    def cancel(self, load_id: str) -> None:
        """``DELETE /loader/{loadId}``: the load ends as ``LOAD_CANCELLED_BY_USER``."""
        with self._lock:
            self._advance()
            job = self._jobs.get(load_id)
            if job is None or job.status not in ACTIVE_STATUSES:
                raise not_active(load_id)
            now = self.clock.now()
            if job.frozen is not None:
                job.frozen.overall["status"] = CANCELLED_BY_USER
                job.frozen.feed_count = job.frozen.feed_count or [{CANCELLED_BY_USER: 1}]
            if load_id in self._queue:
                self._queue.remove(load_id)
            job.status, job.ended_at = CANCELLED_BY_USER, now
            if self._running == load_id:
                self._finish(job, now)
            self._advance()

    # --- internals --------------------------------------------------------------------------

    def _get(self, load_id: str) -> LoadJob:
        job = self._jobs.get(load_id)
        if job is not None:
            return job
        raise load_not_found(load_id, self.not_found_style)

    def _track(self, job: LoadJob) -> None:
        self._jobs[job.load_id] = job
        self._jobs.move_to_end(job.load_id)
        while len(self._jobs) > MAX_TRACKED_LOADS:
            evicted, _ = self._jobs.popitem(last=False)
            if evicted in self._queue:
                self._queue.remove(evicted)

    def _advance(self) -> None:
        """Bring the timeline up to now: end the running load when due, start queued ones."""
        now = self.clock.now()
        free_at = now  # when the running slot became free
        while True:
            self._fail_unsatisfied_dependents(free_at)
            if self._running is not None:
                job = self._jobs.get(self._running)
                if job is None:  # evicted while running (only with > 1,024 puts)
                    self._running = None
                    continue
                end = job.end_time(self.records_per_second)
                if end > now:
                    return
                job.status, job.ended_at = job.terminal_status(), end
                self._finish(job, end)
                free_at = end
                continue  # its dependents may fail before the next load starts
            if not self._queue:
                return
            head = self._jobs[self._queue[0]]
            if any(self._dependency_state(d) == "pending" for d in head.dependencies):
                return  # FIFO: the head waits for its dependencies, and so does everyone else
            self._queue.pop(0)
            self._start(head, free_at)

    def _start(self, job: LoadJob, at: float) -> None:
        parsed = self._load_files(job)
        job.plan = build_plan(
            parsed, graph=self._graph, fail_on_error=job.fail_on_error, injected=job.injected
        )
        job.status, job.started_at = IN_PROGRESS, at
        self._running = job.load_id

    def _finish(self, job: LoadJob, at: float) -> None:
        self._graph |= job.loaded_keys(at, self.records_per_second)
        if self._running == job.load_id:
            self._running = None

    def _dependency_state(self, load_id: str) -> Literal["ok", "pending", "failed"]:
        dependency = self._jobs.get(load_id)
        if dependency is None:
            return "failed"  # evicted or unknown: cannot be satisfied
        if dependency.status == COMPLETED:
            return "ok"
        return "pending" if dependency.status in ACTIVE_STATUSES else "failed"

    def _fail_unsatisfied_dependents(self, at: float) -> None:
        # Repeats until nothing changes, so failures cascade to indirect dependents too.
        changed = True
        while changed:
            changed = False
            for load_id in list(self._queue):
                job = self._jobs[load_id]
                if any(self._dependency_state(d) == "failed" for d in job.dependencies):
                    self._queue.remove(load_id)
                    job.status, job.ended_at = DEPENDENCY_FAILED, at
                    changed = True

    def _previous_run(self, source: str, mode: str) -> LoadJob | None:
        """The load a RESUME/AUTO start continues: the newest finished one from this source."""
        if mode == "NEW":
            return None
        for job in reversed(self._jobs.values()):
            if job.frozen is not None or job.source != source or job.plan is None:
                continue
            if job.status in ACTIVE_STATUSES:
                continue
            if mode == "AUTO" and job.status == COMPLETED:
                return None  # AUTO resumes only a previous *failed* load
            return job
        return None

    def _load_files(self, job: LoadJob) -> list[tuple[str, ParsedFile]]:
        """Read the load's files (minus those a resumed run already finished) in load order."""
        parsed = [
            (uri, self._folder.read(uri, job.data_format, job.allow_empty_strings))
            for uri in job.file_uris
            if uri not in job.skip_files
        ]
        if job.edge_only_load:
            return parsed  # files in listed order
        # Neptune loads vertex files first, so edges find their ends.
        return sorted(parsed, key=lambda item: item[1].kind == "edge")
