"""ERP import files in S3: read the CSV dropped under `incoming/`, write its report under
`reports/` with the same name (.json), where the ERP (or a person) picks it up."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote_plus

from pydantic import BaseModel, Field

from shared.aws.clients import client

INCOMING_PREFIX = "incoming/"
REPORTS_PREFIX = "reports/"


class ImportFileTooLarge(Exception):
    def __init__(self, key: str, size: int, limit: int):
        super().__init__(f"{key} is {size} bytes; imports take at most {limit} bytes")


def read_import(bucket: str, key: str, max_bytes: int) -> bytes:
    s3 = client("s3")
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    if size > max_bytes:
        raise ImportFileTooLarge(key, size, max_bytes)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def report_key(key: str) -> str:
    name = PurePosixPath(key.removeprefix(INCOMING_PREFIX)).with_suffix(".json")
    return f"{REPORTS_PREFIX}{name}"


def write_report(bucket: str, key: str, report_json: str) -> str:
    target = report_key(key)
    client("s3").put_object(Bucket=bucket, Key=target, Body=report_json.encode("utf-8"), ContentType="application/json")
    return target


class _Bucket(BaseModel, defer_build=True):
    name: str


class _Object(BaseModel, defer_build=True):
    key: str


class _Entity(BaseModel, defer_build=True):
    bucket: _Bucket
    object: _Object


class _Record(BaseModel, defer_build=True):
    eventName: str
    s3: _Entity


class _Notification(BaseModel, defer_build=True):
    Records: list[_Record] = Field(default_factory=list)
    Event: str | None = None  # "s3:TestEvent" when the notification is first configured


def objects_in_notification(body: str) -> list[tuple[str, str]]:
    """(bucket, key) of each object an S3 event notification announces; [] for S3's test event.
    Raises ValueError when the body is not an S3 notification."""
    notification = _Notification.model_validate_json(body)
    # S3 URL-encodes keys in notifications ("incoming/2026 11 11.csv" arrives with '+').
    return [(r.s3.bucket.name, unquote_plus(r.s3.object.key)) for r in notification.Records if r.eventName.startswith("ObjectCreated")]
