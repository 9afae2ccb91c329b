"""The load and feed statuses the emulator reports, and which of them a load ends in by itself.

All fifteen codes and their meanings: §2 of the loader API reference
(``docs/reference/neptune-loader-api.md``), from loader-message.html. The emulator reports
these nine, the load-level failures below and the feed statuses of ``load_plan``.
"""

from __future__ import annotations

IN_QUEUE = "LOAD_IN_QUEUE"
IN_PROGRESS = "LOAD_IN_PROGRESS"
NOT_STARTED = "LOAD_NOT_STARTED"
COMPLETED = "LOAD_COMPLETED"
FAILED = "LOAD_FAILED"
CANCELLED_BY_USER = "LOAD_CANCELLED_BY_USER"
CANCELLED_DUE_TO_ERRORS = "LOAD_CANCELLED_DUE_TO_ERRORS"
DEPENDENCY_FAILED = "LOAD_FAILED_BECAUSE_DEPENDENCY_NOT_SATISFIED"
INVALID_REQUEST = "LOAD_FAILED_INVALID_REQUEST"
# The non-terminal set every public poller uses (§2, after the table).
ACTIVE_STATUSES = frozenset({IN_QUEUE, IN_PROGRESS, NOT_STARTED})

# Overall statuses a whole load can end in by itself (§2, rows 5, 7, 8 and 12); any other
# injected feed status (S3 read errors, access denied, modified feeds) makes the overall status
# LOAD_FAILED, as §2 rows 10 and 11 document.
LOAD_LEVEL_FAILURES = frozenset(
    {
        "LOAD_COMMITTED_W_WRITE_CONFLICTS",
        "LOAD_DATA_DEADLOCK",
        "LOAD_UNEXPECTED_ERROR",
        CANCELLED_DUE_TO_ERRORS,
    }
)
