"""The emulator's state: tracked loads, the single running slot, the FIFO queue and the graph.

Every public method takes the lock, brings the timeline up to ``clock.now()`` (finishing the
running load, starting queued ones, failing unsatisfied dependents) and then acts, so the state is
always what Neptune would report at that moment without any background thread.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

from loadctl.emulator import jobs
from loadctl.emulator.clock import Clock, RealClock
from loadctl.emulator.gremlin_csv import ParsedFile, ParsedLine, parse_gremlin_csv
from loadctl.emulator.jobs import ErrorLog, FrozenLoad, InjectedFailure, LoadJob

if TYPE_CHECKING:
    from loadctl.emulator.faults import Fault
    from loadctl.emulator.server import EmulatorServer

MAX_TRACKED_LOADS = 1_024
MAX_QUEUED_LOADS = 64
FORMATS = frozenset({"csv", "opencypher", "ntriples", "nquads", "rdfxml", "turtle"})
MODES = frozenset({"RESUME", "NEW", "AUTO"})
PARALLELISMS = frozenset({"LOW", "MEDIUM", "HIGH", "OVERSUBSCRIBE"})
BOOLEAN_PARAMETERS = (
    "failOnError",
    "updateSingleCardinalityProperties",
    "queueRequest",
    "userProvidedEdgeIds",
    "edgeOnlyLoad",
)
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_HTTPS_S3 = re.compile(r"^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")


class NeptuneApiError(Exception):
    """An error Neptune answers with: HTTP status, exception name and ``detailedMessage``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> NeptuneApiError:
    """Neptune's 400 ``BadRequestException``."""
    return NeptuneApiError(400, "BadRequestException", message)


