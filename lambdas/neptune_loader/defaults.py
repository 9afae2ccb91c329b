"""Defaults of the settings the Lambdas read from their environment, declared once.

The status Lambda falls back to them when a variable is unset (:mod:`neptune_loader.settings`),
:class:`~neptune_loader.wait_policy.WaitPolicy` starts from them, and the CDK app's declaration of
the deployment settings (``infrastructure/setting_declarations.py``) takes its defaults for the
``status*`` context keys from here, and the ranges (``*_LOW`` to ``*_HIGH``) both sides accept. Plain constants: this module imports nothing, so the Lambda
asset stays free of CDK and the CDK app can import it without the Lambdas' dependencies.
"""

from __future__ import annotations

# The handlers' CloudWatch metrics namespace when POWERTOOLS_METRICS_NAMESPACE is unset; the stack
# sets its own name there, and its default name is this one.
DEFAULT_METRICS_NAMESPACE = "NeptuneBulkLoad"
# The handlers' Powertools service name when POWERTOOLS_SERVICE_NAME is unset (the stack sets one
# per function).
DEFAULT_SERVICE_NAME = "neptune-bulk-load"

# Shortest and longest wait the status Lambda asks for between checks (``nextWaitSeconds``).
STATUS_MIN_WAIT_SECONDS = 10
STATUS_MAX_WAIT_SECONDS = 1800
# Either wait is from 1 s to an hour.
STATUS_WAIT_SECONDS_LOW = 1
STATUS_WAIT_SECONDS_HIGH = 3600
# Error-log entries fetched when a load ends badly. At least 1: Neptune's errorsPerPage is a
# positive int, and the first page also carries failedFeeds, the evidence a verdict needs, so
# the check always reads one page (a 0 would read one entry all the same).
STATUS_MAX_ERRORS_FETCHED = 100
STATUS_MAX_ERRORS_FETCHED_LOW = 1
STATUS_MAX_ERRORS_FETCHED_HIGH = 1000
# The longest wait the budget floor may impose when the loop's checks run low (Step Functions
# waits up to a year; the status object keeps nextWaitSeconds <= 3600).
MAX_FLOOR_WAIT_SECONDS = 3600
# Cycles (one wait and one controller call each) a batch execution may take before it fails with
# NeptuneBatchFailed: at most 22 history events each, so 1,000 cycles stay under the 25,000-event
# limit (the batch construct checks this at synth); a 200-hour batch needs about 500.
BATCH_MAX_CYCLES = 1000
# Resubmissions with mode RESUME after a retryable failure (the workflow's maxResubmits; the batch
# controller reads it from MAX_RESUBMITS).
MAX_RESUBMITS = 1
MAX_RESUBMITS_LOW = 0
MAX_RESUBMITS_HIGH = 10
# Record errors a failed load may have and still count as a success (failOnError FALSE only):
# a count, and a share of the records in errors per million. 0: none tolerated (the default).
STATUS_TOLERATED_RECORD_ERRORS = 0
STATUS_TOLERATED_RECORD_ERRORS_LOW = 0
STATUS_TOLERATED_RECORD_ERRORS_HIGH = 1_000_000_000
STATUS_TOLERATED_ERRORS_PER_MILLION = 0
STATUS_TOLERATED_ERRORS_PER_MILLION_LOW = 0
STATUS_TOLERATED_ERRORS_PER_MILLION_HIGH = 1_000_000
