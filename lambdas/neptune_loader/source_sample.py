"""Estimate a load's records from its source in S3: list the objects under ``fullUri``, read a
small range from the head of the largest few (gzip-aware) and scale records per byte by size.

Records are counted as Neptune counts them (docs/reference/neptune-loader-api.md §1.2): for CSV
the element itself (id + label) is one record and every non-empty property value one more, not
one per line; the emulator counts the same way (loadctl/emulator/gremlin_csv.py). N-Triples and
N-Quads hold one statement a line, counted as one record (the reference is silent; the emulator
counts every non-empty line of other formats as one record). Turtle and RDF/XML are not
line-based: no estimate. The load request's ``format`` says which it is; the file extension only
when the request is not known (an ad hoc check).

The S3 client is created on the first estimate only (a check that needs none pays nothing) with
botocore's own endpoint resolution, so ``AWS_ENDPOINT_URL_S3`` points it at any S3-compatible
stand-in. Every failure (denied access, a missing object, an unknown format, S3 too slow) becomes
totals whose ``basis`` code and ``detail`` say why; the load is then watched from its finished
files, as without estimates.

Sampling fits in what the check has left: it starts only with time for one whole S3 call left,
reads for at most `TIME_BUDGET_SECONDS` of it, starts no call once that is spent, and bounds each
call (body included) by the status client's wall-clock alarm (`wall_clock_limit`), since
botocore's read timeout is per socket read and a body trickling in could outlast it.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from neptune_loader.estimate import (
    FEEDS_ONLY,
    SOURCE_NOT_COUNTABLE,
    SOURCE_SAMPLE,
    SourceTotals,
)
from neptune_loader.exceptions import CallDeadlineExceeded
from neptune_loader.neptune_client import Deadline, wall_clock_limit

_T = TypeVar("_T")

SAMPLE_BYTES = 64 * 1024
SAMPLED_OBJECTS = 4
MAX_LIST_PAGES = 10  # 10,000 objects
# Sampling takes at most this many seconds, and no S3 call starts once they are spent (a failure
# is not retried: the loop goes on from the finished files, and the basis says why).
TIME_BUDGET_SECONDS = 3.0
# One S3 call: one attempt of 1 s to connect and 1 s a read; also its wall-clock limit, and the
# least time left in the check for sampling to start.
S3_CONNECT_SECONDS = S3_READ_SECONDS = 1.0
S3_CALL_SECONDS = S3_CONNECT_SECONDS + S3_READ_SECONDS
TOO_SLOW = "S3 answered too slowly"
_HTTPS_S3 = re.compile(r"^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")
_LINE_FORMATS = (".nt", ".nq", ".ntriples", ".nquads")
_NOT_LINE_BASED = (".ttl", ".rdf", ".xml", ".owl", ".n3", ".trig", ".jsonld")
# The loader's ``format`` values: one statement a line, CSV, or neither.
_REQUEST_FORMATS = {
    "ntriples": "lines",
    "nquads": "lines",
    "csv": "csv",
    "opencypher": "csv",
    "turtle": "other",
    "rdfxml": "other",
}
_CSV_SYSTEM = re.compile(r"^(~id|~label|~from|~to|.*:(ID|LABEL|START_ID|END_ID|TYPE))$", re.I)


def split_source(uri: str) -> tuple[str, str] | None:
    """``(bucket, prefix)`` of ``s3://bucket/prefix`` or an S3 https URL; None otherwise."""
    parts = urlsplit(uri.strip())
    if parts.scheme == "s3" and parts.netloc:
        return parts.netloc, unquote(parts.path.lstrip("/"))
    if parts.scheme == "https" and _HTTPS_S3.match(parts.hostname or ""):
        bucket, _, key = unquote(parts.path.lstrip("/")).partition("/")
        return (bucket, key) if bucket else None
    return None


@dataclass(frozen=True)
class Sample:
    """Records per byte of one object's data (per stored byte: compressed for ``.gz``)."""

    records_per_byte: float
    header_bytes: float
    exact_records: int | None = None  # the whole object was read


def _kind(key: str, load_format: str | None) -> str:
    """``lines``, ``csv`` or ``other``: from the request's format, else the key's extension."""
    if load_format in _REQUEST_FORMATS:
        return _REQUEST_FORMATS[load_format]
    name = key.lower().removesuffix(".gz")
    if name.endswith(_NOT_LINE_BASED):
        return "other"
    return "lines" if name.endswith(_LINE_FORMATS) else "csv"