def parse_boolean(name: str, value: Any, default: bool) -> bool:
    """Accept JSON booleans and the strings TRUE/FALSE in any case, as Neptune does."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise bad_request(f"Invalid value '{value}' for parameter '{name}'. Expected TRUE or FALSE")


class NeptuneLoaderEmulator:
    """An in-process stand-in for Neptune's bulk loader HTTP API.

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
        self.data_root = Path(data_root)
        self.clock: Clock = clock if clock is not None else RealClock()
        self.records_per_second = float(records_per_second)
        self.region = region
        self.not_found_style: Literal["404", "400"] = "404"
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.RLock()
        self._jobs: OrderedDict[str, LoadJob] = OrderedDict()
        self._queue: list[str] = []
        self._running: str | None = None
        self._graph: set[tuple[str, str]] = set()
        self._faults: list[Fault] = []
        self._next_failure: InjectedFailure | None = None
        self._parse_cache: dict[tuple[str, int, int, bool], ParsedFile] = {}
        self._server: EmulatorServer | None = None

    # --- serving ----------------------------------------------------------------------------

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve the HTTP API in a background thread; yields ``http://host:port``."""
        endpoint = self.start_server(host, port)
        try:
            yield endpoint
        finally:
            self.stop_server()

    def start_server(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving in a background thread and return the endpoint (see :meth:`serve`)."""
        from loadctl.emulator.server import EmulatorServer

        if self._server is not None:
            raise RuntimeError("the emulator is already serving")
        self._server = EmulatorServer(self, host, port)
        self._server.start()
        return self._server.endpoint

    def stop_server(self) -> None:
        """Stop serving; hanging requests are cut short and open connections closed."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def endpoint(self) -> str:
        """``http://host:port`` while serving."""
        if self._server is None:
            raise RuntimeError("the emulator is not serving")
        return self._server.endpoint

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
            now = self.clock.now()
            load_id = load_id or str(uuid.uuid4())
            body: dict[str, Any] = {
                "fullUri": "s3://emulator-injected/load",
                "runNumber": 1,
                "retryNumber": 0,
                "status": status,
                "totalTimeSpent": 0,
                "startTime": int(now),
                "totalRecords": 0,
                "totalDuplicates": 0,
                "parsingErrors": 0,
                "datatypeMismatchErrors": 0,
                "insertErrors": 0,
            }
            body.update(overall or {})
            if feed_count is None and status != jobs.IN_QUEUE:
                feed_count = [{status: 1}]
            job = LoadJob(load_id, str(body["fullUri"]), now, status=status)
            job.frozen = FrozenLoad(
                body, feed_count, list(failed_feeds or []), list(error_logs or [])
            )
            self._track(job)
            return load_id

    # --- the loader API ---------------------------------------------------------------------

    def start_load(self, request: dict[str, Any]) -> str:
        """Validate and start (or queue) a load like ``POST /loader``; returns the loadId."""
        with self._lock:
            self._advance()
            options = self._validate(request)
            source: str = options["source"]
            queue_request: bool = options["queueRequest"]
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
                fail_on_error=options["failOnError"],
                queued=queue_request,
                dependencies=tuple(options["dependencies"]),
                file_uris=options["files"],
            )
            job.data_format = options["format"]
            job.allow_empty_strings = options["allowEmptyStrings"]
            job.edge_only_load = options["edgeOnlyLoad"]
            job.injected, self._next_failure = self._next_failure, None
            previous = self._previous_run(source, options["mode"])
            if options["mode"] == "RESUME" and previous is None:
                # "If no previous load job is found, the loader stops."
                job.status, job.ended_at = jobs.INVALID_REQUEST, now
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
        if page < 1 or errors_per_page < 1:
            raise bad_request("page and errorsPerPage must be positive integers")
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
        if not 1 <= limit <= 100:
            raise bad_request(f"Invalid limit {limit}. The limit must be between 1 and 100")
        with self._lock:
            self._advance()
            newest_first = list(reversed(self._jobs.values()))
            queued = [j.load_id for j in newest_first if j.status == jobs.IN_QUEUE]
            others = [j.load_id for j in newest_first if j.status != jobs.IN_QUEUE]
        return ((queued if include_queued else []) + others)[:limit]

    def cancel(self, load_id: str) -> None:
        """``DELETE /loader/{loadId}``: the load ends as ``LOAD_CANCELLED_BY_USER``."""
        with self._lock:
            self._advance()
            job = self._jobs.get(load_id)
            if job is None or job.status not in jobs.ACTIVE_STATUSES:
                raise NeptuneApiError(
                    404,
                    "BulkLoadIdNotFoundException",
                    f"The load with id = {load_id} does not exist or not active",
                )
            now = self.clock.now()
            if job.frozen is not None:
                job.frozen.overall["status"] = jobs.CANCELLED_BY_USER
                job.frozen.feed_count = job.frozen.feed_count or [{jobs.CANCELLED_BY_USER: 1}]
            if load_id in self._queue:
                self._queue.remove(load_id)
            job.status, job.ended_at = jobs.CANCELLED_BY_USER, now
            if self._running == load_id:
                self._finish(job, now)
            self._advance()

    # --- internals --------------------------------------------------------------------------

    def _get(self, load_id: str) -> LoadJob:
        job = self._jobs.get(load_id)
        if job is not None:
            return job
        if self.not_found_style == "400":
            raise bad_request(f"Invalid load id: {load_id}. The load id does not exist")
        raise NeptuneApiError(
            404, "BulkLoadIdNotFoundException", f"Load with id {load_id} does not exist"
        )

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
        job.plan = jobs.build_plan(
            parsed, graph=self._graph, fail_on_error=job.fail_on_error, injected=job.injected
        )
        job.status, job.started_at = jobs.IN_PROGRESS, at
        self._running = job.load_id

    def _finish(self, job: LoadJob, at: float) -> None:
        self._graph |= job.loaded_keys(at, self.records_per_second)
        if self._running == job.load_id:
            self._running = None

    def _dependency_state(self, load_id: str) -> Literal["ok", "pending", "failed"]:
        dependency = self._jobs.get(load_id)
        if dependency is None:
            return "failed"  # evicted or unknown: cannot be satisfied
        if dependency.status == jobs.COMPLETED:
            return "ok"
        return "pending" if dependency.status in jobs.ACTIVE_STATUSES else "failed"

    def _fail_unsatisfied_dependents(self, at: float) -> None:
        # Repeats until nothing changes, so failures cascade to indirect dependents too.
        changed = True
        while changed:
            changed = False
            for load_id in list(self._queue):
                job = self._jobs[load_id]
                if any(self._dependency_state(d) == "failed" for d in job.dependencies):
                    self._queue.remove(load_id)
                    job.status, job.ended_at = jobs.DEPENDENCY_FAILED, at
                    changed = True

    def _previous_run(self, source: str, mode: str) -> LoadJob | None:
        """The load a RESUME/AUTO start continues: the newest finished one from this source."""
        if mode == "NEW":
            return None
        for job in reversed(self._jobs.values()):
            if job.frozen is not None or job.source != source or job.plan is None:
                continue
            if job.status in jobs.ACTIVE_STATUSES:
                continue
            if mode == "AUTO" and job.status == jobs.COMPLETED:
                return None  # AUTO resumes only a previous *failed* load
            return job
        return None

    # --- request validation -----------------------------------------------------------------

    def _validate(self, request: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise bad_request("The request body must be a JSON object")
        for name in ("source", "format", "iamRoleArn", "region"):
            value = request.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise bad_request(f"Missing required parameter: {name}")
            if not isinstance(value, str):
                raise bad_request(f"Invalid value for parameter '{name}': expected a string")
        options: dict[str, Any] = {"source": request["source"].strip()}
        data_format = request["format"].strip().lower()
        if data_format not in FORMATS:
            raise bad_request(
                f"Invalid format: '{request['format']}'. "
                f"Supported formats: {', '.join(sorted(FORMATS))}"
            )
        options["format"] = data_format
        for name, allowed, default in (
            ("mode", MODES, "AUTO"),
            ("parallelism", PARALLELISMS, "HIGH"),
        ):
            value = request.get(name, default)
            if not isinstance(value, str) or value.upper() not in allowed:
                raise bad_request(
                    f"Invalid value '{value}' for parameter '{name}'. "
                    f"Allowed values: {', '.join(sorted(allowed))}"
                )
            options[name] = value.upper()
        for name in BOOLEAN_PARAMETERS:
            options[name] = parse_boolean(name, request.get(name), default=name == "failOnError")
        if "userProvidedEdgeIds" in request and data_format != "opencypher":
            raise bad_request("userProvidedEdgeIds is only valid for the opencypher format")
        parser_configuration = request.get("parserConfiguration", {})
        if not isinstance(parser_configuration, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parser_configuration.items()
        ):
            raise bad_request("parserConfiguration must be a map of strings")
        options["allowEmptyStrings"] = parse_boolean(
            "allowEmptyStrings", parser_configuration.get("allowEmptyStrings"), default=False
        )
        dependencies = request.get("dependencies", [])
        if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
            raise bad_request("dependencies must be a list of load ids")
        if dependencies and not options["queueRequest"]:
            raise bad_request("dependencies can only be used with queueRequest set to TRUE")
        for dependency in dependencies:
            if dependency not in self._jobs:
                raise bad_request(
                    f"Failed to start new load for the source {options['source']}. "
                    f"Dependency load id {dependency} does not exist"
                )
        options["dependencies"] = dependencies
        if not all(_ROLE_ARN.match(arn.strip()) for arn in request["iamRoleArn"].split(",")):
            raise bad_request("Couldn't find the AWS credential for iam_role_arn")
        if self.region is not None and request["region"] != self.region:
            raise bad_request(f"Bucket is not in provided Region ({request['region']})")
        options["files"] = self._list_source(options["source"])
        return options

    def _split_source(self, source: str) -> tuple[str, str]:
        parts = urlsplit(source)
        if parts.scheme == "s3" and parts.netloc:
            bucket, key = parts.netloc, parts.path.lstrip("/")
        elif parts.scheme == "https" and _HTTPS_S3.match(parts.netloc.lower()):
            bucket, _, key = parts.path.lstrip("/").partition("/")
        else:
            raise bad_request(f"Invalid source: {source}. Expected s3://bucket/key")
        bucket, key = unquote(bucket), unquote(key)
        if not bucket or "/" in bucket or bucket in {".", ".."} or ".." in key.split("/"):
            raise bad_request(f"Invalid source: {source}. Expected s3://bucket/key")
        return bucket, key

    def _list_source(self, source: str) -> list[str]:
        """ListObjects on the stand-in bucket: every file whose key starts with the prefix."""
        bucket, prefix = self._split_source(source)
        bucket_dir = self.data_root / bucket
        if not bucket_dir.is_dir():
            raise bad_request("S3 bucket not found for source")
        keys = sorted(
            path.relative_to(bucket_dir).as_posix()
            for path in bucket_dir.rglob("*")
            if path.is_file()
        )
        matched = [f"s3://{bucket}/{key}" for key in keys if key.startswith(prefix)]
        if not matched:
            raise bad_request(f"The source {source} does not exist/not reachable")
        return matched

    def _path_of(self, uri: str) -> Path:
        bucket, key = self._split_source(uri)
        return self.data_root / bucket / key

    def _parse(self, uri: str, data_format: str, allow_empty: bool) -> ParsedFile:
        path = self._path_of(uri)
        try:
            stat = path.stat()
        except OSError:
            return ParsedFile("invalid", (), "The feed was deleted after the load was requested")
        cache_key = (str(path), stat.st_mtime_ns, stat.st_size, allow_empty)
        cached = self._parse_cache.get(cache_key)
        if cached is None:
            if data_format == "csv":
                cached = parse_gremlin_csv(path, allow_empty_strings=allow_empty)
            else:
                cached = _parse_line_records(path, uri, header=data_format == "opencypher")
            self._parse_cache[cache_key] = cached
        return cached

    def _load_files(self, job: LoadJob) -> list[tuple[str, ParsedFile]]:
        """Read the load's files (minus those a resumed run already finished) in load order."""
        parsed = [
            (uri, self._parse(uri, job.data_format, job.allow_empty_strings))
            for uri in job.file_uris
            if uri not in job.skip_files
        ]
        if job.edge_only_load:
            return parsed  # files in listed order
        # Neptune loads vertex files first, so edges find their ends.
        return sorted(parsed, key=lambda item: item[1].kind == "edge")


def _parse_line_records(path: Path, uri: str, *, header: bool) -> ParsedFile:
    """Formats other than Gremlin CSV: one record per non-empty line, no validation."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start = 2 if header else 1
    parsed = tuple(
        ParsedLine(number, f"{uri}#{number}", "", "", 1, None)
        for number, raw in enumerate(lines[start - 1 :], start=start)
        if raw.strip()
    )
    return ParsedFile("vertex", parsed)


__all__ = ["ErrorLog", "NeptuneApiError", "NeptuneLoaderEmulator"]
