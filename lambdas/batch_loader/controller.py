"""One cycle of the batch controller: check the loads that can have changed, resubmit resumable
failures, send what the queue holds, decide the wait or the verdict.

The execution's JSON carries one compact record per load (short keys, docs/design.md "Batches"):
``id`` load id, ``s`` Neptune status (or ``PENDING``/``NOT_SENT``/``START_*``), ``v`` final state,
``r`` reason, ``n`` records, ``e`` errors, ``d`` seconds, ``x`` first error, ``k`` resubmits,
``m`` progress mark, ``c`` checks, ``q`` send order. Starts go through `start_load` and checks
through `StatusChecker`, exactly as the single-load workflow does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batch_loader.verdict import (
    CASCADE_STATUSES,
    DEPENDENCY_FAILED,
    MAX_SAMPLE_CHARS,
    NOT_SENT,
    effective_dependencies,
    failure_cause,
    success_output,
)
from neptune_loader.coerce import clip
from neptune_loader.exceptions import (
    NeptuneRequestRejected,
    NeptuneStartOutcomeUnknown,
    NeptuneTransientError,
)
from neptune_loader.progress import error_count
from neptune_loader.statuses import State
from neptune_loader.validation import StatusRequest, parse_progress_mark

if TYPE_CHECKING:
    from batch_loader.batch_input import Batch
    from neptune_loader.status_output import StatusOutput
    from neptune_loader.wait_policy import WaitPolicy

# Neptune queues at most 64 loads besides the running one (reference §3.2, §2 row 14).
QUEUE_LIMIT = 64
QUEUE_FULL_MARKER = "Max load task queue size limit breached"
PENDING = "PENDING"
RUNNING = "LOAD_IN_PROGRESS"
# Leave this much of the invocation for the answer: one start may take 25 s, one check 10 s.
START_TIME_NEEDED = 30.0
CHECK_TIME_NEEDED = 12.0


@dataclass(frozen=True)
class Cycle:
    """What a cycle needs from outside: send a request, check a load, the time left."""

    start: Callable[[dict[str, Any]], str]
    check: Callable[[StatusRequest], StatusOutput]
    time_left: Callable[[], float]
    policy: WaitPolicy
    max_resubmits: int


def new_records(batch: Batch) -> list[dict[str, Any]]:
    """A record per load, none sent yet."""
    return [{"s": PENDING} for _ in batch.loads]


def watched_batch(load_ids: list[str]) -> tuple[Batch, list[dict[str, Any]]]:
    """Loads started elsewhere, watched as one batch (no requests: never sent or resubmitted)."""
    from batch_loader.batch_input import Batch, BatchLoad

    batch = Batch(
        loads=tuple(BatchLoad(name=i, depends_on=(), request={}) for i in load_ids),
        continue_on_failure=True,
    )
    return batch, [{"id": i, "s": "LOAD_IN_QUEUE", "q": n + 1} for n, i in enumerate(load_ids)]


def _final(record: dict[str, Any]) -> bool:
    return "v" in record


def _in_flight(record: dict[str, Any]) -> bool:
    return record.get("id") is not None and not _final(record)


def _fail(record: dict[str, Any], status: str, reason: str, sample: str = "") -> None:
    record.update(s=status, v=State.FAILED.value, r=reason)
    if sample:
        record["x"] = clip(sample, MAX_SAMPLE_CHARS)


def _record_check(record: dict[str, Any], out: StatusOutput) -> None:
    if out["state"] == State.RETRY.value:
        return  # the status could not be read this time: nothing is known to have changed
    record["s"] = out["neptuneStatus"] or record["s"]
    record["c"] = record.get("c", 0) + 1
    progress = out["progress"]
    record.update(n=progress["totalRecords"], e=error_count(progress), d=progress["totalTimeSpent"])
    if out["progressMark"] is not None:
        record["m"] = out["progressMark"]
    if not out["terminal"]:
        return
    record.pop("m", None)
    if out["state"] == State.UNAVAILABLE.value:
        # Neptune refuses to show this load (e.g. access denied): the batch cannot vouch for it,
        # so it counts as failed; it may still run in Neptune.
        _fail(record, State.UNAVAILABLE.value, out["reason"], out["message"])
        return
    record.update(v=out["state"], r=out["reason"])
    if out["state"] == State.FAILED.value:
        sample = out.get("errors", {}).get("sample") or []
        first = sample[0] if sample else None
        record["x"] = clip(
            f"{first['errorCode']} in {first['fileName']} record {first['recordNum']}: "
            f"{first['errorMessage']}"
            if first
            else out["message"],
            MAX_SAMPLE_CHARS,
        )
        record["rt"] = out["retryable"]


def _check(batch: Batch, records: list[dict[str, Any]], cycle: Cycle) -> None:
    """Check, in send order, the loads at the head of the queue until one is still running or
    waiting (Neptune runs one load at a time, FIFO: those behind it cannot have changed), and every
    load whose dependency failed (Neptune fails those at once: reference §3.1)."""
    order = sorted(
        (i for i, r in enumerate(records) if _in_flight(r)), key=lambda i: int(records[i]["q"])
    )
    failed = {i for i, r in enumerate(records) if r.get("v") == State.FAILED.value}
    head_seen = False
    for index in order:
        if head_seen and not any(j in failed for j in effective_dependencies(batch, index)):
            continue
        if cycle.time_left() < CHECK_TIME_NEEDED:
            return
        record = records[index]
        mark = record.get("m")
        load = batch.loads[index]
        out = cycle.check(
            StatusRequest(
                load_id=record["id"],
                checks=record.get("c", 0),
                # The whole mark, as the status Lambda emitted it (shortestFile included).
                progress_mark=parse_progress_mark(mark),
                # How the load runs, so the verdict weighs record errors as for a single load.
                fail_on_error=load.request.get("failOnError", True) is not False,
                tolerance=load.tolerance,
            )
        )
        _record_check(record, out)
        if record.get("v") == State.FAILED.value:
            failed.add(index)
        elif not _final(record):
            head_seen = True
            record["w"] = out["nextWaitSeconds"]


def _reset(record: dict[str, Any], *, resubmit: bool) -> None:
    k = int(record.get("k", 0)) + (1 if resubmit else 0)
    record.clear()
    record.update(s=PENDING, k=k)
    if resubmit:
        record["resume"] = True


def _reopen(batch: Batch, records: list[dict[str, Any]], max_resubmits: int) -> None:
    """Resumable failures go back to PENDING (sent again with mode RESUME) within
    ``max_resubmits``, and so do the loads that failed only because of them, once nothing they
    depend on has failed for good."""
    for record in records:
        if record.get("rt") and int(record.get("k", 0)) < max_resubmits:
            _reset(record, resubmit=True)
    changed = True
    while changed:
        changed = False
        for index, record in enumerate(records):
            deps = effective_dependencies(batch, index)
            # Without a dependency in the batch (a watched load), a cascade is final here.
            if (
                deps
                and record.get("s") in CASCADE_STATUSES
                and not any(records[j].get("v") == State.FAILED.value for j in deps)
            ):
                _reset(record, resubmit=False)
                changed = True


def _send(batch: Batch, records: list[dict[str, Any]], cycle: Cycle) -> None:
    """Send pending loads in list order while the queue has room; a load whose dependency failed
    for good is not sent. A full queue or a transient error ends this cycle's sending."""
    queued = sum(1 for r in records if _in_flight(r) and r.get("s") != RUNNING)
    next_order = 1 + max((int(r.get("q", 0)) for r in records), default=0)
    for index, (load, record) in enumerate(zip(batch.loads, records, strict=True)):
        if record.get("s") != PENDING:
            continue
        deps = effective_dependencies(batch, index)
        if any(records[j].get("v") == State.FAILED.value for j in deps):
            _fail(record, NOT_SENT, DEPENDENCY_FAILED)
            continue
        if any(records[j].get("id") is None for j in deps):
            continue  # a dependency is not sent yet: its load id is needed
        if queued >= QUEUE_LIMIT or cycle.time_left() < START_TIME_NEEDED:
            return
        request = {**load.request, "queueRequest": True}
        if record.get("resume"):
            request["mode"] = "RESUME"
        waiting_for = [
            records[j]["id"] for j in deps if records[j].get("v") != State.SUCCEEDED.value
        ]
        if waiting_for:
            request["dependencies"] = waiting_for
        try:
            load_id = cycle.start(request)
        except NeptuneTransientError:
            return
        except NeptuneStartOutcomeUnknown as error:
            # Never sent twice: the load may exist; the batch cannot know its id.
            _fail(record, "START_OUTCOME_UNKNOWN", "START_OUTCOME_UNKNOWN", str(error))
            continue
        except RuntimeError as error:
            # Neptune's "queue full" answer (whichever named error carries it): nothing was
            # started; other loads fill the queue, so wait and try again next cycle.
            if QUEUE_FULL_MARKER in str(error):
                return
            if not isinstance(error, NeptuneRequestRejected):
                raise
            _fail(record, "START_REJECTED", "START_REJECTED", str(error))
            continue
        record.pop("resume", None)
        record.update(id=load_id, s="LOAD_IN_QUEUE", q=next_order)
        next_order += 1
        queued += 1


