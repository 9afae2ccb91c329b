"""Every deployment setting, declared once: context key, default, allowed values, meaning.

:meth:`infrastructure.settings.Settings.from_context` parses the context with these declarations,
:mod:`infrastructure.deployments` refuses any other key of their shape, ``cdk.json`` sets only
those without a default, and the README's settings table is checked against them
(tests/infrastructure/test_setting_declarations.py).
The defaults the Lambdas also need, and the ranges the status Lambda also checks, come from
:mod:`neptune_loader.defaults`. No CDK import: the
command line reads these too. Over 300 lines because it is one flat list of declarations, each a
few lines; splitting it would scatter the one table the README and the settings parser read.
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
    """A string matching ``pattern``; without a default it is required unless ``optional``, or
    unless the flag named by ``unless`` is true (then it is not used)."""

    key: str
    pattern: re.Pattern[str]
    expected: str
    doc: str
    optional: bool = False
    unless: str | None = None


@dataclass(frozen=True, kw_only=True)
class IdList:
    """A list of distinct ids matching ``pattern``: a JSON list, or one comma-separated string
    (``-c subnetIds=subnet-a,subnet-b``); non-empty unless ``optional`` (then unset means empty)."""

    key: str
    pattern: re.Pattern[str]
    expected: str
    doc: str
    unless: str | None = None
    optional: bool = False


@dataclass(frozen=True, kw_only=True)
class TagMap:
    """Optional string-to-string map (a JSON object on the command line) with AWS's tag rules."""

    key: str
    expected: str
    doc: str


