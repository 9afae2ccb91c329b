"""Serving the emulator: the server thread, its start and stop, and the served emulator class.

Stopping is abrupt on purpose, so tests end quickly: hanging and trickling answers (scripted
faults) are cut short and kept-alive connections are closed. Nothing here comes from Neptune's
documentation; the routes and bodies are :mod:`loadctl.emulator.http_api`'s.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from loadctl.emulator.core import EmulatorCore
from loadctl.emulator.http_api import LoaderHttpServer

POLL_INTERVAL = 0.05  # seconds; short so tests tear the server down quickly


class EmulatorServer:
    """A threaded stdlib HTTP server running the emulator in a background thread."""

    def __init__(self, emulator: EmulatorCore, host: str, port: int) -> None:
        self._httpd = LoaderHttpServer((host, port), emulator)
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


class NeptuneLoaderEmulator(EmulatorCore):
    """An in-process stand-in for Neptune's bulk loader HTTP API.

    :class:`~loadctl.emulator.core.EmulatorCore` (same parameters) that can also serve itself
    over HTTP in a background thread: ``with emulator.serve() as endpoint: ...``.
    """

    _server: EmulatorServer | None = None

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve the HTTP API in a background thread; yields ``http://host:port``."""
        endpoint = self.start_server(host, port)
        try:
            yield endpoint
        finally:
            self.stop_server()

    def start_server(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving in a background thread and return the endpoint (see :meth:`serve`)."""
        if self._server is not None:
            raise RuntimeError("the emulator is already serving")
        self._server = EmulatorServer(self, host, port)
        self._server.start()
        return self._server.endpoint

    def stop_server(self) -> None:
        """Stop serving; hanging requests are cut short and open connections closed."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def endpoint(self) -> str:
        """``http://host:port`` while serving."""
        if self._server is None:
            raise RuntimeError("the emulator is not serving")
        return self._server.endpoint
