"""The poll loop's failure exits: one Fail state per contract error, each behind a Pass that
prepares its ``Cause``.

Every exit replaces the state (no result path) rather than adding to it: copying an oversized
input once more on the way out would end in ``States.DataLimitExceeded`` instead of the named Fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import aws_stepfunctions as sfn

from ..contract import (
    ERROR_INVALID_INPUT,
    ERROR_LOAD_FAILED,
    ERROR_LOAD_TIMED_OUT,
    ERROR_STATUS_UNAVAILABLE,
)

if TYPE_CHECKING:
    from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class LoopExits:
    """Where the loop leaves when the load does not succeed (each the first state of an exit)."""

    load_failed: sfn.Pass
    timed_out: sfn.Pass
    unavailable: sfn.Pass
    refused: sfn.Pass
    check_error: sfn.Pass
    invalid_input: sfn.Pass


def loop_exits(scope: Construct, *, prefix: str, result_path: str, load_id_path: str) -> LoopExits:
    """Build the Fail states and the Passes in front of them, with ids prefixed by ``prefix``."""
    fails = {
        error: sfn.Fail(scope, f"{prefix}{error}", error=error, cause_path="$.cause")
        for error in (
            ERROR_LOAD_FAILED,
            ERROR_LOAD_TIMED_OUT,
            ERROR_STATUS_UNAVAILABLE,
            ERROR_INVALID_INPUT,
        )
    }

    def failure(
        name: str, error: str, cause_of: str, comment: str, collect: dict[str, str] | None = None
    ) -> sfn.Pass:
        """A Pass that replaces the state with ``{"cause": <JSON of cause_of>}`` for the Fail;
        with ``collect``, a Pass before it first reduces the state to those fields."""
        describe = sfn.Pass(
            scope,
            f"{prefix}Describe{name}",
            comment=comment,
            parameters={"cause.$": f"States.JsonToString({cause_of})"},
        )
        describe.next(fails[error])
        if collect is None:
            return describe
        gather = sfn.Pass(scope, f"{prefix}Collect{name}", parameters=collect)
        gather.next(describe)
        return gather

    return LoopExits(
        load_failed=failure(
            "LoadFailure", ERROR_LOAD_FAILED, result_path, "Neptune reports a terminal failure"
        ),
        timed_out=failure(
            "Timeout", ERROR_LOAD_TIMED_OUT, result_path, "Still running when a bound was reached"
        ),
        unavailable=failure(
            "UnavailableStatus",
            ERROR_STATUS_UNAVAILABLE,
            result_path,
            "Too many RETRY results in a row, or a state this workflow does not know",
        ),
        # The status object says what to fix (its message) and that the status is unknown.
        refused=failure(
            "RefusedRead",
            ERROR_STATUS_UNAVAILABLE,
            result_path,
            "Neptune refused the status read (state UNAVAILABLE): the load may still be running",
        ),
        check_error=failure(
            "CheckError",
            ERROR_STATUS_UNAVAILABLE,
            "$",
            "The status Lambda failed (not a load failure): the load id, its error, the counters",
            collect={"loadId.$": load_id_path, "poll.$": "$.poll"},
        ),
        # The Lambda's error (its message names the problem), not $.poll: the load id may be the
        # oversized value that was rejected.
        invalid_input=failure(
            "InvalidLoadId",
            ERROR_INVALID_INPUT,
            "$.poll.error",
            "The status Lambda rejected the input",
        ),
    )
