"""Files announced by S3 event notifications through a queue (ERP imports, WMS shipped lists):
the objects a message announces and their bytes, with what can never succeed (a message that is
no notification, an object deleted since) sent to the queue's dead-letter queue with the reason."""

from __future__ import annotations

from botocore.exceptions import ClientError

from shared.aws.dead_letters import dead_letter
from shared.aws.import_files import objects_in_notification, read_import


def notified_objects(body: str, message_id: str, dead_letter_env: str) -> list[tuple[str, str]]:
    """(bucket, key) of each new object; [] (and the message dead-lettered) when it is no notification."""
    try:
        return objects_in_notification(body)
    except ValueError as error:
        dead_letter(dead_letter_env, body, reason=f"not an S3 event notification: {error}", source={"message_id": message_id})
        return []


def read_notified(bucket: str, key: str, max_bytes: int, body: str, message_id: str, dead_letter_env: str) -> bytes | None:
    """The object's bytes; None (and the message dead-lettered) when it no longer exists. Other S3
    trouble raises: the record is retried, then the queue's redrive policy applies."""
    try:
        return read_import(bucket, key, max_bytes)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchKey"):
            raise
        dead_letter(dead_letter_env, body, reason=f"s3://{bucket}/{key} no longer exists", source={"message_id": message_id})
        return None
