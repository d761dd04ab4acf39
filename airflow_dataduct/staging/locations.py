"""Opening a staging location by URI: ``s3://`` through the S3 store, anything else locally."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

from airflow_dataduct.staging import dataduct_tsv
from airflow_dataduct.staging.manifest import COPY_MANIFEST, MANIFEST, Manifest, Part
from airflow_dataduct.staging.objects import list_objects
from airflow_dataduct.staging.store import READ_CHUNK, LocalStagingStore, StagingStore


def open_store(location: str, aws_conn_id: str = "aws_default") -> StagingStore:
    """The store for a staging root: ``s3://bucket/prefix`` or a local directory."""
    store: StagingStore
    if location.startswith("s3://"):
        from airflow_dataduct.staging.s3 import S3StagingStore  # deferred: start-up time

        store = S3StagingStore(location, aws_conn_id)
    else:
        store = LocalStagingStore(location)
    store.aws_conn_id = aws_conn_id
    return store


def listing_manifest(uri: str, aws_conn_id: str = "aws_default") -> Manifest:
    """A manifest of existing data that no extract staged (``extract-s3``, ``input_path``):
    the object ``uri``, or every object under it, each part named by its full URI. The data is
    Dataduct TSV (docs/staging.md), gzip where the name ends in ``.gz``; ``rows`` is not counted."""

    objects = list_objects(uri, aws_conn_id)
    if not objects:
        raise FileNotFoundError(f"no data at {uri}")
    parts = tuple(Part(name, 0, size) for name, size in objects)
    return Manifest(uri, parts, 0, format=dataduct_tsv.FORMAT_NAME, compression="auto")


HADOOP_SUCCESS = "_SUCCESS"


def hadoop_output_manifest(store: StagingStore, prefix: str) -> Manifest:
    """A manifest of a Hadoop job's output folder (an EMR step's output node): every part file
    under ``prefix``, once the job's ``_SUCCESS`` marker exists. Names starting with ``_`` or
    ``.`` (``_SUCCESS``, ``_logs/``) and the load's own manifests are skipped. The parts are
    interchange TSV, gzip where named ``.gz``; ``rows`` is -1 (not counted)."""
    try:
        store.read_text(prefix, HADOOP_SUCCESS)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no completed job output at {store.uri(prefix)}: {HADOOP_SUCCESS} is missing"
        ) from None
    base = store.uri(prefix).rstrip("/") + "/"
    objects = list_objects(base, store.aws_conn_id)
    parts = []
    for uri, size in objects:
        name = uri.removeprefix(base)
        hidden = any(p.startswith(("_", ".")) for p in name.split("/"))
        if not hidden and name not in (MANIFEST, COPY_MANIFEST):
            parts.append(Part(name, -1, size))
    return Manifest(prefix, tuple(parts), -1, compression="auto")


def copy_staged(
    source: StagingStore, manifest: Manifest, target_uri: str, aws_conn_id: str = "aws_default"
) -> str:
    """Copy committed parts and their manifest to ``target_uri`` (Dataduct's ``output_path``);
    the pipeline's own steps keep reading the run's staging. Returns the target's URI."""
    target = open_store(target_uri.rstrip("/"), aws_conn_id)
    with tempfile.TemporaryDirectory(prefix="dataduct-copy-") as scratch:
        local = Path(scratch) / "part"
        for part in manifest.parts:
            with source.open_raw(manifest.prefix, part.name) as raw, open(local, "wb") as out:
                shutil.copyfileobj(raw, out, READ_CHUNK)
            target.put_file("", part.name, local)
    target.publish_manifest(dataclasses.replace(manifest, prefix=""))
    if manifest.parts:
        target.remove_other_attempts("", manifest.parts[0].name.split("/")[0])
    return target.uri("")
