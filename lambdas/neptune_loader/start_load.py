"""Start a Neptune bulk load: one start, one load.

The one home of the start logic, used by the start Lambda and the command line's ``start``:

1. List the cluster's loads. With an `Attempt` (a Step Functions retry or redrive may follow a
   start that did create its load), first look for a load of the same source started since the
   attempt began, and adopt it instead of sending (`neptune_loader.start_adoption`).
2. Send the validated request once, within a wall-clock limit.
3. If the answer leaves open whether Neptune acted on it (408, a 5xx, a dropped connection, an
   answer without a load id), look for a load of the source that was not in the list of step 1
   and adopt it; only when there is none is sending again safe (`NeptuneTransientError`, which
   the workflow retries). When that cannot be told: `NeptuneStartOutcomeUnknown`, never retried.

Other failures become the start Lambda's named errors (`neptune_loader.api_errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from neptune_loader.api_errors import classify_start_error
from neptune_loader.coerce import clip
from neptune_loader.exceptions import (
    InvalidInputError,
    NeptuneStartOutcomeUnknown,
    NeptuneTransientError,
)
from neptune_loader.loader_request import to_boto3_kwargs
from neptune_loader.neptune_client import Deadline, LoaderStatusApi, wall_clock_limit
from neptune_loader.start_adoption import (
    CannotTell,
    Search,
    find_started_load,
    list_load_ids,
)
from neptune_loader.validation import validate_load_id

if TYPE_CHECKING:
    from neptune_loader.loader_api import LoaderListClient, LoaderStartClient

START_CALL_LIMIT_SECONDS = 25.0


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """The workflow's start attempt: when it began (epoch seconds, Step Functions' clock) and
    the load ids it must not adopt (the failed load a resubmission replaces)."""

    since: float
    exclude: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class StartedLoad:
    """The load this start stands for; ``adopted`` when an earlier attempt had started it."""

    load_id: str
    adopted: bool = False


def start_load(
    client: LoaderStartClient,
    reader: LoaderListClient,
    statuses: LoaderStatusApi,
    request: dict[str, Any],
    *,
    attempt: Attempt | None = None,
) -> StartedLoad:
    """Start ``request`` (already validated) unless an earlier attempt already did.

    ``client`` sends the start (one attempt, long read timeout); ``reader`` and ``statuses`` list
    and read loads (short timeouts).
    """
    source = request["source"]
    earlier = None
    try:
        listed = list_load_ids(reader, Deadline())
        if attempt is not None:
            search = Search(source=source, since=attempt.since, exclude=attempt.exclude)
            earlier = find_started_load(reader, statuses, search, listed=listed)
    except CannotTell as error:
        # Nothing was sent by this invocation: trying again (and checking again) is safe.
        raise NeptuneTransientError(
            f"Could not check whether an earlier attempt started this load ({error}); "
            "nothing was sent"
        ) from error
    except Exception as error:
        raise NeptuneTransientError(
            f"Could not list the cluster's loads before starting ({type(error).__name__}: "
            f"{clip(str(error), 300)}); nothing was sent"
        ) from error
    if earlier is not None:
        return _adopted(earlier)

    try:
        with wall_clock_limit(START_CALL_LIMIT_SECONDS):
            response = client.start_loader_job(**to_boto3_kwargs(request))
    except Exception as error:
        failure = classify_start_error(error)
        if not isinstance(failure, NeptuneStartOutcomeUnknown):
            raise failure from error
        return _resolve_unknown(reader, statuses, source, listed, failure)
    payload = response.get("payload")
    load_id = payload.get("loadId") if isinstance(payload, dict) else None
    if not isinstance(load_id, str) or not load_id:
        unknown = NeptuneStartOutcomeUnknown(
            f"Neptune answered the start request without a loadId: {clip(str(payload), 200)}"
        )
        return _resolve_unknown(reader, statuses, source, listed, unknown)
    if not _is_load_id(load_id):
        # Neptune said it started a load, under an id the status Lambda cannot watch: the load
        # may well be running, so this is not bad input and not a reason to start again.
        raise NeptuneStartOutcomeUnknown(
            f"Neptune answered the start with loadId {clip(load_id, 100)!r}, which is not a "
            "UUID: a load may be running under that id; check it with GET /loader before "
            "starting again"
        )
    return StartedLoad(load_id)


def _resolve_unknown(
    reader: LoaderListClient,
    statuses: LoaderStatusApi,
    source: str,
    listed: list[str],
    unknown: NeptuneStartOutcomeUnknown,
) -> StartedLoad:
    """After an answer that leaves the outcome open: adopt the load if it exists."""
    search = Search(source=source, before=frozenset(listed))
    try:
        found = find_started_load(reader, statuses, search)
    except CannotTell as error:
        raise NeptuneStartOutcomeUnknown(
            f"{unknown} Looking for it failed ({error}): list the cluster's loads "
            "(GET /loader) before starting again"
        ) from error
    if found is None:
        raise NeptuneTransientError(
            f"{unknown}; but no load of {clip(source, 200)} was started: safe to start again"
        )
    return _adopted(found)


def _is_load_id(value: str) -> bool:
    try:
        validate_load_id(value)
    except InvalidInputError:
        return False
    return True


def _adopted(load_id: str) -> StartedLoad:
    """The load an earlier attempt started, if this code can watch it."""
    if not _is_load_id(load_id):
        raise NeptuneStartOutcomeUnknown(
            f"A load of this source was started with id {clip(load_id, 100)!r}, which is not a "
            "UUID: check it with GET /loader before starting again"
        )
    return StartedLoad(load_id, adopted=True)
