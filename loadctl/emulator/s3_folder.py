"""A local folder standing in for S3: list a load's source and read (parse) its objects.

``s3://bucket/prefix`` is every file under ``data_root/bucket`` whose key starts with
``prefix``. Sources, by section of the loader API reference
(``docs/reference/neptune-loader-api.md``):

- A source is ``s3://bucket/key``, ``https://s3.amazonaws.com/bucket/key`` or
  ``https://s3.<region>.amazonaws.com/bucket/key``, and its key is a prefix with ListObjects
  semantics (§3.1). The "Invalid source" text is the emulator's own: the sources give none.
- A missing bucket answers 400 "S3 bucket not found for source" and a prefix that matches
  nothing 400 "The source <uri> does not exist/not reachable" (§2, start-time errors table).
- A file deleted between the start request and its turn: Neptune reports the feed as
  ``LOAD_DATA_FAILED_DUE_TO_FEED_MODIFIED_OR_DELETED`` (§2, row 13); the emulator reads it as an
  invalid file, which the load reports as a parsing error of that feed (a simplification).
- Formats other than Gremlin CSV: the sources say nothing the emulator needs; every non-empty
  line is one record and nothing is validated.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from loadctl.emulator.errors import bad_request
from loadctl.emulator.gremlin_csv import ParsedFile, ParsedLine, parse_gremlin_csv

_HTTPS_S3 = re.compile(r"^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")


class S3Folder:
    """The stand-in bucket(s) under ``data_root``, with parsed files cached until they change."""

    def __init__(self, data_root: Path) -> None:
        self.data_root = data_root
        self._parse_cache: dict[tuple[str, int, int, bool], ParsedFile] = {}

    def list_source(self, source: str) -> list[str]:
        """ListObjects on the stand-in bucket: every file whose key starts with the prefix."""
        bucket, prefix = _split_source(source)
        bucket_dir = self.data_root / bucket
        if not bucket_dir.is_dir():
            raise bad_request("S3 bucket not found for source")
        keys = sorted(
            path.relative_to(bucket_dir).as_posix()
            for path in bucket_dir.rglob("*")
            if path.is_file()
        )
        matched = [f"s3://{bucket}/{key}" for key in keys if key.startswith(prefix)]
        if not matched:
            raise bad_request(f"The source {source} does not exist/not reachable")
        return matched

    def read(self, uri: str, data_format: str, allow_empty: bool) -> ParsedFile:
        """The object at ``uri`` parsed as ``data_format`` (an invalid file once it is gone)."""
        bucket, key = _split_source(uri)
        path = self.data_root / bucket / key
        try:
            stat = path.stat()
        except OSError:
            return ParsedFile("invalid", (), "The feed was deleted after the load was requested")
        cache_key = (str(path), stat.st_mtime_ns, stat.st_size, allow_empty)
        cached = self._parse_cache.get(cache_key)
        if cached is None:
            if data_format == "csv":
                cached = parse_gremlin_csv(path, allow_empty_strings=allow_empty)
            else:
                cached = _parse_line_records(path, uri, header=data_format == "opencypher")
            self._parse_cache[cache_key] = cached
        return cached


def _split_source(source: str) -> tuple[str, str]:
    parts = urlsplit(source)
    if parts.scheme == "s3" and parts.netloc:
        bucket, key = parts.netloc, parts.path.lstrip("/")
    elif parts.scheme == "https" and _HTTPS_S3.match(parts.netloc.lower()):
        bucket, _, key = parts.path.lstrip("/").partition("/")
    else:
        raise bad_request(f"Invalid source: {source}. Expected s3://bucket/key")
    bucket, key = unquote(bucket), unquote(key)
    if not bucket or "/" in bucket or bucket in {".", ".."} or ".." in key.split("/"):
        raise bad_request(f"Invalid source: {source}. Expected s3://bucket/key")
    return bucket, key


def _parse_line_records(path: Path, uri: str, *, header: bool) -> ParsedFile:
    """Formats other than Gremlin CSV: one record per non-empty line, no validation."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start = 2 if header else 1
    parsed = tuple(
        ParsedLine(number, f"{uri}#{number}", "", "", 1, None)
        for number, raw in enumerate(lines[start - 1 :], start=start)
        if raw.strip()
    )
    return ParsedFile("vertex", parsed)
