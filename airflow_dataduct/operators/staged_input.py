"""Where a load step reads its input: one place for every kind of input a load can have.

* ``manifest``: an extract's or transform's committed output under the run's staging;
* ``hadoop``: an EMR job's part files (complete once its ``_SUCCESS`` marker exists);
* ``listing``: existing data named by the step's ``input_path`` (one object or a prefix, in
  Dataduct's TSV), read where it is.

Redshift COPY needs a COPY manifest: an extract writes one with its parts; for the other two
the load publishes one, listing the parts by full URI, under its ``staging_prefix``. Dataduct
TSV input (an ``input_path``, or ``extract-local``/``extract-s3``/``transform`` output) is
re-staged for Redshift as interchange parts read by this project's reader, and those are
copied (:func:`~airflow_dataduct.connections.warehouse.restaged_for_redshift`).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from airflow_dataduct.connections.warehouse import refuse_backslash_n, restaged_for_redshift
from airflow_dataduct.sql.copy import CopyOptions
from airflow_dataduct.staging.dataduct_tsv import FORMAT_NAME as DATADUCT_TSV
from airflow_dataduct.staging.locations import hadoop_output_manifest, listing_manifest, open_store
from airflow_dataduct.staging.manifest import COPY_MANIFEST, Manifest, path_safe
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.staging.writer import restage_dataduct_tsv

log = logging.getLogger(__name__)

INPUT_LAYOUTS = ("manifest", "hadoop", "listing")
RESTAGE_PART_SIZE = 64 << 20


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
    :param restage_prefix: where a Redshift load re-stages Dataduct TSV input as interchange
        parts (the load step's own folder under ``staging_location``); None (the default):
        ``staging_prefix`` for ``listing``, else ``<staging_prefix>/<task_id>``. Templated in
        the load operators.
    :param remove_restaged: after a successful load, delete the re-staged parts (not
        ``staging.retain``); default False: keep them.
    :param part_size: the re-staged parts' size in raw bytes (``staging.part_size_mb``);
        default 64 MB.
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
        restage_prefix: str | None = None,
        remove_restaged: bool = False,
        part_size: int = RESTAGE_PART_SIZE,
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
        self.restage_prefix = restage_prefix
        self.remove_restaged = remove_restaged
        self.part_size = part_size
        self.restaged = False
        """Set by :meth:`redshift_input` when this run re-staged its input."""

    @property
    def restage_location(self) -> str:
        """Where Dataduct TSV input is re-staged for Redshift (see ``restage_prefix``)."""
        if self.restage_prefix:
            return self.restage_prefix
        if self.input_layout == "listing":
            return self.staging_prefix
        return f"{self.staging_prefix}/{path_safe(self.task_id)}"  # type: ignore[attr-defined]

    @property
    def copy_manifest_uri(self) -> str:
        """The COPY manifest a Redshift load reads (for display before the task runs; an
        ``input_path`` is re-staged under ``restage_location``)."""
        prefix = self.restage_location if self.input_layout == "listing" else self.staging_prefix
        return f"{self.staging_location}/{prefix}/{COPY_MANIFEST}"

    def shown_copy_options(self, options: CopyOptions | None) -> CopyOptions:
        """The COPY options shown in the rendered SQL before the task runs: an ``input_path``
        is re-staged in the interchange format, unless read as it is (``--no_escape``: Dataduct
        TSV, NULL as ``NULL``); compression is settled by the files then."""
        options = options or CopyOptions()
        listing = Manifest("", (), -1, format=DATADUCT_TSV)
        read_as_is = self.input_layout == "listing" and not restaged_for_redshift(listing, options)
        if read_as_is and options.command_options is None:
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

    def redshift_input(
        self, store: StagingStore, manifest: Manifest, options: CopyOptions | None
    ) -> Manifest:
        """The input a Redshift COPY reads, ready before any SQL runs: Dataduct TSV re-staged
        as interchange parts (:func:`~airflow_dataduct.connections.warehouse.
        restaged_for_redshift`), else the COPY manifest written when no extract wrote one (EMR
        output, an ``input_path`` read as it is). Raises
        :class:`~airflow_dataduct.errors.RedshiftCannotLoad` when a staged value is the text
        ``\\N``, which Redshift would load as NULL."""
        if restaged_for_redshift(manifest, options):
            where = self.input_uri or store.uri(manifest.prefix)
            manifest = restage_dataduct_tsv(store, manifest, self.restage_location, self.part_size)
            self.restaged = True
            log.info(
                "Re-staged %s for Redshift: %s rows in %s part(s) at %s",
                where,
                f"{manifest.rows:,}",
                len(manifest.parts),
                store.uri(manifest.prefix),
            )
        elif self.input_layout != "manifest":
            if self.input_layout == "listing" and not (self.input_uri or "").startswith("s3://"):
                raise ValueError(
                    f"Redshift reads from S3; input_path {self.input_uri} is not on S3"
                )
            store.publish_manifest(manifest)
        refuse_backslash_n(manifest, store.uri(manifest.prefix))
        return manifest

    def finish_input(self, store: StagingStore) -> None:
        """After the commit, delete the staged input if asked (``staging.retain: false``). Best
        effort: the rows are committed, so a failed clean-up only leaves files behind."""
        if self.remove_staged:
            _remove(store, self.staging_prefix, "the staged input")
        restaged = self.restage_location
        removed = self.remove_staged and restaged == self.staging_prefix
        if self.restaged and self.remove_restaged and not removed:
            _remove(store, restaged, "the re-staged input")


def _remove(store: StagingStore, prefix: str, what: str) -> None:
    """Delete ``prefix``; a failure is only logged (the rows are committed)."""
    try:
        store.remove_prefix(prefix)
    except Exception as exc:
        log.warning("Could not remove %s: %s", store.uri(prefix), exc)
    else:
        log.info("Removed %s %s", what, store.uri(prefix))
