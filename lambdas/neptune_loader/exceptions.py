"""Exceptions the Lambdas raise on purpose.

Step Functions matches Lambda errors by the exception's class name, so these names are part of the
interface (see docs/contract.md): rename nothing without keeping the old name working.
"""

from __future__ import annotations


class InvalidInputError(ValueError):
    """The event cannot be acted on; the message names the field and the problem.

    Raised before any call to Neptune.
    """


class ConfigurationError(RuntimeError):
    """The function's environment is missing or malformed (a deployment problem, not a load failure)."""


class NeptuneTransientError(RuntimeError):
    """A call to Neptune failed in a way that may succeed if tried again later (throttling, 5xx, network).

    Only raised by the start Lambda: the status Lambda reports these as ``state: RETRY`` instead.
    """


class NeptuneRequestRejected(RuntimeError):
    """Neptune rejected a request permanently (bad request, access denied, limits); retrying won't help."""


class NeptuneLoadQueueFull(RuntimeError):
    """Neptune refused the start because its queue of 64 loads is full; nothing was started.

    The workflow waits and sends the request again, within a bound (``startQueueFullRetries``).
    """


class NeptuneStartOutcomeUnknown(RuntimeError):
    """The start request may have started a load, and the start Lambda could not find out.

    Raised only after the Lambda looked for the load (``GET /loader``) and could not tell, or when
    Neptune named a load id this code cannot watch. Deliberately not retried: resubmitting could
    start the same load twice. List the cluster's loads (``GET /loader``) before starting again.
    """


class CallDeadlineExceeded(Exception):
    """A call to Neptune outlasted its wall-clock limit (e.g. a body trickling in byte by byte)."""
