"""How long the workflow should wait before the next check: pure, and shared by the Lambda, the
command line's ``watch`` and the benchmark simulator, so what is measured is what runs.

Neptune's ``feedCount`` only moves when a whole file finishes, so one check cannot tell when the
file in progress started. The poll loop therefore carries a *progress mark* from check to check
(``{"finishedFeeds": F, "seenAt": S, "shortestFile": D}``: ``S`` is ``totalTimeSpent`` at the
first check that saw ``F`` finished files, ``D`` the shortest time a file took). With it the policy
knows about when the current file started and how long a file takes, waits until shortly before the
predicted end and then checks at a short tail interval. When the files' times differ too much for
the average to predict one (files of unequal sizes), it checks each of the last files as a load
without a signal, at a share of the file's own running time.

With a *forecast* from the source's expected records (:mod:`neptune_loader.estimate`), the
policy approaches the predicted end instead: a share of the predicted time left while the end is
far, then the predicted end less the estimate's margin, then a check every ``tail_wait`` seconds.

Independently of how the load behaves, a *budget floor* (:func:`budget_floor`) guarantees that the
loop's own check bound never cuts off a load before its total-wait bound does.

Over 300 lines: one policy, whose tunables are explained where they are declared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from neptune_loader.defaults import (
    MAX_FLOOR_WAIT_SECONDS,
    STATUS_MAX_WAIT_SECONDS,
    STATUS_MIN_WAIT_SECONDS,
)
from neptune_loader.statuses import TERMINAL_STATES, State

# Feed statuses that mean a feed has not finished yet; every other feed status is finished.
UNFINISHED_FEED_STATUSES = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE", "LOAD_IN_PROGRESS"})
QUEUED_STATUSES = frozenset({"LOAD_NOT_STARTED", "LOAD_IN_QUEUE"})
# The range of a progress mark, as the status Lambda's input check accepts it: far above any real
# load (a year of seconds, a billion files), low enough to stay exact in JSON. A mark is clamped
# to it when made, so whatever the Lambda emits it accepts on the next check.
MAX_SECONDS = 400 * 24 * 3600
MAX_FEEDS = 1_000_000_000


@dataclass(frozen=True)
class ProgressMark:
    """How many feeds had finished, Neptune's ``totalTimeSpent`` when that was first seen, and the
    shortest time a file took (None until a file has finished, or when the marks before did not
    start from the run's start)."""

    finished_feeds: int
    seen_at: float
    shortest_file: float | None = None

    def __post_init__(self) -> None:
        # Neptune's counters and times are untrusted: keep the mark inside the accepted range.
        object.__setattr__(self, "finished_feeds", max(0, min(MAX_FEEDS, self.finished_feeds)))
        object.__setattr__(self, "seen_at", _bounded_seconds(self.seen_at))
        if self.shortest_file is not None:
            object.__setattr__(self, "shortest_file", _bounded_seconds(self.shortest_file))

    def to_json(self) -> dict[str, int | float]:
        """The status object's ``progressMark`` (and the status Lambda's input of the same name)."""
        out: dict[str, int | float] = {
            "finishedFeeds": self.finished_feeds,
            "seenAt": _json_seconds(self.seen_at),
        }
        if self.shortest_file is not None:
            out["shortestFile"] = _json_seconds(self.shortest_file)
        return out


def _bounded_seconds(value: float) -> float:
    seconds = float(value)
    return max(0.0, min(float(MAX_SECONDS), seconds)) if math.isfinite(seconds) else 0.0


def _json_seconds(seconds: float) -> int | float:
    return int(seconds) if seconds.is_integer() else seconds


@dataclass(frozen=True)
class Forecast:
    """The running time a load is predicted to take, from its expected records and record rate."""

    seconds_left: float
    total_seconds: float


@dataclass(frozen=True)
class CheckBudget:
    """The poll loop's bounds, as the loop sends them with each check.

    The loop fails with ``NeptuneLoadTimedOut`` when its check counter reaches ``max_checks`` or
    its waited seconds reach ``max_total_wait``.
    """

    max_checks: int
    max_total_wait: int


@dataclass(frozen=True, kw_only=True)
class WaitPolicy:
    """Bounds and shape of the waits between checks (tuned with ``make bench``, see
    docs/benchmarks.md)."""

    min_wait: int = STATUS_MIN_WAIT_SECONDS
    # Bounds every wait the policy chooses; long only when finished files predict a distant end.
    max_wait: int = STATUS_MAX_WAIT_SECONDS
    # Bounds waits chosen without a prediction (no file finished yet, one file, a file running
    # past its predicted end) and RETRY backoff: there the end may come at any moment.
    blind_max_wait: int = 300
    queued_wait: int = 60
    # Without a progress signal (one file, or none finished yet), wait this share of the time the
    # load has run so far: the end is unpredictable, so this trades detection delay for checks.
    elapsed_share: float = 0.1
    # Before the last `tracked_files` files, wait this share of the estimated time until they
    # start. Below 0.5 so that a load speeding up towards its end is not overshot.
    remaining_share: float = 0.35
    tracked_files: int = 3
    # For each of the last tracked files, wait from the progress mark until this share of a
    # file's average duration has passed: files may run faster at the end (about 0.65 of the
    # average when the rate triples over the load), and the mark may be late by a resolution.
    lead: float = 0.45
    # Then check the last file every tail_wait seconds ...
    tail_wait: int = 25
    # ... but spend at most about this many checks on one file's worth of time, so a long last
    # file stays within the workflow's check bound and history limit.
    tail_checks_per_file: int = 250
    # The files before the last only need to be seen finish this precisely (a share of a file,
    # for the second-last and the ones before it): each finish is the next file's start, which
    # sets the next predicted end.
    mid_resolution: float = 0.1
    coarse_resolution: float = 0.25
    # A file running past its predicted end (files slowing down to a third of the average rate
    # at the end of a load take up to twice the average; beyond that, a stalled load): back off
    # by this share of the overdue time, so a stall costs a few checks, not hundreds.
    overdue_after: float = 2.0
    overdue_share: float = 0.05
    # Files of unequal sizes: when the average finished file took more than `spread_limit` times
    # the shortest one (equal files whose rate changes threefold over a load stay within about
    # 2x, late marks included), the average predicts no single file. Then the last tracked files
    # are checked as a load without a signal is, from the file's own start: nothing before
    # `spread_start` of the shortest file, then the last file every `elapsed_share` of its running
    # time (at most `blind_max_wait`), the ones before it every `spread_share` (their ends matter
    # less: the next file's checks start from them). Files averaging under `blind_max_wait` keep
    # the waits from the average, whose tail interval already checks them often.
    spread_limit: float = 3.0
    spread_start: float = 0.5
    spread_share: float = 0.4
    # With a forecast: wait this share of the predicted time left (below 0.5: a load whose rate
    # rises towards its end finishes up to twice as early as the average rate predicts) ...
    forecast_share: float = 0.4
    # ... but never past the predicted end less this share of the predicted running time (how far
    # the expected records may be off), from where the load is checked every tail_wait seconds.
    forecast_margin: float = 0.03
    # The longest wait the budget floor may impose.
    max_floor_wait: int = MAX_FLOOR_WAIT_SECONDS

    def clamp(self, seconds: float) -> int:
        """Round and bound a wait to [min_wait, max_wait] (an infinite estimate, from huge
        untrusted times and counts, is the longest wait)."""
        if not math.isfinite(seconds):
            return self.max_wait if seconds > 0 else self.min_wait
        return max(self.min_wait, min(self.max_wait, round(seconds)))

    @property
    def blind_cap(self) -> int:
        """The longest wait without a prediction of the end."""
        return min(self.max_wait, self.blind_max_wait)


def completed_fraction(feed_count: Mapping[str, int]) -> float | None:
    """Share of feeds (files) finished, or None when Neptune gave no usable feed counts."""
    total = sum(feed_count.values())
    if total <= 0:
        return None
    return finished_feeds(feed_count) / total


def finished_feeds(feed_count: Mapping[str, int]) -> int:
    """How many feeds (files) have finished, whatever their outcome."""
    return sum(n for status, n in feed_count.items() if status not in UNFINISHED_FEED_STATUSES)


def advance_mark(
    previous: ProgressMark | None, *, feed_count: Mapping[str, int], elapsed_seconds: float
) -> ProgressMark:
    """The progress mark after a check that saw ``feed_count`` at ``elapsed_seconds``.

    A new mark when more feeds have finished than the previous mark says; the previous mark
    otherwise. A mark that cannot describe this run any more (fewer finished feeds, or a
    ``totalTimeSpent`` that went backwards: Neptune started a new run) is replaced.
    """
    finished = finished_feeds(feed_count)
    elapsed = max(0.0, float(elapsed_seconds))
    if previous is None:
        return ProgressMark(finished, elapsed if finished else 0)
    if finished > previous.finished_feeds:
        # Each file finished since the previous mark took about this long (shorter files among
        # them go unseen); a mark whose history is unknown (none from the start) keeps none.
        span = (elapsed - previous.seen_at) / (finished - previous.finished_feeds)
        if previous.finished_feeds == 0:
            return ProgressMark(finished, elapsed, span)
        known = previous.shortest_file
        return ProgressMark(finished, elapsed, None if known is None else min(known, span))
    if finished < previous.finished_feeds or elapsed < previous.seen_at:
        return ProgressMark(finished, elapsed if finished else 0)
    return previous


def budget_floor(
    policy: WaitPolicy, *, budget: CheckBudget, checks: int, waited_seconds: float
) -> int:
    """The shortest wait that keeps the loop's check bound from ever firing first.

    ``checks`` is the loop's counter as sent with this check (checks counted *before* it) and
    ``waited_seconds`` the seconds waited up to and including the wait before this check. After
    this check the loop counts ``checks + 1``; after our wait and the next check, ``checks + 2``
    with ``waited_seconds + wait`` waited, and so on. The check bound fires at a count of ``N =
    max_checks``; we want the total-wait bound ``T = max_total_wait`` reached by the count
    ``N - 1`` at the latest, i.e. within the ``n = N - 2 - checks`` waits still to come, ours
    included. Each later wait may be as long as ``M = max_floor_wait``, so ours must be at least::

        floor = T - waited_seconds - (n - 1) * M

    Invariant: ``T - waited <= n * M`` (the remaining waits can still cover the remaining time).
    It holds at the start when ``T - initial_wait <= (N - 2) * M`` (checked at synth), and a wait
    ``w >= floor`` keeps it: ``T - (waited + w) <= (n - 1) * M``. So the floor never exceeds
    ``M``, and whatever the load does (stalls, progress going backwards, RETRY storms), the loop
    waits ``T`` seconds before it could count ``N`` checks. With the shipped defaults (N = 500,
    T = 36 h, M = 3600 s) the floor is 0 until fewer than 36 checks are left.
    """
    remaining_waits = budget.max_checks - 2 - checks
    if remaining_waits <= 0:
        return policy.max_floor_wait
    floor = budget.max_total_wait - waited_seconds - (remaining_waits - 1) * policy.max_floor_wait
    return max(0, min(policy.max_floor_wait, math.ceil(floor)))


def _running_wait(
    policy: WaitPolicy,
    *,
    elapsed: float,
    feed_count: Mapping[str, int],
    mark: ProgressMark | None,
) -> float:
    """The wait for a running load, before clamping."""
    finished = finished_feeds(feed_count)
    unfinished = sum(feed_count.values()) - finished
    blind = policy.blind_cap
    if finished <= 0 or unfinished <= 0:
        # No file finished yet (or no feed counts): nothing predicts the end.
        return min(blind, elapsed * policy.elapsed_share)
    if mark is None or mark.finished_feeds != finished or mark.seen_at > elapsed:
        # No usable mark (ad hoc checks): estimate from the rate of finished files alone. The file
        # in progress counts as not started, so this overestimates the time left by at most one
        # file.
        if unfinished > 1:
            return elapsed * unfinished / finished * policy.remaining_share
        return min(blind, max(policy.tail_wait, elapsed / finished / policy.tail_checks_per_file))
    per_file = mark.seen_at / finished  # average duration of a finished file
    since = elapsed - mark.seen_at  # how long the current file has run (at most)
    shortest = mark.shortest_file
    if (
        unfinished <= policy.tracked_files
        and shortest is not None
        and per_file >= blind
        and per_file > shortest * policy.spread_limit
    ):
        own = (
            min(blind, since * policy.elapsed_share)
            if unfinished == 1
            else since * policy.spread_share
        )
        return max(shortest * policy.spread_start - since, policy.tail_wait, own)
    overdue = max(0.0, since - per_file * policy.overdue_after)
    if unfinished > policy.tracked_files:
        # Time until the first tracked file starts: the rest of this file and the ones between.
        to_tracked = max(0.0, per_file - since) + per_file * (unfinished - policy.tracked_files - 1)
        wait = max(
            to_tracked * policy.remaining_share,
            per_file * policy.coarse_resolution,
            min(blind, overdue * policy.overdue_share),
        )
        # From the first few files alone the rate is a guess (they may run several times slower
        # than the rest): wait no longer than without a prediction.
        return wait if finished >= policy.tracked_files else min(blind, wait)
    if unfinished == 1:
        resolution = max(policy.tail_wait, per_file / policy.tail_checks_per_file)
    elif unfinished == 2:
        resolution = max(policy.tail_wait, per_file * policy.mid_resolution)
    else:
        resolution = max(policy.tail_wait, per_file * policy.coarse_resolution)
    approach = per_file * policy.lead - since
    if approach >= resolution:
        return approach
    # Past the point where the file may end: check at the resolution, backing off (up to the
    # blind cap) once it runs past its predicted end, so a stall does not cost hundreds of checks.
    return max(resolution, min(blind, overdue * policy.overdue_share))


def _forecast_wait(policy: WaitPolicy, forecast: Forecast) -> float:
    """The wait for a running load with a predicted end, before clamping.

    Far from the end: ``forecast_share`` of the time left, so each check re-predicts from a
    better rate. Near it: until the earliest end the estimate's margin allows, then every
    ``tail_wait`` seconds. Past the predicted end (more records than expected: the estimate was
    low), every ``tail_wait`` seconds, backing off by ``overdue_share`` of the overdue time so
    a badly low estimate costs a few checks, not hundreds.
    """
    left, margin = forecast.seconds_left, forecast.total_seconds * policy.forecast_margin
    if left <= 0:
        return min(policy.blind_cap, max(policy.tail_wait, -left * policy.overdue_share))
    return max(policy.tail_wait, min(left * policy.forecast_share, left - margin))


def next_wait_seconds(
    policy: WaitPolicy,
    *,
    state: State,
    neptune_status: str | None,
    elapsed_seconds: float,
    feed_count: Mapping[str, int],
    consecutive_retries: int = 0,
    mark: ProgressMark | None = None,
    budget: CheckBudget | None = None,
    checks: int = 0,
    waited_seconds: float = 0.0,
    forecast: Forecast | None = None,
) -> int | None:
    """Seconds to wait before the next check, or None for terminal states.

    - RETRY: exponential backoff from ``min_wait`` on consecutive failed checks.
    - Queued or not started: ``queued_wait`` (the load cannot finish before it starts).
    - Running, more than ``tracked_files`` files to go: a share of the time until the tracked
      files start, estimated from the average file duration (``mark.seen_at / finished``) and
      how long the current file has run.
    - Running, one of the last ``tracked_files`` files: wait until ``lead`` of a file's average
      duration has passed since the mark, then check at a resolution (``tail_wait`` for the
      last file, coarser for the ones before), backing off once the file runs past its
      predicted end. When the average file took over ``spread_limit`` times the shortest
      (unequal sizes), each of them is checked at a share of its own running time instead.
    - Running without a progress signal (no file finished, or one file): a share of the time
      spent so far, so short loads are checked often and long loads rarely.
    - Running with a ``forecast`` (expected records from the source): see :func:`_forecast_wait`.
    - Always: at least :func:`budget_floor` when the loop sent its ``budget``.

    ``mark`` is the progress mark *after* this check (see :func:`advance_mark`); without it the
    time left is estimated from the rate of finished files alone.
    """
    if state in TERMINAL_STATES:
        return None
    if state is State.RETRY:
        backoff = policy.min_wait * 2 ** min(consecutive_retries, 16)
        wait = policy.clamp(min(policy.blind_cap, backoff))
    elif neptune_status in QUEUED_STATUSES:
        wait = policy.clamp(policy.queued_wait)
    elif forecast is not None:
        wait = policy.clamp(_forecast_wait(policy, forecast))
    else:
        elapsed = max(0.0, elapsed_seconds)
        wait = policy.clamp(
            _running_wait(policy, elapsed=elapsed, feed_count=feed_count, mark=mark)
        )
    if budget is not None:
        wait = max(
            wait, budget_floor(policy, budget=budget, checks=checks, waited_seconds=waited_seconds)
        )
    return wait
