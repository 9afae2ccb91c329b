"""Neptune's error answers: the exception the emulator raises and the body and headers it sends.

Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- The body is ``{"code": <exception name>, "requestId": ..., "detailedMessage": ...}`` with the
  matching HTTP status (§1.3, errors-engine-codes.html "Graph Engine Error Format").
- botocore takes the error code from the ``x-amzn-errortype`` header first, then from the body's
  ``code`` (§1.3, botocore ``RestJSONParser._inject_error_code``).
- Real loader bodies also carry ``message`` (§1.3, aws/graph-notebook#710). The emulator sends only
  the three documented fields, so botocore's ``Error.Message`` is empty, as [observed] in §1.3:
  clients must read ``detailedMessage``.
- An unknown load id is 404 ``BulkLoadIdNotFoundException`` in the model and the data API, 400
  ``BadRequestException`` in the user guide (§1.3, §7: the sources disagree), so the emulator
  can answer either. The message texts of both are the emulator's own: the sources give none.
- Cancelling an unknown or inactive load: 404 "The load with id = <id> does not exist or not
  active" (§3.4, load-api-reference-cancel.html).
"""

from __future__ import annotations

import json
from typing import Literal

NotFoundStyle = Literal["404", "400"]


class NeptuneApiError(Exception):
    """An error Neptune answers with: HTTP status, exception name and ``detailedMessage``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str) -> NeptuneApiError:
    """Neptune's 400 ``BadRequestException`` (the start errors of §2 and every invalid request)."""
    return NeptuneApiError(400, "BadRequestException", message)


def load_not_found(load_id: str, style: NotFoundStyle) -> NeptuneApiError:
    """A status request for an id Neptune does not track (never started, or evicted)."""
    if style == "400":
        return bad_request(f"Invalid load id: {load_id}. The load id does not exist")
    return NeptuneApiError(
        404, "BulkLoadIdNotFoundException", f"Load with id {load_id} does not exist"
    )


def not_active(load_id: str) -> NeptuneApiError:
    """A cancel request for an id that is unknown or no longer active (§3.4)."""
    return NeptuneApiError(
        404,
        "BulkLoadIdNotFoundException",
        f"The load with id = {load_id} does not exist or not active",
    )


def emulator_failure(error: Exception) -> NeptuneApiError:
    """A bug in the emulator, answered like Neptune's 500 ``InternalFailureException`` (§5)."""
    return NeptuneApiError(500, "InternalFailureException", f"Emulator error: {error!r}")


def error_response(code: str, message: str, request_id: str) -> tuple[bytes, dict[str, str]]:
    """The JSON body and the headers of an error answer (status line and length excluded)."""
    document = {"code": code, "requestId": request_id, "detailedMessage": message}
    headers = {"x-amzn-errortype": code, "x-amzn-RequestId": request_id}
    return json.dumps(document).encode(), headers