def batch_wait(records: list[dict[str, Any]], policy: WaitPolicy, waited: float) -> int:
    """The wait before the next cycle. The running load's own wait (the status check's
    ``nextWaitSeconds``) when it is the last of ours in Neptune; otherwise the batch's pace: a
    share of the time the batch has waited so far (at least the running load's wait), so that the
    cycles grow with the batch's duration, not with its loads times their checks."""
    in_flight = [r for r in records if _in_flight(r)]
    own = min((int(r["w"]) for r in in_flight if r.get("w") is not None), default=None)
    if own is None:
        own = policy.queued_wait if in_flight else policy.min_wait
    pending = any(r.get("s") == PENDING for r in records)
    if len(in_flight) <= 1 and not pending:
        return policy.clamp(own)
    return policy.clamp(max(own, policy.elapsed_share * waited))


def run_cycle(
    batch: Batch, progress: dict[str, Any], cycle: Cycle, *, max_cycles: int
) -> dict[str, Any]:
    """Advance the batch by one cycle; returns the execution's next state fields: ``progress``,
    ``wait``, ``outcome`` (RUNNING, SUCCEEDED or FAILED) and ``result`` or ``cause``."""
    records: list[dict[str, Any]] = progress["loads"]
    for record in records:
        record.pop("w", None)
    _check(batch, records, cycle)
    _reopen(batch, records, cycle.max_resubmits)
    _send(batch, records, cycle)
    progress["cycles"] = int(progress.get("cycles", 0)) + 1
    if all(_final(r) for r in records):
        if all(r["v"] == State.SUCCEEDED.value for r in records):
            return {
                "progress": progress,
                "outcome": "SUCCEEDED",
                "result": success_output(batch, records),
            }
        return {"progress": progress, "outcome": "FAILED", "cause": failure_cause(batch, records)}
    if progress["cycles"] >= max_cycles:
        return {
            "progress": progress,
            "outcome": "FAILED",
            "cause": failure_cause(batch, records, timed_out=True),
        }
    wait = batch_wait(records, cycle.policy, float(progress.get("waited", 0)))
    progress["waited"] = float(progress.get("waited", 0)) + wait
    return {"progress": progress, "outcome": "RUNNING", "wait": wait}