def _statements(lines: list[bytes]) -> int:
    return sum(1 for raw in lines if raw.strip() and not raw.lstrip().startswith(b"#"))


def _csv_records(header_line: bytes, lines: list[bytes]) -> tuple[int, int] | None:
    """Records and bytes of the complete data ``lines`` under ``header_line``; None if not CSV."""
    header = next(csv.reader([header_line.decode("utf-8", "replace").lstrip("\ufeff")]), [])
    system = [bool(_CSV_SYSTEM.match(name.strip())) for name in header]
    if not any(system):
        return None
    records = size = 0
    for raw in lines:
        size += len(raw) + 1
        if not raw.strip():
            continue
        fields = next(csv.reader([raw.decode("utf-8", "replace")]), [])
        records += 1 + sum(
            1 for value, sys in zip(fields, system, strict=False) if value and not sys
        )
    return records, size


def count_sample(
    key: str, data: bytes, *, whole: bool, load_format: str | None = None
) -> tuple[int, int, int] | str:
    """``(records, data bytes, header bytes)`` counted in the decompressed head ``data`` of
    ``key`` in ``load_format`` (the last, partial line dropped unless ``whole``), or why it
    cannot be counted."""
    kind = _kind(key, load_format)
    if kind == "other":
        return "not a line-based format"
    lines = data.split(b"\n")
    if not whole:
        lines = lines[:-1]
    if data.endswith(b"\n") and whole:
        lines = lines[:-1]
    if not lines:
        return "no complete line in the sample"
    if kind == "lines":
        return _statements(lines), sum(len(raw) + 1 for raw in lines), 0
    counted = _csv_records(lines[0], lines[1:])
    if counted is None:
        return "not a Gremlin or openCypher CSV header"
    return counted[0], counted[1], len(lines[0]) + 1


