"""Where a load step reads its input: one place for every kind of input a load can have.

* ``manifest``: an extract's or transform's committed output under the run's staging;
* ``hadoop``: an EMR job's part files (complete once its ``_SUCCESS`` marker exists);
* ``listing``: existing data named by the step's ``input_path`` (one object or a prefix, in
  Dataduct's TSV), read where it is.

Redshift COPY needs a COPY manifest: an extract writes one with its parts; for the other two
the load publishes one, listing the parts by full URI, under its ``staging_prefix``.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from airflow_dataduct.sql.copy import CopyOptions
from airflow_dataduct.staging.locations import hadoop_output_manifest, listing_manifest, open_store
from airflow_dataduct.staging.manifest import COPY_MANIFEST, Manifest
from airflow_dataduct.staging.store import StagingStore

log = logging.getLogger(__name__)

INPUT_LAYOUTS = ("manifest", "hadoop", "listing")


class StagedInputMixin:
    """The input of a load operator: put it before the operator's base class, so its
    ``__init__`` takes these arguments and passes the others on.

    :param staging_location: the root holding the input: an ``s3://bucket/prefix`` URI or a
        local directory (``staging.location``; an EMR step's output: ``emr.output_location``).
    :param staging_prefix: the input's folder under ``staging_location``: the producing
        step's staging prefix, or an EMR step's output prefix; with ``listing``, where the
        load writes its COPY manifest. Templated in the load operators.
    :param aws_conn_id: the AWS connection for S3 staging and an S3 ``input_uri``
        (default ``aws_default``).
    :param input_layout: how the input is found: ``manifest`` (the default: an extract's or
        transform's committed manifest under ``staging_prefix``), ``hadoop`` (an EMR job's
        part files under ``staging_prefix``, once its ``_SUCCESS`` marker exists) or
        ``listing`` (the data at ``input_uri``); anything else raises ``ValueError``.
    :param input_uri: the step's ``input_path``: one object or a prefix of Dataduct TSV
        (``s3://`` URI or local path), read where it is. Given exactly when ``input_layout``
        is ``listing``. Templated in the load operators.
    :param remove_staged: after a successful load, delete ``staging_prefix`` (the staged
        input, or with ``listing`` only the COPY manifest the load wrote); ignored for
        ``hadoop``; a failed removal is only logged. Default False: keep everything.
    """

    def __init__(
        self,
        *,
        staging_location: str,
        staging_prefix: str,
        aws_conn_id: str = "aws_default",
        input_layout: str = "manifest",
        input_uri: str | None = None,
        remove_staged: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if input_layout not in INPUT_LAYOUTS:
            raise ValueError(f"input_layout must be one of {INPUT_LAYOUTS}, not {input_layout!r}")
        if (input_layout == "listing") != (input_uri is not None):
            raise ValueError("input_uri is given exactly when input_layout is 'listing'")
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id
        self.input_layout = input_layout
        self.input_uri = input_uri
        self.remove_staged = remove_staged and input_layout != "hadoop"
        """After a successful load, delete ``staging_prefix``: the staged input, or for an
        ``input_path`` the COPY manifest the load wrote there (never an EMR output, nor the
        data at ``input_path``)."""

    @property
    def copy_manifest_uri(self) -> str:
        """The COPY manifest a Redshift load reads (for display before the task runs)."""
        return f"{self.staging_location}/{self.staging_prefix}/{COPY_MANIFEST}"

    def shown_copy_options(self, options: CopyOptions | None) -> CopyOptions:
        """The COPY options shown in the rendered SQL before the task runs: an ``input_path``
        holds Dataduct TSV (NULL as ``NULL``); compression is settled by the files then."""
        options = options or CopyOptions()
        if self.input_layout == "listing" and options.command_options is None:
            return dataclasses.replace(options, null_as="NULL")
        return options

    def read_input(self) -> tuple[StagingStore, Manifest]:
        """The store and the manifest of the parts to load."""
        store = open_store(self.staging_location, self.aws_conn_id)
        if self.input_layout == "hadoop":
            return store, hadoop_output_manifest(store, self.staging_prefix)
        if self.input_layout == "listing":
            assert self.input_uri is not None
            listing = listing_manifest(self.input_uri, self.aws_conn_id)
            return store, dataclasses.replace(listing, prefix=self.staging_prefix, rows=-1)
        return store, store.read_manifest(self.staging_prefix)

    def input_description(self, store: StagingStore, manifest: Manifest) -> str:
        """``<rows> staged rows in <n> part(s) from <where>`` for the task log."""
        rows = f"{manifest.rows:,} staged rows" if manifest.rows >= 0 else "the rows"
        where = self.input_uri or store.uri(self.staging_prefix)
        return f"{rows} in {len(manifest.parts)} part(s) from {where}"

    def publish_copy_manifest(self, store: StagingStore, manifest: Manifest) -> None:
        """Write the COPY manifest Redshift reads, when no extract wrote one (EMR output,
        ``input_path``); the parts must be all gzip or all plain (checked by the load)."""
        if self.input_layout == "manifest":
            return
        if self.input_layout == "listing" and not (self.input_uri or "").startswith("s3://"):
            raise ValueError(f"Redshift reads from S3; input_path {self.input_uri} is not on S3")
        store.publish_manifest(manifest)

    def finish_input(self, store: StagingStore) -> None:
        """After the commit, delete the staged input if asked (``staging.retain: false``). Best
        effort: the rows are committed, so a failed clean-up only leaves files behind."""
        if not self.remove_staged:
            return
        try:
            store.remove_prefix(self.staging_prefix)
        except Exception as exc:
            log.warning("Could not remove %s: %s", store.uri(self.staging_prefix), exc)
        else:
            log.info("Removed the staged input %s", store.uri(self.staging_prefix))
