"""Find the load a start already created, so that one start never becomes two loads.

A start whose answer was lost (408, a 5xx, a dropped connection) may have created its load, and a
retried or redriven start may follow one that did. Before anything is sent again, the start
Lambda looks for such a load: it lists the cluster's loads (``GET /loader``, ListLoaderJobs) and
reads the newest ones (``GET /loader/{id}``), comparing ``overallStatus.fullUri`` with the
request's source and ``overallStatus.startTime`` with the time the attempt began.

Sources (docs/reference/neptune-loader-api.md): the list holds queued loads first, then the
others, each group newest first (§3.3); ``fullUri`` and ``startTime`` (epoch seconds) are fields
of ``overallStatus`` (§1.2), though ``startTime`` is missing from some examples. Whether a queued
load's ``startTime`` is when it was queued or when it will run the sources do not say: a load is
a match if it started (or was queued) at or after the attempt, or has no ``startTime`` at all
(then it cannot be told apart, and adopting it is the safe side: it loads the same source).

Two ways to know "since the attempt": within one invocation, the loads listed just before the
request was sent are excluded (no clock involved); across invocations (a Step Functions retry or
redrive), ``startTime`` is compared with the attempt's time as Step Functions recorded it, with
`CLOCK_SKEW_SECONDS` of slack between the two services' clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from neptune_loader.neptune_client import Deadline, LoaderStatusApi, wall_clock_limit
from neptune_loader.wait_policy import QUEUED_STATUSES

if TYPE_CHECKING:
    from collections.abc import Collection

    from neptune_loader.loader_api import LoaderListClient

# Neptune writes startTime in whole seconds; Step Functions' clock and Neptune's may differ a little.
CLOCK_SKEW_SECONDS = 2.0
# Status reads spent looking for one load: our load is the newest of its group unless others
# were started after it, so a few reads decide; past this the answer is "cannot tell".
MAX_STATUS_READS = 10
# Wall-clock budget of one search (the list call and the status reads).
SEARCH_BUDGET_SECONDS = 10.0
LIST_LIMIT = 100  # the most GET /loader returns (§3.3)


class CannotTell(Exception):
    """Whether a matching load exists could not be decided (a call failed, or too many to read)."""


@dataclass(frozen=True, kw_only=True)
class Search:
    """What to look for: loads of ``source`` started since ``since`` (epoch seconds), or not in
    ``before`` (the ids listed just before sending); never one of ``exclude``."""

    source: str
    since: float | None = None
    before: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()


def same_source(full_uri: object, source: str) -> bool:
    """Whether Neptune's ``fullUri`` names the request's source (``https://s3…`` forms as ``s3://``)."""
    return isinstance(full_uri, str) and _as_s3(full_uri) == _as_s3(source)


def _as_s3(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.scheme == "https" and parts.hostname and parts.hostname.startswith("s3"):
        return "s3://" + unquote(parts.path.lstrip("/"))
    return uri


def list_load_ids(client: LoaderListClient, deadline: Deadline) -> list[str]:
    """``GET /loader``: the tracked loads, queued first, newest first (raises botocore errors)."""
    with wall_clock_limit(max(deadline.remaining(), 0.001)):
        response = client.list_loader_jobs(limit=LIST_LIMIT, includeQueuedLoads=True)
    payload = response.get("payload")
    ids = payload.get("loadIds") if isinstance(payload, dict) else None
    if not isinstance(ids, list):
        raise CannotTell(f"GET /loader answered without a list of loadIds: {str(payload)[:200]}")
    return [item for item in ids if isinstance(item, str)]


def find_started_load(
    client: LoaderListClient,
    statuses: LoaderStatusApi,
    search: Search,
    *,
    listed: Collection[str] | None = None,
) -> str | None:
    """The id of a load that ``search`` describes, ``None`` when there is none.

    ``listed`` saves the list call when the caller has just made it. Raises `CannotTell` when a
    call fails or the budget runs out before the answer is certain.
    """
    deadline = Deadline(SEARCH_BUDGET_SECONDS)
    try:
        ids = list(listed) if listed is not None else list_load_ids(client, deadline)
        reads = 0
        for load_id in ids:
            if load_id in search.exclude or (
                search.before is not None and load_id in search.before
            ):
                continue
            if reads >= MAX_STATUS_READS or not statuses.can_call(deadline):
                raise CannotTell(
                    f"more than {reads} recent loads to read before the answer was certain"
                )
            reads += 1
            overall = _overall(statuses.get_status(load_id))
            started = overall.get("startTime")
            recent = (
                search.since is None
                or not isinstance(started, int | float)
                or started >= search.since - CLOCK_SKEW_SECONDS
            )
            if recent and same_source(overall.get("fullUri"), search.source):
                return load_id
            if (
                not recent
                and search.before is None
                and overall.get("status") not in QUEUED_STATUSES
            ):
                return None  # past the queued group, everything after this is older still
    except CannotTell:
        raise
    except Exception as error:
        raise CannotTell(f"{type(error).__name__}: {str(error)[:300]}") from error
    return None


def _overall(payload: dict[str, Any]) -> dict[str, Any]:
    overall = payload.get("overallStatus")
    if not isinstance(overall, dict):
        raise CannotTell(f"a status answer had no overallStatus: {str(payload)[:200]}")
    return overall
