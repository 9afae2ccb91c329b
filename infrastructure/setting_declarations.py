"""Every deployment setting, declared once: context key, default, allowed values, meaning.

:meth:`infrastructure.settings.Settings.from_context` parses the context with these declarations,
``app.py`` reads exactly their keys, ``cdk.json`` sets only those without a default, and the
README's settings table is checked against them (tests/infrastructure/test_setting_declarations.py).
The defaults the Lambdas also need come from :mod:`neptune_loader.defaults`. No CDK import: the
command line reads these too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lambda_code import lambda_defaults
from .poll_limits import (
    CHECK_TASK_ALLOWANCE_SECONDS,
    HISTORY_EVENT_LIMIT,
    MIN_CHECKS,
    MIN_CONSECUTIVE_RETRIES,
    QUEUE_FULL_INTERVAL_SECONDS,
    QUEUE_FULL_MAX_DELAY_SECONDS,
    START_TASK_ALLOWANCE_SECONDS,
    queue_full_wait_seconds,
)


@dataclass(frozen=True, kw_only=True)
class Integer:
    """A whole number from ``low`` to ``high``."""

    key: str
    default: int
    low: int
    high: int
    doc: str


@dataclass(frozen=True, kw_only=True)
class Choice:
    """One of a fixed set of whole numbers."""

    key: str
    default: int
    choices: tuple[int, ...]
    doc: str


@dataclass(frozen=True, kw_only=True)
class Flag:
    """``true`` or ``false``."""

    key: str
    default: bool
    doc: str


@dataclass(frozen=True, kw_only=True)
class Text:
    """A string matching ``pattern``; without a default it is required unless ``optional``."""

    key: str
    pattern: re.Pattern[str]
    expected: str
    doc: str
    optional: bool = False


@dataclass(frozen=True, kw_only=True)
class IdList:
    """A non-empty list of distinct ids matching ``pattern`` (or one comma-separated string);
    when ``optional``, it may also be left unset (an empty list)."""

    key: str
    pattern: re.Pattern[str]
    expected: str
    doc: str
    optional: bool = False


Declaration = Integer | Choice | Flag | Text | IdList

HOURS = 3600
DAYS = 24 * HOURS

NEPTUNE_ENDPOINT = Text(
    key="neptuneEndpoint",
    pattern=re.compile(
        r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*$"
    ),
    expected="a host name without scheme",
    doc="the cluster (writer) endpoint",
)
NEPTUNE_PORT = Integer(
    key="neptunePort",
    default=8182,
    low=1,
    high=65535,
    doc="Neptune port; the only port the Lambdas may reach",
)
CLUSTER_RESOURCE_ID = Text(
    key="neptuneClusterResourceId",
    pattern=re.compile(r"^cluster-[A-Z0-9]{10,64}$"),
    expected="like 'cluster-ABCDEFGHIJKLMN'",
    doc="the cluster's resource id (console → Configuration); scopes IAM to this cluster",
)
VPC_ID = Text(
    key="vpcId",
    pattern=re.compile(r"^vpc-[0-9a-f]{8,17}$"),
    expected="like 'vpc-0123456789abcdef0'",
    doc="the cluster's VPC",
)
SUBNET_IDS = IdList(
    key="subnetIds",
    pattern=re.compile(r"^subnet-[0-9a-f]{8,17}$"),
    expected="subnet ids like 'subnet-0123abcd'",
    doc="the private subnets for the Lambdas",
)
NEPTUNE_SECURITY_GROUP_ID = Text(
    key="neptuneSecurityGroupId",
    pattern=re.compile(r"^sg-[0-9a-f]{8,17}$"),
    expected="like 'sg-0123456789abcdef0'",
    doc="the cluster's security group; gets an ingress rule from the Lambdas' group",
)
NEPTUNE_IAM_AUTH = Flag(
    key="neptuneIamAuth",
    default=True,
    doc="SigV4-sign requests (`false` for clusters without IAM auth)",
)
LOADER_ROLE_ARN = Text(
    key="loaderRoleArn",
    pattern=re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$"),
    expected="an IAM role ARN",
    doc="default `iamRoleArn` for loader requests that do not name one",
    optional=True,
)
POLL_INITIAL_WAIT = Integer(
    key="pollInitialWaitSeconds",
    default=30,
    low=1,
    high=HOURS,
    doc="wait before the first check",
)
POLL_MAX_CHECKS = Integer(
    key="pollMaxChecks",
    default=500,
    low=MIN_CHECKS,
    high=5000,
    doc=f"checks per load before `NeptuneLoadTimedOut` (synth checks the {HISTORY_EVENT_LIMIT:,}"
    "-event limit)",
)
POLL_MAX_TOTAL_WAIT = Integer(
    key="pollMaxTotalWaitSeconds",
    # 36 h: a 24-hour load that runs late or waits in the queue (the benchmark's longest: 26.4 h
    # plus 30 min in the queue) still ends inside the loop, with margin.
    default=36 * HOURS,
    low=60,
    high=360 * DAYS,
    doc="total waiting per load before `NeptuneLoadTimedOut` (36 h: a 24-hour load fits with "
    "margin)",
)
POLL_MAX_CONSECUTIVE_RETRIES = Integer(
    key="pollMaxConsecutiveRetries",
    default=10,
    low=MIN_CONSECUTIVE_RETRIES,
    high=1000,
    doc="`RETRY` answers in a row before `NeptuneStatusUnavailable`",
)
STATUS_MIN_WAIT = Integer(
    key="statusMinWaitSeconds",
    default=lambda_defaults.STATUS_MIN_WAIT_SECONDS,
    low=1,
    high=HOURS,
    doc="shortest `nextWaitSeconds`; at most `statusMaxWaitSeconds`",
)
STATUS_MAX_WAIT = Integer(
    key="statusMaxWaitSeconds",
    default=lambda_defaults.STATUS_MAX_WAIT_SECONDS,
    low=1,
    high=HOURS,
    doc="longest `nextWaitSeconds` (waits without a predicted end stay at most 300 s; when the "
    f"checks run low the budget floor may ask for up to {lambda_defaults.MAX_FLOOR_WAIT_SECONDS} s)",
)
STATUS_MAX_ERRORS_FETCHED = Integer(
    key="statusMaxErrorsFetched",
    default=lambda_defaults.STATUS_MAX_ERRORS_FETCHED,
    low=1,
    high=1000,
    doc="error-log entries fetched when a load ends badly",
)
STATUS_TOLERATED_RECORD_ERRORS = Integer(
    key="statusToleratedRecordErrors",
    default=lambda_defaults.STATUS_TOLERATED_RECORD_ERRORS,
    low=0,
    high=1_000_000_000,
    doc="record errors a load run with `failOnError` FALSE may have and still succeed "
    "(`LOAD_FAILED_ERRORS_TOLERATED`); 0: no limit by count (both 0: nothing tolerated)",
)
STATUS_TOLERATED_ERRORS_PER_MILLION = Integer(
    key="statusToleratedErrorsPerMillion",
    default=lambda_defaults.STATUS_TOLERATED_ERRORS_PER_MILLION,
    low=0,
    high=1_000_000,
    doc="the same as a share of `totalRecords`, in errors per million records (100 = 0.01%); "
    "0: no limit by share; an execution's `errorTolerance` overrides both",
)
MAX_RESUBMITS = Integer(
    key="maxResubmits",
    default=1,
    low=0,
    high=10,
    doc="resubmissions with mode `RESUME` after a `retryable` failure",
)
START_QUEUE_FULL_RETRIES = Integer(
    key="startQueueFullRetries",
    default=4,
    low=0,
    high=20,
    doc="times a start that Neptune refuses because its queue of 64 loads is full is sent again "
    f"(waits of up to {QUEUE_FULL_INTERVAL_SECONDS} s, doubling to at most "
    f"{QUEUE_FULL_MAX_DELAY_SECONDS} s: up to {queue_full_wait_seconds(4) // 60} min at the "
    "default), then the workflow fails as `NeptuneLoadFailed`",
)
WORKFLOW_TIMEOUT = Integer(
    key="workflowTimeoutSeconds",
    # The poll loop's named bound (36 h) fires first; checks and transitions add real time.
    default=80 * HOURS,
    low=300,
    high=365 * DAYS,
    doc="state-machine timeout; must exceed (1 + `maxResubmits`) x (`pollMaxTotalWaitSeconds` + "
    f"`statusMaxWaitSeconds` + {CHECK_TASK_ALLOWANCE_SECONDS} s per check + "
    f"{START_TASK_ALLOWANCE_SECONDS} s per start + the waits of `startQueueFullRetries`) so a "
    "named Fail always comes first",
)
LOG_RETENTION = Choice(
    key="logRetentionDays",
    default=30,
    # The retention periods CloudWatch Logs accepts.
    choices=(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827),
    doc="Lambda and state-machine log retention",
)
SOURCE_ESTIMATES = Flag(
    key="sourceEstimates",
    default=False,
    doc="read each load's source in S3 once (object sizes and a sample of the largest files' "
    "heads) to report percent done and time left and to time the checks; needs `sourceBuckets`",
)
SOURCE_BUCKETS = IdList(
    key="sourceBuckets",
    # S3 bucket naming rules: 3-63 lower-case letters, digits, dots and hyphens.
    pattern=re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    expected="S3 bucket names",
    doc="the buckets loads read from; the status Lambda may list and read them (read-only) "
    "when `sourceEstimates` is on",
    optional=True,
)
ALARM_TOPIC_ARN = Text(
    key="alarmTopicArn",
    pattern=re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$"),
    expected="an SNS topic ARN",
    doc="existing SNS topic for the alarms' notifications",
    optional=True,
)

# In the order of the README's table.
DECLARATIONS: tuple[Declaration, ...] = (
    NEPTUNE_ENDPOINT,
    NEPTUNE_PORT,
    CLUSTER_RESOURCE_ID,
    VPC_ID,
    SUBNET_IDS,
    NEPTUNE_SECURITY_GROUP_ID,
    NEPTUNE_IAM_AUTH,
    LOADER_ROLE_ARN,
    POLL_INITIAL_WAIT,
    POLL_MAX_CHECKS,
    POLL_MAX_TOTAL_WAIT,
    POLL_MAX_CONSECUTIVE_RETRIES,
    STATUS_MIN_WAIT,
    STATUS_MAX_WAIT,
    STATUS_MAX_ERRORS_FETCHED,
    STATUS_TOLERATED_RECORD_ERRORS,
    STATUS_TOLERATED_ERRORS_PER_MILLION,
    MAX_RESUBMITS,
    START_QUEUE_FULL_RETRIES,
    WORKFLOW_TIMEOUT,
    LOG_RETENTION,
    SOURCE_ESTIMATES,
    SOURCE_BUCKETS,
    ALARM_TOPIC_ARN,
)
CONTEXT_KEYS = tuple(declaration.key for declaration in DECLARATIONS)
# What a key means when the context does not set it (keys that have a default).
DEFAULTS: dict[str, int | bool] = {
    declaration.key: declaration.default
    for declaration in DECLARATIONS
    if isinstance(declaration, Integer | Choice | Flag)
}