class S3SourceSampler:
    """Reads sources through one S3 client, created on first use."""

    def __init__(self, region: str, client: Any = None) -> None:
        self._region = region
        self._client = client
        self._deadline = Deadline(0.0)
        self._format: str | None = None

    def _s3(self) -> Any:
        if self._client is None:
            import botocore.session
            from botocore.config import Config

            # One attempt of at most S3_CALL_SECONDS (and the wall-clock limit in _call).
            config = Config(
                connect_timeout=S3_CONNECT_SECONDS,
                read_timeout=S3_READ_SECONDS,
                retries={"mode": "standard", "total_max_attempts": 1},
                user_agent_extra="neptune-bulk-load-workflow",
            )
            # No endpoint_url: botocore resolves AWS_ENDPOINT_URL_S3 (and the config file) itself.
            session = botocore.session.get_session()
            self._client = session.create_client("s3", region_name=self._region, config=config)
        return self._client

    def __call__(
        self,
        full_uri: str,
        *,
        seconds: float = TIME_BUDGET_SECONDS,
        load_format: str | None = None,
    ) -> SourceTotals:
        """The source's expected records and files read within ``seconds`` (at most
        `TIME_BUDGET_SECONDS`), or why they are unknown. With less than one S3 call's time the
        source is not read (basis still ``FEEDS_ONLY``: the next check reads it)."""
        from botocore.exceptions import BotoCoreError, ClientError

        if seconds < S3_CALL_SECONDS:
            return SourceTotals(
                None, None, FEEDS_ONLY, detail="not read yet: too little time left in this check"
            )
        source = split_source(full_uri)
        if source is None:
            return SourceTotals.unavailable("the source is not an S3 URI")
        self._format = load_format
        self._deadline = Deadline(min(seconds, TIME_BUDGET_SECONDS))
        try:
            self._s3()  # created in the budget, but outside the calls' alarms
            return self._estimate(*source)
        except CallDeadlineExceeded:
            return SourceTotals.unavailable(TOO_SLOW)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            return SourceTotals.unavailable(f"S3 answered {code}")
        except (BotoCoreError, OSError, zlib.error) as error:
            return SourceTotals.unavailable(f"S3 could not be read ({type(error).__name__})")

    def _call(self, call: Callable[[], _T]) -> _T:
        """One S3 call (its body read included) within the time left, or `CallDeadlineExceeded`."""
        left = self._deadline.remaining()
        if left <= 0:
            raise CallDeadlineExceeded(TOO_SLOW)
        with wall_clock_limit(min(S3_CALL_SECONDS, left), "S3"):
            return call()

    def _read(self, bucket: str, key: str, first: int, last: int) -> bytes:
        def call() -> bytes:
            answer = self._s3().get_object(Bucket=bucket, Key=key, Range=f"bytes={first}-{last}")
            return bytes(answer["Body"].read())

        return self._call(call)

    def _list(self, bucket: str, prefix: str) -> list[tuple[str, int]] | str:
        objects: list[tuple[str, int]] = []
        token: dict[str, str] = {}
        for _ in range(MAX_LIST_PAGES):
            page = self._call(
                partial(self._s3().list_objects_v2, Bucket=bucket, Prefix=prefix, **token)
            )
            objects += [
                (item["Key"], int(item["Size"]))
                for item in page.get("Contents", [])
                if item["Size"] > 0 and not item["Key"].endswith("/")
            ]
            if not page.get("IsTruncated"):
                return objects
            token = {"ContinuationToken": page["NextContinuationToken"]}
        return f"more than {MAX_LIST_PAGES * 1000:,} objects"

    def _sample(self, bucket: str, key: str, size: int) -> Sample | str:
        raw = self._read(bucket, key, 0, min(size, SAMPLE_BYTES) - 1)
        whole = len(raw) >= size
        data, stored_per_byte = raw, 1.0
        if _gz(key):
            # Decompressed incrementally: the head of a gzip stream is readable on its own. The
            # output is capped, so only the compressed bytes it came from count (a 25:1 source
            # inflates past the cap long before the read is used up).
            inflate = zlib.decompressobj(wbits=47)
            data = inflate.decompress(raw, 16 * SAMPLE_BYTES)
            whole = whole and inflate.eof
            consumed = len(raw) - len(inflate.unconsumed_tail)
            stored_per_byte = consumed / max(1, len(data))
        counted = count_sample(key, data, whole=whole, load_format=self._format)
        if isinstance(counted, str):
            return f"{key}: {counted}"
        records, data_bytes, header = counted
        if data_bytes <= 0:
            return f"{key}: no data line in the sample"
        if not whole and not _gz(key) and size > 4 * SAMPLE_BYTES:
            # Uncompressed: a second range from the middle evens out lines that grow along the
            # file (ids gaining digits, say).
            middle = self._middle(bucket, key, size, data.split(b"\n", 1)[0])
            records, data_bytes = records + middle[0], data_bytes + middle[1]
        return Sample(
            records / (data_bytes * stored_per_byte),
            header * stored_per_byte,
            records if whole else None,
        )

    def _middle(self, bucket: str, key: str, size: int, header: bytes) -> tuple[int, int]:
        start = size // 2
        # Complete lines only: the range's first and last lines are cut.
        lines = self._read(bucket, key, start, start + SAMPLE_BYTES - 1).split(b"\n")[1:-1]
        if _kind(key, self._format) == "lines":
            return _statements(lines), sum(len(raw) + 1 for raw in lines)
        return _csv_records(header, lines) or (0, 0)

    def _estimate(self, bucket: str, prefix: str) -> SourceTotals:
        listed = self._list(bucket, prefix)
        if isinstance(listed, str):
            return SourceTotals.unavailable(listed)
        if not listed:
            return SourceTotals.unavailable("no object under the source")
        samples: dict[str, Sample] = {}
        for key, size in sorted(listed, key=lambda item: -item[1])[:SAMPLED_OBJECTS]:
            read = self._sample(bucket, key, size)
            if isinstance(read, str):
                return SourceTotals.unavailable(read, SOURCE_NOT_COUNTABLE)
            samples[key] = read
        total = 0.0
        for key, size in listed:
            # Objects not sampled take the mean density of the sampled ones that are stored the
            # same way (compressed or not), else of all of them.
            sample = samples.get(key) or _mean(
                [s for k, s in samples.items() if _gz(k) == _gz(key)] or list(samples.values())
            )
            if sample.exact_records is not None:
                total += sample.exact_records
            else:
                total += sample.records_per_byte * max(0.0, size - sample.header_bytes)
        return SourceTotals(round(total), len(listed), SOURCE_SAMPLE)


def _gz(key: str) -> bool:
    return key.lower().endswith(".gz")


def _mean(samples: list[Sample]) -> Sample:
    return Sample(
        sum(s.records_per_byte for s in samples) / len(samples),
        sum(s.header_bytes for s in samples) / len(samples),
    )
