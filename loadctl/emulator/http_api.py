"""Neptune's loader routes over HTTP: requests in, JSON bodies, errors and scripted faults out.

The threaded server lives here (it binds the handler); starting and stopping it in a thread is
:mod:`loadctl.emulator.server_lifecycle`'s job.

Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- Routes: ``GET /loader/{id}`` and ``GET /loader?loadId=`` read a status, ``GET /loader`` lists
  (§1.1, §3.3), ``POST /loader`` starts (§3.1), ``DELETE /loader/{id}`` or ``?loadId=`` cancels
  (§3.4). Any other request answers 400: the sources are silent. ``GET /status`` (an engine
  health answer) is not in the reference; it is there for tools that probe an endpoint.
- A success body is ``{"status": "200 OK", "payload": ...}``: the top-level ``status`` is an HTTP
  status string (§1.2, §3.1, §3.3). A cancel answers ``{"status": "200 OK"}``: the model's output
  (§3.4; the user guide says there is no body).
- Error bodies and headers: see :mod:`loadctl.emulator.errors`. The ``x-amzn-RequestId`` header
  and the content type ``application/json;charset=UTF-8`` are the emulator's choice (sources
  silent).
- HTTP/1.1 with keep-alive, as botocore's connection pool uses it: the emulator's choice.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from loadctl.emulator.errors import (
    NeptuneApiError,
    bad_request,
    emulator_failure,
    error_response,
)
from loadctl.emulator.request_validation import parse_boolean, positive_int, request_document

if TYPE_CHECKING:
    from loadctl.emulator.core import EmulatorCore
    from loadctl.emulator.faults import Fault


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


class LoaderHttpServer(ThreadingHTTPServer):
    """A threaded HTTP server answering with the emulator, tracking its open connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: EmulatorCore) -> None:
        super().__init__(address, _LoaderHandler)
        self.emulator = emulator
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()


class _LoaderHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls
    server: LoaderHttpServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the connection was dropped on purpose or by the client
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo print what matters themselves."""

    def do_GET(self) -> None:
        """Status and list calls."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Start a load."""
        self._handle("POST")

    def do_DELETE(self) -> None:
        """Cancel a load."""
        self._handle("DELETE")

    def do_PUT(self) -> None:
        """Not part of the loader API: answered with Neptune's error."""
        self._handle("PUT")

    # --- plumbing -----------------------------------------------------------------------------

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        emulator = self.server.emulator
        emulator.note_request(method, self.path)
        path = urlsplit(self.path).path
        fault = emulator.take_fault(method, path)
        if fault is not None and not fault.after_handling and self._apply_fault(fault):
            return
        try:
            status, payload = self._route(method, body)
        except NeptuneApiError as error:
            self._send_error(error.status, error.code, error.message)
        except Exception as error:  # an emulator bug must still look like Neptune's 500
            failure = emulator_failure(error)
            self._send_error(failure.status, failure.code, failure.message)
        else:
            if fault is not None and fault.after_handling:
                self._apply_fault(fault)  # the request took effect; its answer is lost
            elif fault is not None and fault.kind == "trickle":
                self._send_trickle(status, json.dumps(payload).encode(), fault.seconds)
            else:
                self._send_json(status, payload)

    def _send_trickle(self, status: int, body: bytes, seconds_per_byte: float) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.flush()
        for index in range(len(body)):
            if self.server.stopping.wait(seconds_per_byte):
                self._drop()
                return
            self.wfile.write(body[index : index + 1])
            self.wfile.flush()

    def _apply_fault(self, fault: Fault) -> bool:
        """Act out a fault; True when the request has been dealt with."""
        if fault.kind == "hang":
            if self.server.stopping.wait(fault.seconds):
                self._drop()
                return True
            return False
        if fault.kind == "trickle":
            return False  # answered by _handle, slowly
        if fault.kind == "drop":
            self._drop()
        elif fault.kind == "error":
            self._send_error(fault.status, fault.code, fault.message)
        else:
            self._send(fault.status, fault.body_bytes, fault.content_type)
        return True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # already gone
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        headers = {"x-amzn-RequestId": str(uuid.uuid4()), **(headers or {})}
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self._send(status, body, "application/json;charset=UTF-8")

    def _send_error(self, status: int, code: str, message: str) -> None:
        body, headers = error_response(code, message, str(uuid.uuid4()))
        self._send(status, body, "application/json;charset=UTF-8", headers)

    # --- routes -------------------------------------------------------------------------------

    def _route(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        emulator = self.server.emulator
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if method == "GET" and segments == ["status"]:
            return 200, {"status": "healthy", "role": "writer", "dbEngineVersion": "emulator"}
        if not segments or segments[0] != "loader" or len(segments) > 2:
            raise bad_request(f"Unsupported request: {method} {parts.path}")
        load_id = segments[1] if len(segments) == 2 else query.get("loadId")
        ok = _status_line(200)
        if method == "POST" and len(segments) == 1:
            load_id = emulator.start_load(request_document(body, self.headers.get("Content-Type")))
            return 200, {"status": ok, "payload": {"loadId": load_id}}
        if method == "GET" and load_id:
            payload = emulator.status(
                load_id,
                details=parse_boolean("details", query.get("details"), default=False),
                errors=parse_boolean("errors", query.get("errors"), default=False),
                page=positive_int("page", query.get("page"), 1),
                errors_per_page=positive_int("errorsPerPage", query.get("errorsPerPage"), 10),
            )
            return 200, {"status": ok, "payload": payload}
        if method == "GET":
            load_ids = emulator.list_loads(
                limit=positive_int("limit", query.get("limit"), 100),
                include_queued=parse_boolean(
                    "includeQueuedLoads", query.get("includeQueuedLoads"), default=True
                ),
            )
            return 200, {"status": ok, "payload": {"loadIds": load_ids}}
        if method == "DELETE" and load_id:
            emulator.cancel(load_id)
            return 200, {"status": ok}
        raise bad_request(f"Unsupported request: {method} {parts.path}")
