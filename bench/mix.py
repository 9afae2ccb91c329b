"""Loads that look like users' loads, polled with and without source estimates.

The mix: running times weighted toward 15 min-3 h (30% under 15 min, 50% 15 min-3 h, 20% 3-24 h,
log-uniform within each band), progress shapes linear (40%), slowing down as the graph grows
(front-loaded, 40%) and speeding up (back-loaded, 20%), and five shape groups: one file, equal
files, unequal files (log-normal sizes, sigma 1), gzip files of unequal sizes, and queued starts
(1-30 min in the queue, files as in the other groups). Each load is polled by the workflow (the
real status check and wait policy through the poll-loop model) without estimates and with them,
and by the fixed 30 s poller (closed form).

With estimates, the source's expected records are the true records times (1 + e), e drawn from
the errors the real sampler (:class:`neptune_loader.source_sample.S3SourceSampler`) makes on
generated sources (:func:`estimator_errors`), plain or gzip as the group's files.
"""

from __future__ import annotations

import gzip
import io
import math
import random
import statistics
from dataclasses import dataclass
from typing import Any

from bench import eta_shapes, simulator
from neptune_loader.estimate import SOURCE_SAMPLE, SourceTotals, forecast
from neptune_loader.source_sample import S3SourceSampler, count_sample

GROUPS = ("one file", "equal files", "unequal files", "gzip, unequal files", "queued")
SHORT = 900  # loads under 15 minutes have their own goal
SHAPE_WEIGHTS = {"linear": 0.4, "front-loaded": 0.4, "back-loaded": 0.2}
FILE_COUNTS = (4, 16, 64)


