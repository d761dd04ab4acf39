"""``extract-local`` and ``extract-s3``: existing files as a step's staged output (docs/steps.md).

Both leave a manifest under the step's staging prefix, so a load or a transform reads them like
any extract's output. The data stays in Dataduct's TSV (NULL as the literal ``NULL``; see
:mod:`airflow_dataduct.staging.dataduct_tsv`), marked so in the manifest, and loads convert it
on the way. The manifest's row count is the number of records a load will read (blank lines
skipped).
"""

from __future__ import annotations

import gzip
import logging
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator

from airflow_dataduct.staging import dataduct_tsv
from airflow_dataduct.staging.locations import copy_staged, listing_manifest, open_store
from airflow_dataduct.staging.manifest import Manifest, Part
from airflow_dataduct.staging.store import READ_CHUNK, StagingStore

log = logging.getLogger(__name__)


def _chunks(path: Path) -> Any:
    with open(path, "rb") as source:
        while chunk := source.read(READ_CHUNK):
            yield chunk


def stage_file(
    store: StagingStore, prefix: str, local: Path, name: str, attempt: str | None = None
) -> Part:
    """Store ``local`` gzip-compressed as part ``<attempt>/<name>.gz`` of ``prefix``."""
    attempt = attempt or f"attempt-{uuid.uuid4().hex[:12]}"
    rows = dataduct_tsv.count_records(_chunks(local))
    scratch = Path(tempfile.mkdtemp(prefix="dataduct-file-"))
    try:
        packed = scratch / "part.gz"
        with open(local, "rb") as source, gzip.open(packed, "wb", compresslevel=1) as target:
            shutil.copyfileobj(source, target, READ_CHUNK)
        part = Part(f"{attempt}/{name}.gz", rows, packed.stat().st_size)
        store.put_file(prefix, part.name, packed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return part


def commit_parts(store: StagingStore, prefix: str, parts: Sequence[Part], attempt: str) -> Manifest:
    """Publish the manifest of ``parts`` (Dataduct TSV) and drop older attempts."""
    manifest = Manifest(
        prefix,
        tuple(parts),
        sum(p.rows for p in parts),
        format=dataduct_tsv.FORMAT_NAME,
        compression="gzip",
    )
    try:
        store.publish_manifest(manifest)
    except BaseException:
        store.remove_attempt(prefix, attempt)
        raise
    store.remove_other_attempts(prefix, attempt)
    return manifest


class ExtractLocalOperator(BaseOperator):
    """Stage a local file (resolved against the resource folder) as the step's output.

    :param path: the file to stage, on the worker (the builder resolves the step's ``path``
        against the resource folder); stored gzip-compressed. Not templated.
    :param staging_location: the staging root: an ``s3://bucket/prefix`` URI or a local
        directory (``staging.location``).
    :param staging_prefix: the step's folder under ``staging_location``, where the manifest
        goes; templated.
    :param aws_conn_id: the AWS connection for S3 (default ``aws_default``).
    :param output_path: Dataduct's ``output_path``: the committed part and its manifest are
        also copied to this ``s3://`` URI or local directory; templated. None (the default):
        no copy.
    """

    template_fields: Sequence[str] = ("staging_prefix", "output_path")
    ui_color = "#e8f4e8"

    def __init__(
        self,
        *,
        path: str,
        staging_location: str,
        staging_prefix: str,
        aws_conn_id: str = "aws_default",
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.output_path = output_path
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        local = Path(self.path)
        if not local.is_file():
            raise FileNotFoundError(f"extract-local: file {local} not found on this worker")
        store = open_store(self.staging_location, self.aws_conn_id)
        attempt = f"attempt-{uuid.uuid4().hex[:12]}"
        part = stage_file(store, self.staging_prefix, local, local.name, attempt)
        manifest = commit_parts(store, self.staging_prefix, [part], attempt)
        log.info("Staged %s (%s rows) at %s", local, manifest.rows, store.uri(self.staging_prefix))
        if self.output_path:
            copied = copy_staged(store, manifest, self.output_path, self.aws_conn_id)
            log.info("Copied to output_path %s", copied)
        return {"path": str(local), "rows": manifest.rows}


class ExtractS3Operator(BaseOperator):
    """Publish a manifest of existing S3 data (one object, or every object under a prefix).

    Nothing is copied: the manifest names the objects by URI, so loads and transforms read
    them where they are. The objects are read once to count their records.

    :param uri: the object, or the prefix of the objects, holding Dataduct TSV (gzip where
        named ``.gz``): an ``s3://`` URI (a local path also works); templated.
    :param staging_location: the staging root: an ``s3://bucket/prefix`` URI or a local
        directory (``staging.location``).
    :param staging_prefix: the step's folder under ``staging_location``, where the manifest
        goes; templated.
    :param aws_conn_id: the AWS connection for S3 (default ``aws_default``).
    """

    template_fields: Sequence[str] = ("uri", "staging_prefix")
    ui_color = "#e8f4e8"

    def __init__(
        self,
        *,
        uri: str,
        staging_location: str,
        staging_prefix: str,
        aws_conn_id: str = "aws_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.uri = uri
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        store = open_store(self.staging_location, self.aws_conn_id)
        listing = listing_manifest(self.uri, self.aws_conn_id)
        parts = tuple(
            Part(p.name, dataduct_tsv.count_records(store.iter_part(listing, p)), p.bytes)
            for p in listing.parts
        )
        manifest = Manifest(
            self.staging_prefix,
            parts,
            sum(p.rows for p in parts),
            format=listing.format,
            compression=listing.compression,
        )
        store.publish_manifest(manifest)
        log.info("%s: %s object(s), %s rows", self.uri, len(parts), manifest.rows)
        return {"uri": self.uri, "objects": len(parts), "rows": manifest.rows}
