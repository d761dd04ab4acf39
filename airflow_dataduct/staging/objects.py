"""Objects by URI, local or on S3: open one, or list those under a prefix."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any


def open_location(uri: str, aws_conn_id: str = "aws_default") -> IO[bytes]:
    """A binary stream of one object: ``s3://bucket/key`` or a local file path."""
    if uri.startswith("s3://"):
        return open_s3_object(uri, aws_conn_id)
    return open(uri.removeprefix("file://"), "rb")


def list_local(path: Path) -> list[tuple[str, int]]:
    if path.is_file():
        return [(str(path), path.stat().st_size)]
    if not path.is_dir():
        return []
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [(str(p), p.stat().st_size) for p in files]


def list_objects(uri: str, aws_conn_id: str = "aws_default") -> list[tuple[str, int]]:
    """(URI or path, size) of the object ``uri`` or of every object under it, S3 or local."""
    if uri.startswith("s3://"):
        return list_s3_objects(uri, aws_conn_id)
    return list_local(Path(uri.removeprefix("file://")))


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def open_s3_object(uri: str, aws_conn_id: str = "aws_default") -> IO[bytes]:
    """A streaming body of the object at ``uri``."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook  # deferred: start-up time

    bucket, key = split_s3_uri(uri)
    body: Any = S3Hook(aws_conn_id=aws_conn_id).get_key(key, bucket).get()["Body"]
    return body


def list_s3_objects(uri: str, aws_conn_id: str = "aws_default") -> list[tuple[str, int]]:
    """(URI, size) of the object ``uri``, or else of every object under the prefix ``uri/``
    (folder markers and hidden names skipped), in key order."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook  # deferred: start-up time

    bucket, key = split_s3_uri(uri)
    client = S3Hook(aws_conn_id=aws_conn_id).get_conn()
    prefix = key.rstrip("/") + "/" if key else ""
    found: list[tuple[str, int]] = []
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=key.rstrip("/")
    ):
        for obj in page.get("Contents", []):
            name = obj["Key"]
            if name == key and not key.endswith("/"):
                return [(uri, obj["Size"])]
            leaf = name.rsplit("/", 1)[-1]
            if name.startswith(prefix) and leaf and not leaf.startswith((".", "_")):
                found.append((f"s3://{bucket}/{name}", obj["Size"]))
    return sorted(found)
