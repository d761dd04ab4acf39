"""Staging on S3 through the Airflow AWS connection (the production path to Redshift)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from airflow.providers.amazon.aws.hooks.s3 import S3Hook

from airflow_dataduct.staging.manifest import COPY_MANIFEST, MANIFEST, Manifest
from airflow_dataduct.staging.store import StagingStore


class S3StagingStore(StagingStore):
    """Staging under ``s3://bucket/prefix``; beside ``manifest.json`` it writes Redshift's
    COPY manifest (``copy.manifest``) listing the same parts."""

    def __init__(self, location: str, aws_conn_id: str = "aws_default") -> None:
        bucket, _, key_prefix = location.removeprefix("s3://").partition("/")
        self.bucket = bucket
        self.key_prefix = key_prefix.strip("/")
        self.hook = S3Hook(aws_conn_id=aws_conn_id)

    def _key(self, prefix: str, name: str = "") -> str:
        return "/".join(p for p in (self.key_prefix, prefix, name) if p)

    def uri(self, prefix: str, name: str = "") -> str:
        return f"s3://{self.bucket}/{self._key(prefix, name)}"

    def put_file(self, prefix: str, name: str, local: Path) -> None:
        self.hook.load_file(str(local), self._key(prefix, name), self.bucket, replace=True)

    def publish_manifest(self, manifest: Manifest) -> None:
        entries = [
            {
                "url": p.name if "://" in p.name else self.uri(manifest.prefix, p.name),
                "mandatory": True,
            }
            for p in manifest.parts
        ]
        copy_manifest = json.dumps({"entries": entries})
        self.hook.load_string(
            copy_manifest, self._key(manifest.prefix, COPY_MANIFEST), self.bucket, replace=True
        )
        self.hook.load_string(
            manifest.to_json(), self._key(manifest.prefix, MANIFEST), self.bucket, replace=True
        )

    def read_text(self, prefix: str, name: str) -> str:
        key = self._key(prefix, name)
        if not self.hook.check_for_key(key, self.bucket):
            raise FileNotFoundError(self.uri(prefix, name))
        return self.hook.read_key(key, self.bucket)

    def open_raw(self, prefix: str, name: str) -> IO[bytes]:
        body: Any = self.hook.get_key(self._key(prefix, name), self.bucket).get()["Body"]
        return body

    def _delete_under(self, key_prefix: str, keep: str | None = None) -> None:
        keys = self.hook.list_keys(self.bucket, prefix=key_prefix) or []
        doomed = [k for k in keys if keep is None or not k.startswith(keep)]
        if doomed:
            self.hook.delete_objects(self.bucket, doomed)

    def remove_attempt(self, prefix: str, attempt: str) -> None:
        self._delete_under(self._key(prefix, attempt) + "/")

    def remove_other_attempts(self, prefix: str, keep: str) -> None:
        base = self._key(prefix, "attempt-")
        self._delete_under(base, keep=self._key(prefix, keep) + "/")

    def remove_prefix(self, prefix: str) -> None:
        self._delete_under(self._key(prefix) + "/")
