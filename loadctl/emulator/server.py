"""The HTTP face of the emulator: Neptune's loader routes, JSON bodies, errors and scripted faults."""

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

from loadctl.emulator.core import NeptuneApiError, bad_request, parse_boolean

if TYPE_CHECKING:
    from loadctl.emulator.core import NeptuneLoaderEmulator
    from loadctl.emulator.faults import Fault

POLL_INTERVAL = 0.05  # seconds; short so tests tear the server down quickly


def _status_line(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: NeptuneLoaderEmulator) -> None:
        super().__init__(address, _LoaderHandler)
        self.emulator = emulator
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()


class EmulatorServer:
    """A threaded stdlib HTTP server running the emulator in a background thread."""

    def __init__(self, emulator: NeptuneLoaderEmulator, host: str, port: int) -> None:
        self._httpd = _HttpServer((host, port), emulator)
        bound_port = int(self._httpd.server_address[1])
        self.endpoint = f"http://{host or '127.0.0.1'}:{bound_port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"neptune-emulator-{bound_port}",
            daemon=True,
        )

    def start(self) -> None:
        """Start accepting requests."""
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` is called from another thread."""
        self._httpd.serve_forever(poll_interval=POLL_INTERVAL)

    def stop(self) -> None:
        """Stop accepting, wake hanging handlers and close kept-alive connections."""
        self._httpd.stopping.set()
        self._httpd.shutdown()
        with self._httpd.connections_lock:
            connections = list(self._httpd.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


class _LoaderHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms stalls
    server: _HttpServer

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
        with emulator._lock:
            emulator.requests.append((method, self.path))
        path = urlsplit(self.path).path
        fault = emulator.take_fault(method, path)
        if fault is not None and self._apply_fault(fault):
            return
        try:
            status, payload = self._route(method, body)
        except NeptuneApiError as error:
            self._send_error(error.status, error.code, error.message)
        except Exception as error:  # an emulator bug must still look like Neptune's 500
            self._send_error(500, "InternalFailureException", f"Emulator error: {error!r}")
        else:
            if fault is not None and fault.kind == "trickle":
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
        request_id = str(uuid.uuid4())
        document = {"code": code, "requestId": request_id, "detailedMessage": message}
        body = json.dumps(document).encode()
        # botocore takes the error code from this header first, then from the body's "code".
        headers = {"x-amzn-errortype": code, "x-amzn-RequestId": request_id}
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
            load_id = emulator.start_load(_request_document(body, self.headers.get("Content-Type")))
            return 200, {"status": ok, "payload": {"loadId": load_id}}
        if method == "GET" and load_id:
            payload = emulator.status(
                load_id,
                details=parse_boolean("details", query.get("details"), default=False),
                errors=parse_boolean("errors", query.get("errors"), default=False),
                page=_positive_int("page", query.get("page"), 1),
                errors_per_page=_positive_int("errorsPerPage", query.get("errorsPerPage"), 10),
            )
            return 200, {"status": ok, "payload": payload}
        if method == "GET":
            load_ids = emulator.list_loads(
                limit=_positive_int("limit", query.get("limit"), 100),
                include_queued=parse_boolean(
                    "includeQueuedLoads", query.get("includeQueuedLoads"), default=True
                ),
            )
            return 200, {"status": ok, "payload": {"loadIds": load_ids}}
        if method == "DELETE" and load_id:
            emulator.cancel(load_id)
            return 200, {"status": ok}
        raise bad_request(f"Unsupported request: {method} {parts.path}")


def _positive_int(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise bad_request(
            f"Invalid value '{value}' for parameter '{name}': expected an integer >= 1"
        )
    return number


def _request_document(body: bytes, content_type: str | None) -> dict[str, Any]:
    """A start request as JSON, or URL-encoded form fields (the raw HTTP API accepts both)."""
    text = body.decode("utf-8", errors="replace").strip()
    if content_type and "x-www-form-urlencoded" in content_type:
        fields = parse_qs(text, keep_blank_values=True)
        document: dict[str, Any] = {k: v[-1] for k, v in fields.items()}
        if "dependencies" in fields:
            document["dependencies"] = fields["dependencies"]
        return document
    try:
        parsed = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise bad_request(f"Invalid JSON in request body: {error.msg}") from error
    if not isinstance(parsed, dict):
        raise bad_request("The request body must be a JSON object")
    return parsed
