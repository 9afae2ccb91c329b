"""An S3 stand-in for the demo and the tests: moto's S3 served over HTTP on loopback, holding the
emulator's sample files under the emulator's bucket names (each folder of ``samples/`` is a
bucket), so the status Lambda's source estimates read what the emulator loads.

The Lambda workers reach it through the standard ``AWS_ENDPOINT_URL_S3`` variable
(:meth:`S3StandIn.environment`), which botocore honours natively. Every request is counted by
method and path, so a test can prove how often a load's source was read. `workflow_with_sources`
puts the emulator, the stand-in and the local runner together, as the demo and the tests run them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loadctl.emulator import ManualClock, NeptuneLoaderEmulator
    from loadctl.runner import WorkflowRunner
    from loadctl.runner.cdk_out import SynthesizedWorkflow

# moto accepts any credentials; these only let botocore sign the requests.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
}


class _Counting:
    """WSGI middleware counting requests as ``"METHOD /path"``; ``/_standin/requests`` answers
    the counts (``DELETE`` clears them) once the sample files are uploaded."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.ready = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == _COUNTS_PATH:
            if not self.ready:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"starting"]
            with self.lock:
                if environ["REQUEST_METHOD"] == "DELETE":
                    self.counts.clear()
                body = json.dumps(self.counts).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        with self.lock:
            self.counts[f"{environ['REQUEST_METHOD']} {path}"] += 1
        return self.app(environ, start_response)


_COUNTS_PATH = "/_standin/requests"


def _client(endpoint: str, region: str) -> Any:
    import boto3

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def serve(data_root: Path, port: int, region: str = "us-east-1") -> None:
    """Serve moto's S3 on ``127.0.0.1:port`` with ``data_root``'s folders uploaded as buckets
    (each folder a bucket, its files objects keyed relative to it); runs until killed."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import WSGIRequestHandler, make_server

    class _Quiet(WSGIRequestHandler):
        def log(self, type: str, message: str, *args: Any) -> None:
            return None

    app = _Counting(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    s3 = _client(f"http://127.0.0.1:{port}", region)
    for bucket_dir in sorted(p for p in data_root.iterdir() if p.is_dir()):
        s3.create_bucket(Bucket=bucket_dir.name)
        for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
            key = path.relative_to(bucket_dir).as_posix()
            s3.put_object(Bucket=bucket_dir.name, Key=key, Body=path.read_bytes())
    with app.lock:
        app.counts.clear()
        app.ready = True
    thread.join()


class S3StandIn:
    """moto's S3 on ``127.0.0.1`` in a process of its own (so no in-process moto mock, like the
    local runner's, shares or resets its buckets), with ``data_root``'s folders as buckets."""

    def __init__(self, data_root: Path, *, region: str = "us-east-1") -> None:
        self.data_root = data_root
        self.region = region
        self._port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` (after ``start``)."""
        return f"http://127.0.0.1:{self._port}"

    def environment(self) -> dict[str, str]:
        """What a process needs to read the stand-in through botocore's own configuration."""
        return {"AWS_ENDPOINT_URL_S3": self.endpoint, **CREDENTIALS}

    def client(self) -> Any:
        """A boto3 S3 client on the stand-in."""
        return _client(self.endpoint, self.region)

    def start(self, timeout: float = 60.0) -> S3StandIn:
        """Start serving on a free port; return once the sample files are uploaded."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self._port = probe.getsockname()[1]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "loadctl.s3_standin", str(self.data_root), str(self._port)],
            cwd=Path(__file__).resolve().parent.parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the S3 stand-in exited with {self._process.returncode}")
            try:
                self.requests  # noqa: B018 - answers once the files are uploaded
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the S3 stand-in did not start within {timeout:g} s")

    def _counts(self, method: str) -> Counter[str]:
        request = urllib.request.Request(self.endpoint + _COUNTS_PATH, method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            return Counter(json.loads(response.read()))

    @property
    def requests(self) -> Counter[str]:
        """Requests served so far, as ``"METHOD /path"``: count."""
        return self._counts("GET")

    def clear_requests(self) -> None:
        """Forget the requests counted so far."""
        self._counts("DELETE")

    def count(self, method: str, path_prefix: str = "/") -> int:
        """Requests seen with ``method`` whose path starts with ``path_prefix``."""
        prefix = f"{method} {path_prefix}"
        return sum(n for request, n in self.requests.items() if request.startswith(prefix))

    def stop(self) -> None:
        """Stop the stand-in's process."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> S3StandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def workflow_with_sources(
    workflow: SynthesizedWorkflow,
    emulator: NeptuneLoaderEmulator,
    clock: ManualClock,
    data_root: Path,
) -> Iterator[tuple[WorkflowRunner, S3StandIn, str]]:
    """The local runner on ``workflow`` against ``emulator`` served (its waits advance
    ``clock``) and a stand-in holding ``data_root``, source estimates on: yields the runner, the
    stand-in and the emulator's endpoint."""
    from loadctl.runner import workflow_on_emulator

    with (
        S3StandIn(data_root) as s3,
        workflow_on_emulator(
            workflow,
            emulator,
            clock,
            environment={**s3.environment(), "SOURCE_ESTIMATES": "true"},
        ) as (runner, endpoint),
    ):
        yield runner, s3, endpoint


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
