"""Fit the status object into the size its reader accepts, shrinking only the error evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neptune_loader.coerce import json_size

if TYPE_CHECKING:
    from neptune_loader.status_output import StatusOutput

# The workflow copies the status object into a Fail state's Cause (at most 32,768 characters), so a
# status built for the workflow stays well under that; ad hoc error pages may use more of the
# 256 KiB Step Functions/Lambda payload limit.
WORKFLOW_OUTPUT_BUDGET = 24_000
AD_HOC_OUTPUT_BUDGET = 200_000


def fit_to_budget(result: StatusOutput, budget: int) -> StatusOutput:
    """Shrink the error sample and failed feeds until the JSON fits ``budget`` bytes.

    Without errors or failed feeds every field is capped by construction (a few KB at most), so
    the routine check skips serialising its output here.
    """
    errors = result.get("errors")
    if errors is None and not result["failedFeeds"]:
        return result
    while json_size(result) > budget:
        if errors is not None and errors["sample"]:
            errors["sample"] = errors["sample"][: len(errors["sample"]) // 2]
            errors["truncated"] = True
        elif result["failedFeeds"]:
            result["failedFeeds"] = result["failedFeeds"][: len(result["failedFeeds"]) // 2]
        elif errors is not None and errors["byCode"]:
            errors["byCode"] = dict(list(errors["byCode"].items())[: len(errors["byCode"]) // 2])
            errors["truncated"] = True
        else:
            break
    return result
