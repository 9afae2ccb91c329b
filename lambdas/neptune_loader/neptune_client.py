"""The neptunedata adapter: the only module that talks to Neptune, with one client per purpose.

Clients are configured on purpose rather than with the SDK's defaults (which changed between
botocore releases), and SigV4 is used only when the cluster uses IAM authentication.

- `create_status_client`: short timeouts, standard retry mode with two attempts. Worst case for
  one call: 2 x (1.5 s connect + 2 s read) + 1 s backoff = 8 s at the largest allowed timeouts
  (7 s with the defaults). botocore's read timeout is per socket read, so a body trickling in byte
  by byte could still outlast it: a wall-clock alarm ends any call at that worst case. An
  invocation therefore answers within 10 s even when Neptune hangs or crawls.
- `create_start_client`: one attempt (a start must not be repeated behind our back) and a long
  read timeout, because ``POST /loader`` lists the source in S3 before it answers; `start_load`
  bounds the whole call by its own wall-clock limit.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.parsers import ResponseParserError

from neptune_loader.exceptions import CallDeadlineExceeded

if TYPE_CHECKING:
    from mypy_boto3_neptunedata import NeptuneDataClient

    from neptune_loader.loader_api import LoaderStatusClient
    from neptune_loader.settings import Settings

INVOCATION_BUDGET_SECONDS = 9.0
# What botocore's response parser raises, instead of ResponseParserError, on some malformed bodies
# (RecursionError: a body of 50,000 nested "[" defeats json.loads).
UNPARSED_BODY_ERRORS = (UnicodeDecodeError, TypeError, AttributeError, RecursionError)
# Neptune's error text is kept up to this many characters (api_errors clips it further).
MAX_DETAILED_MESSAGE_CHARS = 2000
BACKOFF_ALLOWANCE_SECONDS = 1.0


# POST /loader answers only after listing the source: far longer than a status read, within the
# start Lambda's 30 s timeout and start_load's 25 s wall-clock limit on the whole call.
START_READ_TIMEOUT_SECONDS = 20.0


def create_status_client(settings: Settings) -> NeptuneDataClient:
    """The client for status reads: the timeouts and attempts in ``settings`` (short, bounded)."""
    client = _create_client(settings)
    client.meta.events.register("after-call.neptunedata.*", keep_detailed_message)
    return client


def keep_detailed_message(*, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
    """Copy Neptune's ``detailedMessage`` from an error body into the parsed response.

    botocore keeps it only for the error codes its model names; for the others (e.g.
    ``InvalidSignatureException``) the one sentence that says what is wrong would be lost.
    ``parsed`` is the dict the ClientError is built from, so the copy reaches `api_errors`.
    """
    status = getattr(http_response, "status_code", 200)
    if not isinstance(status, int) or status < 300 or "detailedMessage" in parsed:
        return
    try:
        body = json.loads(http_response.content)
    except (ValueError, TypeError, RecursionError):  # not JSON: nothing to keep
        return
    detail = body.get("detailedMessage") if isinstance(body, dict) else None
    if isinstance(detail, str) and detail:
        parsed["detailedMessage"] = detail[:MAX_DETAILED_MESSAGE_CHARS]


def create_start_client(settings: Settings) -> NeptuneDataClient:
    """The client for starting a load: one attempt, `START_READ_TIMEOUT_SECONDS` to answer."""
    return _create_client(
        replace(settings, max_attempts=1, read_timeout=START_READ_TIMEOUT_SECONDS)
    )


def _create_client(settings: Settings) -> NeptuneDataClient:
    config = Config(
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        signature_version=None if settings.iam_auth else UNSIGNED,
        user_agent_extra="neptune-bulk-load-workflow",
    )
    # botocore directly: boto3 would add its resource and S3 transfer layers (about 40 ms of cold
    # start, measured in docs/benchmarks.md) for nothing this client uses.
    session = botocore.session.get_session()
    client = session.create_client(
        "neptunedata",
        endpoint_url=settings.endpoint,
        region_name=settings.region,
        config=config,
    )
    return cast("NeptuneDataClient", client)


def worst_call_seconds(settings: Settings) -> float:
    """Upper bound of one call, botocore's retries included."""
    per_attempt = settings.connect_timeout + settings.read_timeout
    return settings.max_attempts * per_attempt + BACKOFF_ALLOWANCE_SECONDS


class _Alarm(BaseException):
    """Raised by the alarm inside the SDK call. A BaseException on purpose: botocore wraps every
    Exception from the HTTP layer into a retryable error and would send the request again, while
    urllib3 still closes the interrupted connection on its way out."""


@contextmanager
def wall_clock_limit(seconds: float, what: str = "Neptune") -> Iterator[None]:
    """Raise `CallDeadlineExceeded` in the block if it runs longer than ``seconds`` (``what``
    names the service in its message; the source sampler bounds its S3 calls with it too).

    Uses SIGALRM, so it applies on the main thread only (where Lambda runs the handler); off the
    main thread the client's own timeouts are the only limit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _Alarm

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    except _Alarm:
        raise CallDeadlineExceeded(f"{what} did not answer within {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Deadline:
    """Time left in this invocation, so optional calls are skipped rather than overrun it."""

    seconds: float = INVOCATION_BUDGET_SECONDS
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left before the invocation's budget runs out."""
        return self.seconds - (time.monotonic() - self.started)


class LoaderStatusApi:
    """Reads a load's status through the neptunedata client."""

    def __init__(self, client: LoaderStatusClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    def can_call(self, deadline: Deadline) -> bool:
        """Whether one more call fits in what is left of the invocation."""
        return deadline.remaining() >= worst_call_seconds(self._settings)

    def get_status(
        self,
        load_id: str,
        *,
        details: bool = False,
        errors: bool = False,
        page: int = 1,
        errors_per_page: int = 10,
    ) -> dict[str, Any]:
        """Return the response's ``payload`` (an untyped document) for ``load_id``.

        Raises botocore exceptions (a malformed body always as ``ResponseParserError``);
        `neptune_loader.api_errors` classifies them.
        """
        try:
            with wall_clock_limit(worst_call_seconds(self._settings)):
                response = self._call(load_id, details, errors, page, errors_per_page)
        except UNPARSED_BODY_ERRORS as error:
            # botocore's parser crashes on bodies that are not UTF-8 or not a JSON object (a JSON
            # null or list from a proxy): report them as the unreadable answer they are.
            raise ResponseParserError(
                f"unreadable response body ({type(error).__name__}: {str(error)[:200]})"
            ) from error
        payload = response.get("payload")
        return payload if isinstance(payload, dict) else {"_unreadable": payload}

    def _call(
        self, load_id: str, details: bool, errors: bool, page: int, errors_per_page: int
    ) -> Mapping[str, Any]:
        if errors:
            return self._client.get_loader_job_status(
                loadId=load_id,
                details=details,
                errors=True,
                page=page,
                errorsPerPage=errors_per_page,
            )
        if details:
            return self._client.get_loader_job_status(loadId=load_id, details=True)
        # A cheap poll: no details, no error list.
        return self._client.get_loader_job_status(loadId=load_id)