class _MemoryS3:
    """ListObjectsV2 and ranged GetObject over in-memory objects (for the sampler's errors)."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]:
        contents = [{"Key": k, "Size": len(v)} for k, v in self.objects.items()]
        return {"Contents": contents, "IsTruncated": False}

    def get_object(self, *, Bucket: str, Key: str, Range: str) -> dict[str, Any]:
        start, end = (int(x) for x in Range.removeprefix("bytes=").split("-"))
        return {"Body": io.BytesIO(self.objects[Key][start : end + 1])}


def _generated_file(rng: random.Random, rows: int) -> bytes:
    """A Gremlin CSV vertex file: ids that gain digits along the file, optional properties,
    values of varied length, and a style (more or fewer columns) per file."""
    columns = rng.randint(1, 6)
    fill = rng.uniform(0.3, 1.0)
    header = "~id,~label," + ",".join(f"p{c}:String" for c in range(columns))
    lines = [header]
    for n in range(rows):
        values = ["v" * rng.randint(1, 30) if rng.random() < fill else "" for _ in range(columns)]
        lines.append(f"id{n},label{n % 7}," + ",".join(values))
    return ("\n".join(lines) + "\n").encode()


def estimator_errors(sources: int, seed: int = 7) -> dict[str, list[float]]:
    """Relative errors (estimate / truth - 1) of the real sampler on ``sources`` generated
    sources each of plain and gzip files (2-6 files of 2,000-25,000 rows)."""
    rng = random.Random(seed)
    errors: dict[str, list[float]] = {"plain": [], "gzip": []}
    for _ in range(sources):
        files = {
            f"f{k}.csv": _generated_file(rng, rng.randint(2_000, 25_000))
            for k in range(rng.randint(2, 6))
        }
        truth = 0
        for key, data in files.items():
            counted = count_sample(key, data, whole=True)
            assert not isinstance(counted, str)
            truth += counted[0]
        for kind, found in errors.items():
            objects = (
                files
                if kind == "plain"
                else {f"{k}.gz": gzip.compress(v, compresslevel=6) for k, v in files.items()}
            )
            totals = S3SourceSampler("us-east-1", client=_MemoryS3(objects))("s3://b/p/")
            assert totals.expected_records is not None, totals
            found.append(totals.expected_records / truth - 1)
    return errors


@dataclass(frozen=True)
class MixLoad:
    """One load of the mix and what its source estimate will be off by."""

    group: str
    load: simulator.Load
    estimate_error: float


def _duration(rng: random.Random) -> float:
    band = rng.choices(((120, 900), (900, 3 * 3600), (3 * 3600, 24 * 3600)), (0.3, 0.5, 0.2))[0]
    return math.exp(rng.uniform(math.log(band[0]), math.log(band[1])))


def user_mix(
    per_group: int, errors: dict[str, list[float]], seed: int = 20_261_203
) -> list[MixLoad]:
    """``per_group`` loads of each shape group."""
    rng = random.Random(seed)
    loads: list[MixLoad] = []
    for group in GROUPS:
        for _ in range(per_group):
            run = _duration(rng)
            shape = rng.choices(list(SHAPE_WEIGHTS), list(SHAPE_WEIGHTS.values()))[0]
            files = 1 if group == "one file" else rng.choice(FILE_COUNTS)
            equal = group == "equal files" or (group == "queued" and rng.random() < 0.5)
            sizes = (
                () if equal or files == 1 else tuple(rng.lognormvariate(0, 1) for _ in range(files))
            )
            kind = "gzip" if group.startswith("gzip") else "plain"
            load = simulator.Load.build(
                run,
                queue_seconds=rng.uniform(60, 1800) if group == "queued" else 0.0,
                files=files,
                shape=shape,
                sizes=sizes,
                records=int(run * rng.uniform(5_000, 50_000)),
            )
            loads.append(MixLoad(group, load, rng.choice(errors[kind])))
    return loads


def _sampler(item: MixLoad) -> Any:
    expected = round(item.load.records * (1 + item.estimate_error))
    return lambda uri, **_: SourceTotals(expected, item.load.files, SOURCE_SAMPLE)


def eta_error(item: MixLoad, policy: Any, initial_wait: float) -> tuple[float | None, float | None]:
    """|etaSeconds - true time left| / true time left, at half of the load's running time: the
    loop (with estimates) runs its checks up to then, and one more check at half time carries the
    loop's state as the workflow's next check would. Second, the same error for the time left
    at the average rate alone (the records and running time that check saw)."""
    load = item.load
    neptune = simulator._ScriptedNeptune(load)
    checker = simulator.status_checker(
        simulator.SETTINGS, client=neptune, policy=policy, sampler=_sampler(item)
    )
    half = load.queue_seconds + load.run_seconds / 2
    poller = simulator.lambda_poller(policy, initial_wait)
    poll = simulator.PollState.start(poller(None))
    while neptune.now + poll.next_wait_seconds < half:
        neptune.now += poll.next_wait_seconds
        status = checker.check_event(poll.check_event(simulator.LOAD_ID))
        poll = poll.counted(status, simulator.route(status)).waiting(poller(status))
    neptune.now = half
    status = checker.check_event(poll.check_event(simulator.LOAD_ID))
    estimate = status["estimate"]
    eta = estimate["etaSeconds"]
    left = load.run_seconds - int(load.run_seconds / 2)
    average = None
    if "seenRecords" in estimate:
        totals = SourceTotals(estimate["expectedRecords"], estimate["expectedFiles"], SOURCE_SAMPLE)
        average = forecast(totals, records=estimate["seenRecords"], elapsed=estimate["seenAt"])
    return (
        None if eta is None else abs(eta - left) / left,
        None if average is None else abs(average.seconds_left - left) / left,
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def run_mix(policy: Any, initial_wait: float, bounds: Any, per_group: int) -> dict[str, Any]:
    """Simulate the mix; per group and length band, checks and delays of each poller."""
    errors = estimator_errors(sources=20)
    rows: list[dict[str, Any]] = []
    for item in user_mix(per_group, errors):
        load = item.load
        poller = simulator.lambda_poller(policy, initial_wait)
        without = simulator.simulate(load, poller, policy, bounds=bounds)
        with_est = simulator.simulate(load, poller, policy, bounds=bounds, sampler=_sampler(item))
        fixed = simulator.simulate_fixed(load, 30)
        eta, average_eta = eta_error(item, policy, initial_wait)
        rows.append(
            {
                "group": item.group,
                "band": ">=15 min" if load.run_seconds >= SHORT else "<15 min",
                "run_seconds": load.run_seconds,
                "files": load.files,
                "shape": load.shape,
                "estimate_error": item.estimate_error,
                "fixed30": (fixed.checks, fixed.detection_delay),
                "without": (without.checks, without.detection_delay),
                "with": (with_est.checks, with_est.detection_delay),
                "eta_error": eta,
                "eta_average_error": average_eta,
            }
        )
    summary: dict[str, Any] = {}
    for group in (*GROUPS, "all"):
        for band in ("<15 min", ">=15 min"):
            chosen = [
                r for r in rows if (group == "all" or r["group"] == group) and r["band"] == band
            ]
            if not chosen:
                continue
            entry: dict[str, Any] = {"loads": len(chosen)}
            for poller in ("fixed30", "without", "with"):
                checks = [r[poller][0] for r in chosen]
                delays = [r[poller][1] for r in chosen]
                entry[poller] = {
                    "mean_checks": statistics.fmean(checks),
                    "p50_delay": statistics.median(delays),
                    "p95_delay": _p95(delays),
                }
            for poller in ("without", "with"):
                entry[poller]["check_share"] = (
                    entry[poller]["mean_checks"] / entry["fixed30"]["mean_checks"]
                )
            etas = [r["eta_error"] for r in chosen if r["eta_error"] is not None]
            entry["eta_median_error"] = statistics.median(etas) if etas else None
            entry["eta_p95_error"] = _p95(etas) if etas else None
            summary[f"{group} | {band}"] = entry
    by_shape, average_by_shape = {}, {}
    for shape in SHAPE_WEIGHTS:
        for key, medians in (("eta_error", by_shape), ("eta_average_error", average_by_shape)):
            etas = [r[key] for r in rows if r["shape"] == shape and r[key] is not None]
            medians[shape] = statistics.median(etas) if etas else None
    return {
        "per_group": per_group,
        "estimator_errors": {
            kind: {
                "sources": len(values),
                "median": statistics.median(values),
                "max_abs": max(abs(v) for v in values),
                "mean": statistics.fmean(values),
            }
            for kind, values in errors.items()
        },
        "summary": summary,
        "eta_median_error_by_shape": by_shape,
        # The same, with the time left at the average rate alone (what the ETA improves on).
        "eta_average_median_error_by_shape": average_by_shape,
        # Shapes whose rate does not change steadily (tests/unit/test_estimate_eta.py bounds them).
        "eta_curved_shapes": eta_shapes.worst_errors(),
        "rows": rows,
    }
