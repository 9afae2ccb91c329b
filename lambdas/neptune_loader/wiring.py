"""Settings -> client -> API -> wait policy -> check, put together once.

The status Lambda, the command line and the benchmark all check a load through `StatusChecker`,
so what they show is what the workflow decides. Only the client differs: the benchmark passes a
scripted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from neptune_loader.neptune_client import Deadline, LoaderStatusApi, create_status_client
from neptune_loader.resumability import NO_TOLERANCE, ErrorTolerance
from neptune_loader.status_check import check_load_status
from neptune_loader.validation import parse_status_event
from neptune_loader.wait_policy import WaitPolicy

if TYPE_CHECKING:
    from neptune_loader.estimate import SourceSampler
    from neptune_loader.loader_api import LoaderStatusClient
    from neptune_loader.settings import Settings
    from neptune_loader.status_output import StatusOutput
    from neptune_loader.validation import StatusRequest


def wait_policy(settings: Settings) -> WaitPolicy:
    """The wait policy with the bounds in ``settings``; the rest of its tuning from the code."""
    return WaitPolicy(min_wait=settings.min_wait_seconds, max_wait=settings.max_wait_seconds)


@dataclass(frozen=True)
class StatusChecker:
    """Checks loads through one client: keep it for as long as the settings hold."""

    api: LoaderStatusApi
    policy: WaitPolicy
    max_errors_fetched: int
    tolerance: ErrorTolerance = NO_TOLERANCE
    # Reads a load's source for its expected totals (None: source estimates are off).
    sampler: SourceSampler | None = None

    def check(self, request: StatusRequest, deadline: Deadline | None = None) -> StatusOutput:
        """The contract's status object for a parsed request, within ``deadline`` (default: a
        fresh invocation budget)."""
        return check_load_status(
            self.api,
            request,
            self.policy,
            deadline if deadline is not None else Deadline(),
            max_errors_fetched=self.max_errors_fetched,
            tolerance=self.tolerance,
            sampler=self.sampler,
        )

    def check_event(self, event: Any, deadline: Deadline | None = None) -> StatusOutput:
        """`check` for a status Lambda event (same validation: `InvalidInputError` before any call)."""
        return self.check(parse_status_event(event), deadline)


def status_checker(
    settings: Settings,
    *,
    client: LoaderStatusClient | None = None,
    policy: WaitPolicy | None = None,
    sampler: SourceSampler | None = None,
) -> StatusChecker:
    """Wire a `StatusChecker`: a status client for ``settings`` unless ``client`` is given, the
    settings' wait policy unless ``policy`` is, and an S3 source sampler when the settings turn
    source estimates on and no ``sampler`` is given (its module and client load on first use)."""
    if sampler is None and settings.source_estimates:
        from neptune_loader.source_sample import S3SourceSampler

        sampler = S3SourceSampler(settings.region)
    return StatusChecker(
        api=LoaderStatusApi(
            client if client is not None else create_status_client(settings), settings
        ),
        policy=policy if policy is not None else wait_policy(settings),
        max_errors_fetched=settings.max_errors_fetched,
        tolerance=settings.error_tolerance,
        sampler=sampler,
    )
