"""Virtual-time simulator of the wait-and-check loop over synthetic Neptune loads.

A load is seen only through what Neptune's Get-Status exposes: ``LOAD_IN_QUEUE`` (no
``feedCount``, ``totalTimeSpent`` 0) while queued, then ``LOAD_IN_PROGRESS`` with
``totalTimeSpent`` counting whole seconds of running time (queue time excluded) and ``feedCount``
changing only when a whole file finishes, then ``LOAD_COMPLETED``. The poller under test is the
Lambda's own code: each check goes through the status Lambda's wiring (``neptune_loader.wiring``:
its event parsing, ``check_load_status`` and the real wait policy) with a scripted neptunedata
client answering that payload, so what is measured is what runs. The loop's state is the
workflow's, through its model (``neptune_loader.poll_loop``): the event ``CheckLoadStatus`` sends,
``CountCheck`` / ``CountRetry`` and the ``WithinBounds`` order.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from neptune_loader.poll_loop import LoopBounds, PollState, route
from neptune_loader.settings import Settings
from neptune_loader.wiring import status_checker

if TYPE_CHECKING:
    from neptune_loader.estimate import SourceSampler
    from neptune_loader.wait_policy import WaitPolicy

LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
# The scripted client answers every call; the endpoint is never reached.
SETTINGS = Settings(endpoint="http://neptune.bench.invalid:8182", region="us-east-1")

# Progress shapes: share of the work done at fraction x of the running time. Front-loaded runs
# three times faster at the start than at the end, back-loaded the reverse.
SHAPES: dict[str, Callable[[float], float]] = {
    "linear": lambda x: x,
    "front-loaded": lambda x: 1.5 * x - 0.5 * x * x,
    "back-loaded": lambda x: 0.5 * x + 0.5 * x * x,
}


def _inverse(shape: Callable[[float], float], work: float) -> float:
    """The x in [0, 1] where ``shape(x) == work`` (shapes are increasing)."""
    low, high = 0.0, 1.0
    for _ in range(50):
        mid = (low + high) / 2
        if shape(mid) < work:
            low = mid
        else:
            high = mid
    return high


@dataclass(frozen=True)
class Load:
    """One load as Neptune runs it: queued, then files finishing one after another."""

    run_seconds: float
    queue_seconds: float = 0.0
    files: int = 1
    shape: str = "linear"
    # Offsets from the start of the run at which each file finishes (the last one at run_seconds).
    file_done_at: tuple[float, ...] = field(default=(), compare=False)
    # Records the load holds; totalRecords grows with the progress shape (0: always 0).
    records: int = 0

    @classmethod
    def build(
        cls,
        run_seconds: float,
        *,
        queue_seconds: float = 0.0,
        files: int = 1,
        shape: str = "linear",
        sizes: tuple[float, ...] = (),
        records: int = 0,
    ) -> Load:
        """A load whose ``files`` files (equal-sized, or of relative ``sizes``) finish as the
        progress ``shape`` dictates, one after another."""
        curve = SHAPES[shape]
        weights = sizes or (1.0,) * files
        total = sum(weights)
        ends = [sum(weights[: k + 1]) / total for k in range(len(weights) - 1)]
        done = tuple(run_seconds * _inverse(curve, share) for share in ends)
        return cls(run_seconds, queue_seconds, len(weights), shape, (*done, run_seconds), records)

    @property
    def completes_at(self) -> float:
        """Seconds from submission to ``LOAD_COMPLETED``."""
        return self.queue_seconds + self.run_seconds

    def payload(self, t: float) -> dict[str, Any]:
        """The Get-Status ``payload`` at ``t`` seconds after submission."""
        overall: dict[str, Any] = {
            "fullUri": "s3://bench/load/",
            "runNumber": 1,
            "retryNumber": 0,
            "startTime": 1_700_000_000 + int(self.queue_seconds),
            "totalRecords": 0,
            "totalDuplicates": 0,
            "parsingErrors": 0,
            "datatypeMismatchErrors": 0,
            "insertErrors": 0,
        }
        if t < self.queue_seconds:
            # Queued: no feedCount at all (Neptune omits it), and no running time yet.
            overall.update(status="LOAD_IN_QUEUE", totalTimeSpent=0, startTime=None)
            return {"overallStatus": overall}
        running = t - self.queue_seconds
        finished = bisect.bisect_right(self.file_done_at, running)
        if finished >= self.files:
            overall.update(
                status="LOAD_COMPLETED",
                totalTimeSpent=int(self.run_seconds),
                totalRecords=self.records,
            )
            return {"overallStatus": overall, "feedCount": [{"LOAD_COMPLETED": self.files}]}
        feeds: list[dict[str, int]] = []
        if finished:
            feeds.append({"LOAD_COMPLETED": finished})
        feeds.append({"LOAD_IN_PROGRESS": 1})
        if self.files - finished - 1:
            feeds.append({"LOAD_NOT_STARTED": self.files - finished - 1})
        done = SHAPES[self.shape](min(1.0, running / self.run_seconds))
        overall.update(
            status="LOAD_IN_PROGRESS",
            totalTimeSpent=int(running),
            totalRecords=int(self.records * done),
        )
        return {"overallStatus": overall, "feedCount": feeds}


class _ScriptedNeptune:
    """Stands in for the neptunedata client (a `LoaderStatusClient`): answers from a `Load` at
    the virtual time."""

    def __init__(self, load: Load) -> None:
        self.load = load
        self.now = 0.0

    def get_loader_job_status(
        self,
        *,
        loadId: str,
        details: bool = False,
        errors: bool = False,
        page: int = 1,
        errorsPerPage: int = 10,
    ) -> dict[str, Any]:
        return {"payload": self.load.payload(self.now)}


# A poller: given the status object of the last check (None before the first), the seconds to
# wait before the next check.
Poller = Callable[[dict[str, Any] | None], float]


def lambda_poller(policy: WaitPolicy, initial_wait: float) -> Poller:
    """The workflow: wait ``initial_wait`` (the definition's first wait), then what the Lambda says."""

    def next_wait(status: dict[str, Any] | None) -> float:
        if status is None:
            return initial_wait
        return float(status["nextWaitSeconds"])

    return next_wait


def fixed_poller(interval: float) -> Poller:
    """A poller that waits ``interval`` seconds before every check, the first one included."""
    return lambda status: interval


@dataclass(frozen=True)
class Outcome:
    """What polling one load cost and how late it noticed the end."""

    checks: int
    detection_delay: float
    waited_seconds: float
    # Which bound of the workflow would have ended the execution first ("checks" or
    # "waitedSeconds"), or None. The simulation runs on to the end regardless, to measure it.
    bound_hit: str | None = None


def simulate(
    load: Load,
    poller: Poller,
    policy: WaitPolicy,
    max_checks: int = 100_000,
    *,
    bounds: LoopBounds | None = None,
    sampler: SourceSampler | None = None,
) -> Outcome:
    """Run the wait-and-check loop on ``load`` in virtual time until a check sees the end.

    Every check goes through the status Lambda's wiring with the loop state kept as the workflow
    keeps ``$.poll``; the poller only decides the waits. ``sampler`` stands for the source in
    S3 (source estimates on); it is called once per load, on the first running check.
    """
    neptune = _ScriptedNeptune(load)
    checker = status_checker(SETTINGS, client=neptune, policy=policy, sampler=sampler)
    poll = PollState.start(poller(None))
    bound_hit: str | None = None
    while poll.checks < max_checks:
        neptune.now += poll.next_wait_seconds  # WaitBeforeCheck
        status = checker.check_event(poll.check_event(LOAD_ID, bounds))
        where = route(status)
        if where in ("SUCCEEDED", "FAILED", "UNAVAILABLE"):
            return Outcome(poll.checks + 1, neptune.now - load.completes_at, neptune.now, bound_hit)
        poll = poll.counted(status, where).waiting(poller(status))
        if bounds is not None and bound_hit is None:
            # The workflow would end here; the simulation runs on, to measure the whole load.
            bound_hit = bounds.reached(poll)
    raise RuntimeError(f"no terminal status after {max_checks} checks for {load}")


def simulate_fixed(load: Load, interval: float) -> Outcome:
    """A fixed-interval poller in closed form (checks at k * interval): used for speed and to
    cross-check `simulate` in the tests."""
    checks = max(1, math.ceil(load.completes_at / interval - 1e-9))
    seen = checks * interval
    return Outcome(checks, seen - load.completes_at, seen)


@dataclass(frozen=True)
class Profile:
    """A family of loads: nominal running time, progress shape, file count, queueing."""

    run_seconds: float
    shape: str
    files: int
    queued: bool

    @property
    def label(self) -> str:
        """A short human name."""
        queue = ", queued" if self.queued else ""
        return f"{format_duration(self.run_seconds)} {self.shape}, {self.files} file(s){queue}"


def format_duration(seconds: float) -> str:
    """``90`` -> ``1.5 min``, ``7200`` -> ``2 h``."""
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"


DURATIONS = (120, 300, 900, 1800, 3600, 3 * 3600, 8 * 3600, 24 * 3600)
FILE_COUNTS = (1, 4, 16, 64)


def profiles(
    durations: Iterable[float] = DURATIONS, file_counts: Iterable[int] = FILE_COUNTS
) -> list[Profile]:
    """Every combination of duration, shape, file count and queueing."""
    return [
        Profile(float(d), shape, files, queued)
        for d in durations
        for shape in SHAPES
        for files in file_counts
        for queued in (False, True)
    ]


def sample_loads(profile: Profile, count: int, rng: random.Random) -> list[Load]:
    """``count`` loads of ``profile`` with the running time jittered by +-10% (so completion
    falls at every phase of a poller's cycle) and, when queued, 1 to 30 minutes in the queue."""
    return [
        Load.build(
            profile.run_seconds * rng.uniform(0.9, 1.1),
            queue_seconds=rng.uniform(60, 1800) if profile.queued else 0.0,
            files=profile.files,
            shape=profile.shape,
        )
        for _ in range(count)
    ]
