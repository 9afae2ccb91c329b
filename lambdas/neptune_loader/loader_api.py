"""The part of Neptune's loader API this project calls, as a `Protocol`.

The botocore neptunedata client satisfies it, and so does any fake with these methods (the
benchmark's scripted loads, test doubles), so a fake type-checks where the client is expected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_neptunedata.type_defs import StartLoaderJobInputTypeDef
    from typing_extensions import Unpack


class LoaderApi(Protocol):
    """``GET /loader/{loadId}`` and ``POST /loader`` as the neptunedata client exposes them."""

    def get_loader_job_status(
        self,
        *,
        loadId: str,
        details: bool = ...,
        errors: bool = ...,
        page: int = ...,
        errorsPerPage: int = ...,
    ) -> Mapping[str, Any]:
        """The response of Get-Status: its ``payload`` holds the load's status document."""
        ...

    def start_loader_job(self, **kwargs: Unpack[StartLoaderJobInputTypeDef]) -> Mapping[str, Any]:
        """The response of a start request: its ``payload`` holds the new ``loadId``."""
        ...
