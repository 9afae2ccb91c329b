"""Validate a batch of loads whole, before anything is sent (docs/contract.md, "Batch input").

Each load, with ``defaults`` merged under it, must be a loader request the start Lambda accepts
(the same `validate_loader_request`); names are unique; ``dependsOn`` names earlier loads, so the
input order is a dependency order and there can be no cycle. Every problem is an
`InvalidInputError` naming the load and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from neptune_loader.exceptions import InvalidInputError
from neptune_loader.loader_request import MAX_DEPENDENCIES, validate_loader_request
from neptune_loader.validation import parse_error_tolerance

if TYPE_CHECKING:
    from neptune_loader.resumability import ErrorTolerance

# At most 200 loads: the execution's history stays far below Step Functions' 25,000 events for
# 200 one-hour loads (docs/design.md, "Batches"), and 200 compact per-load records plus the
# results fit the 256 KiB state with the input (bounded below) beside them.
MAX_LOADS = 200
# The input travels in the execution's state all along: keep half of the 256 KiB for the rest.
MAX_INPUT_BYTES = 128 * 1024
MAX_NAME_CHARS = 80
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
BATCH_KEYS = frozenset({"loads", "defaults", "continueOnFailure"})
# Keys of a load besides the loader request's own; the batch sets these request keys itself.
LOAD_KEYS = frozenset({"name", "dependsOn"})
MANAGED_KEYS = frozenset({"queueRequest", "dependencies"})


@dataclass(frozen=True)
class BatchLoad:
    """One validated load: its name, the indexes of the loads it depends on, the request to send
    (without ``dependencies``: those are load ids, known only once the dependencies are sent)."""

    name: str
    depends_on: tuple[int, ...]
    request: dict[str, Any]
    # The load's errorTolerance (checked, never sent), for its status checks.
    tolerance: ErrorTolerance | None = None


@dataclass(frozen=True)
class Batch:
    """A validated batch."""

    loads: tuple[BatchLoad, ...]
    continue_on_failure: bool


def _names(loads: list[Any]) -> list[str]:
    names: list[str] = []
    for index, load in enumerate(loads):
        if not isinstance(load, dict):
            raise InvalidInputError(f"loads[{index}] must be an object, got {type(load).__name__}")
        name = load.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > MAX_NAME_CHARS:
            raise InvalidInputError(
                f"loads[{index}].name must be 1-{MAX_NAME_CHARS} letters, digits or _.:- "
                f"(starting with a letter or digit); got {str(name)[:100]!r}"
            )
        if name in names:
            raise InvalidInputError(f"loads[{index}].name {name!r} is used twice: names are unique")
        names.append(name)
    return names


def _depends_on(load: dict[str, Any], index: int, names: list[str]) -> tuple[int, ...]:
    name = names[index]
    raw = load.get("dependsOn", [])
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InvalidInputError(f"load {name!r}: dependsOn must be a list of load names")
    if len(raw) > MAX_DEPENDENCIES - 1:
        raise InvalidInputError(
            f"load {name!r}: dependsOn lists {len(raw)} loads; at most {MAX_DEPENDENCIES - 1} "
            "(Neptune takes 64 dependencies and the batch may add the load before it)"
        )
    found: list[int] = []
    for item in raw:
        if item == name:
            raise InvalidInputError(f"load {name!r}: dependsOn names the load itself (a cycle)")
        if item not in names[:index]:
            where = "a later load" if item in names else "no load of this batch"
            raise InvalidInputError(
                f"load {name!r}: dependsOn {item!r} names {where}; a load may depend only on "
                "loads listed before it (so the order is the dependency order and has no cycle)"
            )
        if names.index(item) not in found:
            found.append(names.index(item))
    return tuple(found)


def _merged(load: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {**defaults, **{k: v for k, v in load.items() if k not in LOAD_KEYS}}


def _request(
    load: dict[str, Any], defaults: dict[str, Any], name: str, *, role: str | None, region: str
) -> dict[str, Any]:
    managed = sorted(MANAGED_KEYS & (set(load) | set(defaults)))
    if managed:
        raise InvalidInputError(
            f"load {name!r}: {', '.join(managed)} is set by the batch (queueRequest TRUE, "
            "dependencies from dependsOn); use dependsOn with load names"
        )
    merged = _merged(load, defaults)
    try:
        return validate_loader_request(merged, default_role_arn=role, default_region=region)
    except InvalidInputError as error:
        raise InvalidInputError(f"load {name!r}: {error}") from None


def validate_batch(event: object, *, default_role_arn: str | None, default_region: str) -> Batch:
    """The batch in ``event``, validated whole (nothing is sent before this returns)."""
    if not isinstance(event, dict):
        raise InvalidInputError(f"the batch must be a JSON object, got {type(event).__name__}")
    unknown = sorted(str(key) for key in event if key not in BATCH_KEYS)
    if unknown:
        raise InvalidInputError(
            f"unknown batch keys: {', '.join(unknown)[:200]} (accepted: {', '.join(sorted(BATCH_KEYS))})"
        )
    size = len(json.dumps(event, separators=(",", ":")).encode())
    if size > MAX_INPUT_BYTES:
        raise InvalidInputError(
            f"the batch input is {size:,} bytes; at most {MAX_INPUT_BYTES:,} (it travels in the "
            "execution's 256 KiB state): move shared keys to defaults"
        )
    loads = event.get("loads")
    if not isinstance(loads, list) or not loads:
        raise InvalidInputError("loads is missing: a non-empty list of loads")
    if len(loads) > MAX_LOADS:
        raise InvalidInputError(
            f"loads lists {len(loads)} loads; at most {MAX_LOADS} per batch: split it"
        )
    defaults = event.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InvalidInputError("defaults must be an object of loader request keys")
    if "source" in defaults:
        raise InvalidInputError("defaults.source: each load names its own source")
    continue_on_failure = event.get("continueOnFailure", False)
    if not isinstance(continue_on_failure, bool):
        raise InvalidInputError("continueOnFailure must be true or false")
    names = _names(loads)
    validated = tuple(
        BatchLoad(
            name=names[index],
            depends_on=_depends_on(load, index, names),
            request=_request(
                load, defaults, names[index], role=default_role_arn, region=default_region
            ),
            # Already checked by the request's validation.
            tolerance=parse_error_tolerance(_merged(load, defaults).get("errorTolerance")),
        )
        for index, load in enumerate(loads)
    )
    return Batch(loads=validated, continue_on_failure=continue_on_failure)
