"""Scripted faults: what the emulator does instead of (or before) answering a request.

Sources: the default error, 429 ``TooManyRequestsException``, and the other codes a test may
script are Neptune's (§5 of the loader API reference,
``docs/reference/neptune-loader-api.md``; the message text is the emulator's own).
Hangs, dropped connections, garbage bodies and slow bodies are network failures the sources do
not describe.

``after_handling`` faults (:meth:`Fault.accepted_then_error`, :meth:`Fault.accepted_then_drop`) act
*after* the request took effect: a start creates its load, then the answer is an error or a
dropped connection. Whether Neptune ever answers 500/408 after accepting a load the sources do
not say; a user saw 500 ``InternalFailureException`` "Failed to start load from the source" on a
start (§8, aws/graph-notebook#710) without saying whether a load ran. A dropped connection or a
gateway timeout after the server acted is a property of any HTTP service. The product must be
safe under both answers (load created or not), so the emulator can play both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["error", "hang", "drop", "body", "trickle"]


@dataclass
class Fault:
    """One scripted fault, applied to the next ``times`` matching requests (``None`` = forever).

    Build them with the classmethods :meth:`error`, :meth:`hang`, :meth:`drop` and :meth:`body`.
    ``method`` (e.g. ``"GET"``) and ``path_prefix`` (e.g. ``"/loader/"``) restrict which requests
    the fault applies to; faults are consumed in the order they were added.
    """

    kind: FaultKind
    times: int | None = 1
    method: str | None = None
    path_prefix: str | None = None
    status: int = 500
    code: str = "InternalFailureException"
    message: str = "Injected fault"
    seconds: float = 0.0
    body_bytes: bytes = b""
    content_type: str = "application/json"
    after_handling: bool = False

    @classmethod
    def error(
        cls,
        status: int = 429,
        code: str = "TooManyRequestsException",
        message: str = "Too many requests, please try again later.",
        *,
        times: int | None = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> Fault:
        """Answer with a Neptune JSON error body (``code``, ``requestId``, ``detailedMessage``)."""
        return cls(
            "error",
            times=times,
            method=method,
            path_prefix=path_prefix,
            status=status,
            code=code,
            message=message,
        )

    @classmethod
    def hang(
        cls,
        seconds: float = 30.0,
        *,
        times: int | None = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> Fault:
        """Sleep ``seconds`` before answering normally (cut short when the server stops)."""
        return cls("hang", times=times, method=method, path_prefix=path_prefix, seconds=seconds)

    @classmethod
    def trickle(
        cls,
        seconds_per_byte: float = 1.0,
        *,
        times: int | None = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> Fault:
        """Answer normally, but send the body one byte every ``seconds_per_byte``: each socket
        read gets data in time, so a per-read timeout never fires (a slow proxy or link)."""
        return cls(
            "trickle", times=times, method=method, path_prefix=path_prefix, seconds=seconds_per_byte
        )

    @classmethod
    def drop(
        cls,
        *,
        times: int | None = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> Fault:
        """Close the connection without sending any response."""
        return cls("drop", times=times, method=method, path_prefix=path_prefix)

    @classmethod
    def body(
        cls,
        status: int = 200,
        body: bytes = b"not json",
        content_type: str = "text/html",
        *,
        times: int | None = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> Fault:
        """Answer with an arbitrary (garbage, truncated, HTML...) body."""
        return cls(
            "body",
            times=times,
            method=method,
            path_prefix=path_prefix,
            status=status,
            body_bytes=body,
            content_type=content_type,
        )

    @classmethod
    def accepted_then_error(
        cls,
        status: int = 500,
        code: str = "InternalFailureException",
        message: str = "Injected fault after the request took effect",
        *,
        times: int | None = 1,
        method: str | None = "POST",
        path_prefix: str | None = None,
    ) -> Fault:
        """Act on the request (a start creates its load), then answer with this error instead."""
        fault = cls.error(
            status, code, message, times=times, method=method, path_prefix=path_prefix
        )
        fault.after_handling = True
        return fault

    @classmethod
    def accepted_then_drop(
        cls, *, times: int | None = 1, method: str | None = "POST", path_prefix: str | None = None
    ) -> Fault:
        """Act on the request (a start creates its load), then close the connection unanswered."""
        fault = cls.drop(times=times, method=method, path_prefix=path_prefix)
        fault.after_handling = True
        return fault

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request with this method and path."""
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)
