"""The calls this project makes to Neptune's loader API, as Protocols.

The botocore neptunedata client satisfies all of them, and so does any fake with the method (the
benchmark's scripted loads, test doubles), so a fake type-checks where the client is expected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_neptunedata.type_defs import StartLoaderJobInputTypeDef
    from typing_extensions import Unpack


class LoaderStatusClient(Protocol):
    """``GET /loader/{loadId}`` as the neptunedata client exposes it (the API's own names)."""

    def get_loader_job_status(
        self,
        *,
        loadId: str,
        details: bool = ...,
        errors: bool = ...,
        page: int = ...,
        errorsPerPage: int = ...,
    ) -> Mapping[str, Any]:
        """The Get-Status response: its ``payload`` holds the load's status document."""
        ...


class LoaderStartClient(Protocol):
    """``POST /loader`` as the neptunedata client exposes it."""

    def start_loader_job(self, **kwargs: Unpack[StartLoaderJobInputTypeDef]) -> Mapping[str, Any]:
        """The start response: its ``payload`` holds the new ``loadId``."""
        ...


class LoaderListClient(Protocol):
    """``GET /loader`` (ListLoaderJobs) as the neptunedata client exposes it."""

    def list_loader_jobs(
        self, *, limit: int = ..., includeQueuedLoads: bool = ...
    ) -> Mapping[str, Any]:
        """The list response: its ``payload`` holds ``loadIds``, queued loads first."""
        ...
