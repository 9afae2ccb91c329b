"""From the CDK context to one context per deployment, refusing keys nobody reads.

Without a ``deployments`` map the app has one deployment: the context as it is (stack
``NeptuneBulkLoad``, or ``NeptuneBulkLoad-<stage>`` with ``-c stage=...``). With one, e.g.::

    "deployments": {
        "dev": {"neptuneEndpoint": "...", "region": "eu-west-1"},
        "prod": {"neptuneEndpoint": "...", "maxResubmits": 2}
    }

each entry is a deployment named by its key (its ``stage``) that inherits every setting of the
shared context and overrides the ones it sets; ``-c stage=dev`` keeps only that entry. Any other
key is refused with the nearest known key (compared without ``_``/``-`` and case): a misspelled
setting (``neptuneIAMAuth``, ``neptune_endpoint``, ``poll-max-checks``) must not be silently
ignored. At the top level only, keys the CDK puts in the context are left alone: those with a ':'
or starting with '@' (feature flags ``@aws-cdk/...``, the CLI's ``aws:cdk:...``, lookups cached in
``cdk.context.json``) and the two plain keys the CLI writes to ``cdk.context.json`` itself
(:data:`CDK_CLI_KEYS`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from .context_reader import SettingsError, from_json_text
from .setting_declarations import CONTEXT_KEYS, DEPLOYMENTS_KEY, STAGE

# Plain keys the CDK CLI itself writes to the context (`cdk acknowledge`, `cdk cli-telemetry`).
CDK_CLI_KEYS = ("acknowledged-issue-numbers", "cli-telemetry")


def is_cdk_key(key: str) -> bool:
    """Whether ``key`` is one the CDK (library, CLI or ``cdk.context.json``) puts in the context."""
    return ":" in key or key.startswith("@") or key in CDK_CLI_KEYS


def _folded(key: str) -> str:
    return key.replace("_", "").replace("-", "").casefold()


def nearest_key(key: str, known: Iterable[str]) -> str | None:
    """The known key closest to ``key`` compared without ``_``/``-`` and case, if any is close."""
    by_folded = {_folded(name): name for name in known}
    matches = difflib.get_close_matches(_folded(key), list(by_folded), n=1, cutoff=0.6)
    return by_folded[matches[0]] if matches else None


def check_known_keys(
    keys: Iterable[str], *, known: Iterable[str], where: str = "", cdk_keys: bool = False
) -> None:
    """Refuse the first key that is not ``known`` (nor, with ``cdk_keys``, the CDK's), naming the
    nearest known one."""
    known = tuple(known)
    for key in keys:
        if key not in known and not (cdk_keys and is_cdk_key(key)):
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
    check_known_keys(context, known=(*CONTEXT_KEYS, DEPLOYMENTS_KEY), cdk_keys=True)
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
