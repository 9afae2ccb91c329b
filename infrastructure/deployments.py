"""From the CDK context to one context per deployment, refusing keys nobody reads.

Without a ``deployments`` map the app has one deployment: the context as it is (stack
``NeptuneBulkLoad``, or ``NeptuneBulkLoad-<stage>`` with ``-c stage=...``). With one, e.g.::

    "deployments": {
        "dev": {"neptuneEndpoint": "...", "region": "eu-west-1"},
        "prod": {"neptuneEndpoint": "...", "maxResubmits": 2}
    }

each entry is a deployment named by its key (its ``stage``) that inherits every setting of the
shared context and overrides the ones it sets; ``-c stage=dev`` keeps only that entry. Keys that
look like this project's (camelCase) but are not declared are refused with the nearest known key:
a misspelled setting must not be silently ignored. Keys of other shapes (``@aws-cdk/...``,
``aws:cdk:...``, lookups cached in ``cdk.context.json``) belong to the CDK and are left alone.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .context_reader import SettingsError, from_json_text
from .setting_declarations import CONTEXT_KEYS, DEPLOYMENTS_KEY, STAGE

OWN_KEY_SHAPE = re.compile(r"^[a-z][A-Za-z0-9]*$")


def nearest_key(key: str, known: Iterable[str]) -> str | None:
    """The known key closest to ``key`` (case-insensitive), if any is close."""
    by_lower = {name.lower(): name for name in known}
    matches = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def check_known_keys(keys: Iterable[str], *, known: Iterable[str], where: str = "") -> None:
    """Refuse the first camelCase key that is not ``known``, naming the nearest known one."""
    known = tuple(known)
    for key in keys:
        if OWN_KEY_SHAPE.fullmatch(key) and key not in known:
            hint = nearest_key(key, known)
            suggestion = (
                f": did you mean '{hint}'?" if hint else f" (known keys: {', '.join(known)})"
            )
            raise SettingsError(f"unknown context key '{key}'{where}{suggestion}")


def deployment_contexts(context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One context per deployment, each holding only declared keys.

    Raises
    ------
    SettingsError
        For an unknown key (top level or in an entry), a malformed ``deployments`` map, an entry
        that sets ``stage`` itself, or a ``stage`` that names no entry.
    """
    check_known_keys(context, known=(*CONTEXT_KEYS, DEPLOYMENTS_KEY))
    shared = {key: context[key] for key in CONTEXT_KEYS if context.get(key) is not None}
    raw = context.get(DEPLOYMENTS_KEY)
    if raw is None or raw == "":
        return [shared]
    entries = from_json_text(DEPLOYMENTS_KEY, raw)
    if not isinstance(entries, dict) or not entries:
        raise SettingsError(
            f"context key '{DEPLOYMENTS_KEY}' must be a non-empty map of stage name to settings"
        )
    contexts: dict[str, dict[str, Any]] = {}
    for stage, overrides in entries.items():
        where = f" in deployment '{stage}'"
        if not STAGE.pattern.fullmatch(stage):
            raise SettingsError(
                f"context key '{DEPLOYMENTS_KEY}': stage name '{stage}' must be {STAGE.expected}"
            )
        if not isinstance(overrides, dict):
            raise SettingsError(f"context key '{DEPLOYMENTS_KEY}'{where} must be a map of settings")
        if STAGE.key in overrides:
            raise SettingsError(
                f"context key '{STAGE.key}'{where}: the stage is the entry's name, drop the key"
            )
        check_known_keys(overrides, known=CONTEXT_KEYS, where=where)
        contexts[stage] = shared | overrides | {STAGE.key: stage}
    selected = shared.get(STAGE.key)
    if selected is None:
        return list(contexts.values())
    if selected not in contexts:
        raise SettingsError(
            f"context key '{STAGE.key}' is '{selected}', which names no deployment "
            f"(deployments: {', '.join(contexts)})"
        )
    return [contexts[selected]]
