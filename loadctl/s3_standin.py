"""An S3 stand-in for the demo and the tests: moto's S3 served over HTTP on loopback, holding the
emulator's sample files under the emulator's bucket names (each folder of ``samples/`` is a
bucket), so the status Lambda's source estimates read what the emulator loads.

The Lambda workers reach it through the standard ``AWS_ENDPOINT_URL_S3`` variable
(:meth:`S3StandIn.environment`), which botocore honours natively. Every request is counted by
method and path, so a test can prove how often a load's source was read.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

# moto accepts any credentials; these only let botocore sign the requests.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
}


class _Counting:
    """WSGI middleware counting requests as ``"METHOD /path"``."""

    def __init__(self, app: Any, counts: Counter[str], lock: threading.Lock) -> None:
        self.app, self.counts, self.lock = app, counts, lock

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.counts[f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"] += 1
        return self.app(environ, start_response)


class S3StandIn:
    """moto's S3 on ``127.0.0.1`` with ``data_root``'s folders uploaded as buckets."""

    def __init__(self, data_root: Path, *, region: str = "us-east-1") -> None:
        self.data_root = data_root
        self.region = region
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` (after ``start``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def environment(self) -> dict[str, str]:
        """What a process needs to read the stand-in through botocore's own configuration."""
        return {"AWS_ENDPOINT_URL_S3": self.endpoint, **CREDENTIALS}

    def client(self) -> Any:
        """A boto3 S3 client on the stand-in."""
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def start(self) -> S3StandIn:
        """Serve on a free port and upload the sample files."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class _Quiet(WSGIRequestHandler):
            def log(self, type: str, message: str, *args: Any) -> None:
                return None

        app = _Counting(DomainDispatcherApplication(create_backend_app), self.requests, self._lock)
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.upload()
        self.requests.clear()
        return self

    def upload(self) -> None:
        """Each folder of ``data_root`` as a bucket, its files as objects (keys relative to it)."""
        s3 = self.client()
        for bucket_dir in sorted(p for p in self.data_root.iterdir() if p.is_dir()):
            s3.create_bucket(Bucket=bucket_dir.name)
            for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
                key = path.relative_to(bucket_dir).as_posix()
                s3.put_object(Bucket=bucket_dir.name, Key=key, Body=path.read_bytes())

    def count(self, method: str, path_prefix: str = "/") -> int:
        """Requests seen with ``method`` whose path starts with ``path_prefix``."""
        with self._lock:
            return sum(
                n
                for request, n in self.requests.items()
                if request.startswith(f"{method} {path_prefix}")
            )

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> S3StandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