Declaration = Integer | Choice | Flag | Text | IdList | TagMap

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
    unless="neptunePublicEndpoint",
)
SUBNET_IDS = IdList(
    key="subnetIds",
    pattern=re.compile(r"^subnet-[0-9a-f]{8,17}$"),
    expected="subnet ids like 'subnet-0123abcd'",
    doc="the private subnets for the Lambdas",
    unless="neptunePublicEndpoint",
)
NEPTUNE_SECURITY_GROUP_ID = Text(
    key="neptuneSecurityGroupId",
    pattern=re.compile(r"^sg-[0-9a-f]{8,17}$"),
    expected="like 'sg-0123456789abcdef0'",
    doc="the cluster's security group; gets an ingress rule from the Lambdas' group (unless "
    "`addNeptuneIngressRule` is false)",
    unless="neptunePublicEndpoint",
)
NEPTUNE_IAM_AUTH = Flag(
    key="neptuneIamAuth",
    default=True,
    doc="SigV4-sign requests (`false` for clusters without IAM auth)",
)
NEPTUNE_PUBLIC_ENDPOINT = Flag(
    key="neptunePublicEndpoint",
    default=False,
    doc="the cluster is reached through its Neptune public endpoint: the functions run outside any "
    "VPC, no security group is created, `vpcId`, `subnetIds` and `neptuneSecurityGroupId` are not "
    "used; needs `neptuneIamAuth` true",
)
ADD_NEPTUNE_INGRESS_RULE = Flag(
    key="addNeptuneIngressRule",
    default=True,
    doc="add the ingress rule to `neptuneSecurityGroupId`; `false` leaves a group managed "
    "elsewhere untouched and prints the rule to add (synth message and `NeptuneIngressRule` output)",
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
    low=lambda_defaults.STATUS_WAIT_SECONDS_LOW,
    high=lambda_defaults.STATUS_WAIT_SECONDS_HIGH,
    doc="shortest `nextWaitSeconds`; at most `statusMaxWaitSeconds`",
)
STATUS_MAX_WAIT = Integer(
    key="statusMaxWaitSeconds",
    default=lambda_defaults.STATUS_MAX_WAIT_SECONDS,
    low=lambda_defaults.STATUS_WAIT_SECONDS_LOW,
    high=lambda_defaults.STATUS_WAIT_SECONDS_HIGH,
    doc="longest `nextWaitSeconds` (waits without a predicted end stay at most 300 s; when the "
    f"checks run low the budget floor may ask for up to {lambda_defaults.MAX_FLOOR_WAIT_SECONDS} s)",
)
STATUS_MAX_ERRORS_FETCHED = Integer(
    key="statusMaxErrorsFetched",
    default=lambda_defaults.STATUS_MAX_ERRORS_FETCHED,
    low=lambda_defaults.STATUS_MAX_ERRORS_FETCHED_LOW,
    high=lambda_defaults.STATUS_MAX_ERRORS_FETCHED_HIGH,
    doc="error-log entries fetched when a load ends badly",
)
STATUS_TOLERATED_RECORD_ERRORS = Integer(
    key="statusToleratedRecordErrors",
    default=lambda_defaults.STATUS_TOLERATED_RECORD_ERRORS,
    low=lambda_defaults.STATUS_TOLERATED_RECORD_ERRORS_LOW,
    high=lambda_defaults.STATUS_TOLERATED_RECORD_ERRORS_HIGH,
    doc="record errors a load run with `failOnError` FALSE may have and still succeed "
    "(`LOAD_FAILED_ERRORS_TOLERATED`); 0: no limit by count (both 0: nothing tolerated)",
)
STATUS_TOLERATED_ERRORS_PER_MILLION = Integer(
    key="statusToleratedErrorsPerMillion",
    default=lambda_defaults.STATUS_TOLERATED_ERRORS_PER_MILLION,
    low=lambda_defaults.STATUS_TOLERATED_ERRORS_PER_MILLION_LOW,
    high=lambda_defaults.STATUS_TOLERATED_ERRORS_PER_MILLION_HIGH,
    doc="the same as a share of `totalRecords`, in errors per million records (100 = 0.01%); "
    "0: no limit by share; an execution's `errorTolerance` overrides both",
)
MAX_RESUBMITS = Integer(
    key="maxResubmits",
    default=lambda_defaults.MAX_RESUBMITS,
    low=lambda_defaults.MAX_RESUBMITS_LOW,
    high=lambda_defaults.MAX_RESUBMITS_HIGH,
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
SOURCE_PREFIX_LIST_ID = Text(
    key="sourcePrefixListId",
    pattern=re.compile(r"^pl-[0-9a-f]{8,17}$"),
    expected="like 'pl-63a5400a'",
    doc="the region's S3 prefix list (`aws ec2 describe-managed-prefix-lists --filters "
    "Name=prefix-list-name,Values=com.amazonaws.<region>.s3`): the status Lambda may reach it on "
    "443 only, through the VPC's S3 gateway endpoint; required with `sourceEstimates` unless "
    "`neptunePublicEndpoint`",
    optional=True,
)
ALARM_TOPIC_ARN = Text(
    key="alarmTopicArn",
    pattern=re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$"),
    expected="an SNS topic ARN",
    doc="existing SNS topic for the alarms' notifications",
    optional=True,
)

STAGE = Text(
    key="stage",
    pattern=re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$"),
    expected="letters, digits and '-', 1 to 32, starting with a letter",
    doc="the deployment's stage; the stack is named `NeptuneBulkLoad-<stage>` (without a stage: "
    "`NeptuneBulkLoad`). Set by each `deployments` entry's key; `-c stage=...` alone picks one entry",
    optional=True,
)
STACK_NAME = Text(
    key="stackName",
    pattern=re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$"),
    expected="a CloudFormation stack name",
    doc="the stack's name instead of the one derived from `stage`",
    optional=True,
)
ACCOUNT = Text(
    key="account",
    pattern=re.compile(r"^\d{12}$"),
    expected="a 12-digit account id",
    doc="the account to deploy to (default: `CDK_DEFAULT_ACCOUNT`, else account-agnostic)",
    optional=True,
)
REGION = Text(
    key="region",
    pattern=re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$"),
    expected="a region like 'eu-west-1'",
    doc="the region to deploy to (default: `CDK_DEFAULT_REGION`, else region-agnostic); must be "
    "the region of `neptuneEndpoint`",
    optional=True,
)
KMS_KEY_ARN = Text(
    key="kmsKeyArn",
    pattern=re.compile(
        r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$"
    ),
    expected="a KMS key ARN",
    doc="customer-managed key for the log groups and the alarm topic the stack creates (its key "
    "policy must allow CloudWatch Logs and CloudWatch, see docs/security.md)",
    optional=True,
)
STATE_MACHINE_NAME = Text(
    key="stateMachineName",
    pattern=re.compile(r"^[A-Za-z0-9_-]{1,80}$"),
    expected="letters, digits, '-' and '_', 1 to 80",
    doc="the single-load state machine's name (default: generated by CloudFormation; the batch state machine's name is always generated)",
    optional=True,
)
CREATE_ALARM_TOPIC = Flag(
    key="createAlarmTopic",
    default=False,
    doc="create an SNS topic for the alarms (TLS only, encrypted with `kmsKeyArn` when set) and "
    "output its ARN; not with `alarmTopicArn`",
)
TAGS = TagMap(
    key="tags",
    expected="a JSON object of up to 50 tags (key 1 to 128, value up to 256 characters, no 'aws:')",
    doc="tags applied to every resource of the stack",
)

# The key of the map of named deployments (stage -> overrides of the keys above); not a setting.
DEPLOYMENTS_KEY = "deployments"

# In the order of the README's table.
DECLARATIONS: tuple[Declaration, ...] = (
    STAGE,
    STACK_NAME,
    ACCOUNT,
    REGION,
    NEPTUNE_ENDPOINT,
    NEPTUNE_PORT,
    CLUSTER_RESOURCE_ID,
    VPC_ID,
    SUBNET_IDS,
    NEPTUNE_SECURITY_GROUP_ID,
    NEPTUNE_IAM_AUTH,
    NEPTUNE_PUBLIC_ENDPOINT,
    ADD_NEPTUNE_INGRESS_RULE,
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
    KMS_KEY_ARN,
    STATE_MACHINE_NAME,
    SOURCE_ESTIMATES,
    SOURCE_BUCKETS,
    SOURCE_PREFIX_LIST_ID,
    ALARM_TOPIC_ARN,
    CREATE_ALARM_TOPIC,
    TAGS,
)
CONTEXT_KEYS = tuple(declaration.key for declaration in DECLARATIONS)
# What a key means when the context does not set it (keys that have a default).
DEFAULTS: dict[str, int | bool] = {
    declaration.key: declaration.default
    for declaration in DECLARATIONS
    if isinstance(declaration, Integer | Choice | Flag)
}
