"""Constants and helpers shared by the emulator tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
GOOD_SOURCE = "s3://neptune-samples/good/"
BROKEN_SOURCE = "s3://neptune-samples/broken/"
ROLE_ARN = "arn:aws:iam::123456789012:role/NeptuneLoadFromS3"
RECORDS_PER_SECOND = 50.0


def start_request(source: str = GOOD_SOURCE, **extra: Any) -> dict[str, Any]:
    """A valid StartLoaderJob request in boto3's keyword form."""
    return {
        "source": source,
        "format": "csv",
        "s3BucketRegion": "us-east-1",
        "iamRoleArn": ROLE_ARN,
        **extra,
    }


def count_records(folder: Path) -> int:
    """Neptune's CSV record count, done independently: 1 per line + 1 per non-empty property."""
    total = 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        property_columns = [i for i, name in enumerate(header) if not name.startswith("~")]
        total += sum(1 + sum(1 for i in property_columns if row[i]) for row in rows[1:])
    return total


def make_client(endpoint: str, **config: Any) -> Any:
    """A real neptunedata client with one attempt per call, so every response is visible."""
    return boto3.client(
        "neptunedata",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}, **config),
    )
