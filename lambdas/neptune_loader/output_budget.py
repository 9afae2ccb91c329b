"""Fit the status object into the size its reader accepts, shrinking only the error evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neptune_loader.coerce import clip, json_size

if TYPE_CHECKING:
    from neptune_loader.status_output import StatusOutput

# The workflow copies the status object into a Fail state's Cause (at most 32,768 characters), so a
# status built for the workflow stays well under that; ad hoc error pages may use more of the
# 256 KiB Step Functions/Lambda payload limit.
WORKFLOW_OUTPUT_BUDGET = 24_000
AD_HOC_OUTPUT_BUDGET = 200_000
# Text fields are cut to this many characters, then halved, down to MIN_TEXT_CHARS.
SHORTENED_TEXT_CHARS = 200
MIN_TEXT_CHARS = 25


def fit_to_budget(result: StatusOutput, budget: int) -> StatusOutput:
    """Shrink the error evidence until the JSON fits ``budget`` bytes, keeping one error.

    First fewer sample entries and failed feeds (down to one each), fewer error codes, then
    shorter text in what is left: the one sample entry that says what went wrong survives even
    when every text is long and non-ASCII (6 bytes a character once escaped).
    Without errors or failed feeds every field is capped by construction (a few KB at most), so
    the routine check skips serialising its output here.
    """
    errors = result.get("errors")
    if errors is None and not result["failedFeeds"]:
        return result
    text_limit = SHORTENED_TEXT_CHARS
    while json_size(result) > budget:
        if errors is not None and len(errors["sample"]) > 1:
            errors["sample"] = errors["sample"][: len(errors["sample"]) // 2]
            errors["truncated"] = True
        elif len(result["failedFeeds"]) > 1:
            result["failedFeeds"] = result["failedFeeds"][: len(result["failedFeeds"]) // 2]
        elif errors is not None and len(errors["byCode"]) > 1:
            errors["byCode"] = dict(list(errors["byCode"].items())[: len(errors["byCode"]) // 2])
            errors["truncated"] = True
        elif text_limit >= MIN_TEXT_CHARS:
            _shorten_texts(result, text_limit)
            text_limit //= 2
        else:
            break
    return result


def _shorten_texts(result: StatusOutput, limit: int) -> None:
    """Cap the free text of the remaining sample entries, failed feeds and the message."""
    errors = result.get("errors")
    for entry in errors["sample"] if errors is not None else []:
        entry["errorMessage"] = clip(entry["errorMessage"], limit)
        entry["fileName"] = clip(entry["fileName"], limit)
    for feed in result["failedFeeds"]:
        feed["fullUri"] = clip(feed["fullUri"], limit)
    result["message"] = clip(result["message"], 2 * limit)
