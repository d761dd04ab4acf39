"""Pipeline-level checks of EMR steps: their cluster, CQL files, scripts and output nodes.

Called by the pipeline reader with its drafts and its ``error(message, key_path, key)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from airflow_dataduct.errors import ClusterError, DefinitionError
from airflow_dataduct.model.config import DataductConfig, EmrConfig
from airflow_dataduct.model.cql import CqlTable, parse_cql_file
from airflow_dataduct.model.emr import EmrCluster, EmrClusterConfig, resolve_cluster
from airflow_dataduct.model.steps.emr import EMR_STEP_TYPES

CLUSTER_TASKS = ("create_emr_cluster", "terminate_emr_cluster")
"""Task ids of the shared cluster's setup and teardown; no step may take them."""

ErrorFn = Callable[..., None]
_CONFIG_NEEDS = {
    "aegisthus": ("aegisthus_jar", "cassandra_backup_location"),
    "scalding": ("scalding_jar",),
}


class _Draft(Protocol):
    name: str
    step_type: str
    params: Any
    at: tuple[Any, ...]
    cql_tables: dict[str, CqlTable]


def load_cql_tables(draft: _Draft, config: DataductConfig, error: ErrorFn) -> None:
    """Parse the step's CQL files and check that its local scripts exist."""
    for key in getattr(draft.params, "cql_keys", ()):
        relative = getattr(draft.params, key)
        at = (*draft.at, key)
        try:
            path = config.resource(relative)
            draft.cql_tables[key] = parse_cql_file(path)
        except FileNotFoundError:
            error(f"{key}: CQL file '{relative}' not found ({path})", at, key)
        except (DefinitionError, UnicodeDecodeError) as exc:
            error(f"{key}: CQL file '{relative}' does not parse: {exc}", at, key)
    for key in getattr(draft.params, "script_keys", ()):
        relative = getattr(draft.params, key)
        if relative and not relative.startswith("s3://"):
            try:
                path = config.resource(relative)
            except ValueError as exc:
                error(f"{key}: {exc}", (*draft.at, key), key)
                continue
            if not path.is_file():
                error(f"{key}: script '{relative}' not found ({path})", (*draft.at, key), key)


def check_emr(
    keys: EmrClusterConfig | None,
    drafts: Sequence[_Draft],
    config: DataductConfig,
    error: ErrorFn,
) -> EmrCluster | None:
    """The pipeline's shared cluster when it has EMR steps; errors for what they lack."""
    emr_steps = [d for d in drafts if d.step_type in EMR_STEP_TYPES]
    if not emr_steps:
        return None
    check_emr_inputs(drafts, config, error)
    if keys is None and config.emr is None:
        for draft in emr_steps:
            error(
                f"{draft.step_type} step '{draft.name}' needs an EMR cluster: add "
                f"emr_cluster_config to the pipeline or an 'emr' section to {config.path}",
                (*draft.at, "step_type"),
                "emr_cluster_config",
            )
        return None
    defaults = config.emr or EmrConfig()
    _check_step_config(emr_steps, config, defaults, error)
    for draft in drafts:
        if draft.name in CLUSTER_TASKS:
            error(f"step name '{draft.name}' is reserved for the EMR cluster", draft.at, "name")
    try:
        return resolve_cluster(keys, defaults)
    except ClusterError as exc:
        error(f"emr_cluster_config: {exc}", ("emr_cluster_config", exc.key), exc.key)
        return None


def _producer(source: str, drafts: Sequence[_Draft]) -> _Draft | None:
    """The step writing ``source``: a step name or one of its ``output_node`` names."""
    for draft in drafts:
        if draft.name == source or source in getattr(draft.params, "output_nodes", ()):
            return draft
    return None


def check_emr_inputs(drafts: Sequence[_Draft], config: DataductConfig, error: ErrorFn) -> None:
    """EMR steps read their input from S3: another EMR output, or an s3:// staging location."""
    s3_staging = config.staging_location().startswith("s3://")
    for draft in drafts:
        source = getattr(draft, "input_step", None)
        producer = _producer(source, drafts) if source else None
        if producer is None:
            continue
        at = (*draft.at, "input_node")
        from_emr = producer.step_type in EMR_STEP_TYPES
        if draft.step_type in EMR_STEP_TYPES and not from_emr and not s3_staging:
            error(
                f"{draft.step_type} step '{draft.name}' reads '{source}' from the staging "
                f"location, which EMR cannot reach: set an s3:// staging.location in {config.path}",
                at,
                "input_node",
            )


def _check_step_config(
    emr_steps: Sequence[_Draft], config: DataductConfig, defaults: EmrConfig, error: ErrorFn
) -> None:
    if config.emr_output_location() is None:
        first = emr_steps[0]
        error(
            f"EMR steps write to S3: set emr.output_location (or an s3:// staging.location) "
            f"in {config.path}",
            (*first.at, "step_type"),
            "output_location",
        )
    for draft in emr_steps:
        for key in _CONFIG_NEEDS.get(draft.step_type, ()):
            if getattr(defaults, key) is None:
                error(
                    f"{draft.step_type} step '{draft.name}' needs emr.{key} in {config.path}",
                    (*draft.at, "step_type"),
                    key,
                )
