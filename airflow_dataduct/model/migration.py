"""Dataduct's ``dataduct.cfg`` (docs/migrating.md) as a ``dataduct.yaml`` and Airflow connections.

Pure data in, data out: :func:`migrate` maps every section the config can carry over to the
keys of :mod:`airflow_dataduct.model.config`, puts every credential into a connection (for
``airflow connections import``) and lists, key by key, what has no meaning on Airflow. A mode
(a top-level key holding sections, Dataduct's ``-m``) becomes one of ``modes``; a connection a
mode changes becomes a connection of its own, ``<conn_id>_<mode>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_dataduct.model.config import DataductConfig, EmrConfig, merge_mode
from airflow_dataduct.model.emr import HADOOP2_RELEASE, HADOOP3_RELEASE
from airflow_dataduct.model.schedule import parse_duration

SECTIONS = (
    "etl",
    "ec2",
    "emr",
    "redshift",
    "mysql",
    "postgres",
    "database",
    "bootstrap",
    "teardown",
    "custom_steps",
    "logging",
)
"""The sections of ``dataduct.cfg``; any other top-level mapping is a mode."""

PLACEHOLDER = "FILL_ME_IN"
"""Dataduct's example config marks every value to fill in so: it is treated as unset."""

WAREHOUSE_CONN = "dataduct_warehouse"
POSTGRES_CONN = "dataduct_postgres"
AWS_CONN = "dataduct_aws"
MYSQL_PORT = 3306
REDSHIFT_PORT = 5439

_EC2_RESOURCE = "tasks run on Airflow workers, not on a Data Pipeline EC2 resource"
_DROPPED = {
    "etl.ROLE": "AWS Data Pipeline's role; tasks use their AWS connection (or worker role)",
    "etl.RESOURCE_ROLE": "AWS Data Pipeline's resource role; tasks use their AWS connection",
    "etl.DP_INSTANCE_LOG_PATH": "Airflow keeps every task instance in its metadata database",
    "etl.DP_PIPELINE_LOG_PATH": "Airflow keeps every DAG run in its metadata database",
    "etl.HOOKS_BASE_PATH": "Dataduct's activate/connect hooks have no equivalent: use Airflow "
    "listeners or connection settings",
    "etl.CONNECTION_RETRIES": "a failed connection fails the try; task retries "
    "(defaults.retries) try again",
    "ec2.INSTANCE_TYPE": _EC2_RESOURCE,
    "ec2.ETL_AMI": _EC2_RESOURCE,
    "ec2.SECURITY_GROUP": _EC2_RESOURCE,
    "ec2.SECURITY_GROUP_ID": _EC2_RESOURCE,
    "ec2.SUBNET_ID": _EC2_RESOURCE,
    "emr.WORKER_GROUP": "every run creates (and ends) its own EMR cluster",
    "postgres.RDS_INSTANCE_ID": "kept in the connection's description: set its host",
    "postgres.REGION": "kept in the connection's description: set its host",
}
_LOGGING = "Airflow's [logging] settings govern task logs"


@dataclass
class Migration:
    """The result: ``dataduct.yaml``'s content, the connections, and what was left behind."""

    config: dict[str, Any]
    """The content of ``dataduct.yaml``: no secret, hosts mapped to connection ids."""
    connections: dict[str, dict[str, Any]]
    """``airflow connections import`` JSON: conn_id -> conn_type, host, login, password, ..."""
    dropped: list[tuple[str, str]] = field(default_factory=list)
    """(``section.KEY``, why it has no meaning on Airflow), in file order."""
    todo: list[str] = field(default_factory=list)
    """What to finish by hand (never a secret)."""


def _set(value: Any) -> bool:
    return value is not None and value != PLACEHOLDER and value != ""


def _slug(alias: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", str(alias).lower()).strip("_") or "host"


class _Converter:
    """One config (the base, or the base with a mode merged in) converted."""

    def __init__(self, cfg: Mapping[str, Any], renames: Mapping[str, str] | None = None) -> None:
        self.cfg = cfg
        self.renames = renames or {}
        self.config: dict[str, Any] = {}
        self.connections: dict[str, dict[str, Any]] = {}
        self.dropped: list[tuple[str, str]] = []
        self.todo: list[str] = []

    def section(self, name: str) -> dict[str, Any]:
        value = self.cfg.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.dropped.append((name, "expected a mapping of keys; not carried over"))
            return {}
        return value

    def put(self, section: str, key: str, value: Any) -> None:
        self.config.setdefault(section, {})[key] = value

    def drop(self, key: str, why: str) -> None:
        self.dropped.append((key, why))

    def connection(self, conn_id: str, **values: Any) -> str:
        conn_id = self.renames.get(conn_id, conn_id)
        extra = values.pop("extra", None)
        entry = {k: v for k, v in values.items() if _set(v)}
        if extra:
            entry["extra"] = json.dumps(extra, sort_keys=True)
        self.connections[conn_id] = entry
        return conn_id

    def run(self) -> _Converter:
        self.redshift()
        self.mysql()
        self.postgres()
        self.etl()
        self.ec2()
        self.emr()
        for name in ("database", "bootstrap", "teardown", "custom_steps"):
            self.verbatim(name)
        for key in self.section("logging"):
            self.drop(f"logging.{key}", _LOGGING)
        return self

    # -- databases: every credential goes into a connection ---------------------------------

    def redshift(self) -> None:
        rs = self.section("redshift")
        if not rs:
            return
        host, port, database = rs.get("HOST"), rs.get("PORT"), rs.get("DATABASE_NAME")
        jdbc = re.match(
            r"^jdbc:redshift://([^:/]+)(?::(\d+))?/(\w+)", str(rs.get("CONNECTION_STRING", ""))
        )
        if jdbc and not _set(host):
            host, port, database = jdbc.group(1), port or jdbc.group(2), database or jdbc.group(3)
        cluster = rs.get("CLUSTER_ID")
        conn_id = self.connection(
            WAREHOUSE_CONN,
            conn_type="redshift",
            host=host,
            port=_int(port, REDSHIFT_PORT),
            schema=database,
            login=rs.get("USERNAME"),
            password=rs.get("PASSWORD"),
            extra={"cluster_identifier": cluster} if _set(cluster) else None,
            description="Dataduct's redshift section",
        )
        self.put("warehouse", "conn_id", conn_id)
        known = {"HOST", "PORT", "DATABASE_NAME", "USERNAME", "PASSWORD", "CONNECTION_STRING"}
        self.unknown("redshift", rs, known | {"CLUSTER_ID"})
        if not _set(host):
            self.todo.append(f"connection {conn_id}: set the Redshift host")

    def mysql(self) -> None:
        hosts: dict[str, str] = {}
        taken: set[str] = set()
        for alias, entry in self.section("mysql").items():
            if not isinstance(entry, dict):
                self.drop(f"mysql.{alias}", "expected {HOST, USERNAME, PASSWORD}; not carried over")
                continue
            base = f"dataduct_{_slug(alias)}"
            conn_id, n = base, 2
            while conn_id in taken:
                conn_id, n = f"{base}_{n}", n + 1
            taken.add(conn_id)
            hosts[str(alias)] = self.connection(
                conn_id,
                conn_type="mysql",
                host=entry.get("HOST"),
                port=_int(entry.get("PORT"), MYSQL_PORT),
                # Dataduct's QA steps connected to the database named like the alias.
                schema=str(alias),
                login=entry.get("USERNAME"),
                password=entry.get("PASSWORD"),
                description=f"Dataduct mysql host alias '{alias}'",
            )
            self.unknown(f"mysql.{alias}", entry, {"HOST", "PORT", "USERNAME", "PASSWORD"})
        if hosts:
            self.config["hosts"] = hosts

    def postgres(self) -> None:
        pg = self.section("postgres")
        if not pg:
            return
        instance, region = pg.get("RDS_INSTANCE_ID"), pg.get("REGION")
        where = f"RDS instance '{instance}' in {region}" if _set(instance) else "an RDS instance"
        conn_id = self.connection(
            POSTGRES_CONN,
            conn_type="postgres",
            host=pg.get("HOST"),
            port=_int(pg.get("PORT"), None),
            schema=pg.get("DATABASE_NAME"),
            login=pg.get("USERNAME"),
            password=pg.get("PASSWORD"),
            description=f"Dataduct's postgres section: {where}",
        )
        self.put("postgres", "conn_id", conn_id)
        if not _set(pg.get("HOST")):
            self.todo.append(f"connection {conn_id}: set the host (the endpoint of {where})")
        for key in ("RDS_INSTANCE_ID", "REGION"):
            if key in pg:
                self.drop(f"postgres.{key}", _DROPPED[f"postgres.{key}"])
        known = {"HOST", "PORT", "DATABASE_NAME", "USERNAME", "PASSWORD", "RDS_INSTANCE_ID"}
        self.unknown("postgres", pg, known | {"REGION"})

    # -- etl: defaults, staging, alerts, QA, paths -----------------------------------------

    def etl(self) -> None:
        etl = self.section("etl")
        self.s3_locations(etl)
        simple = {
            "MAX_RETRIES": ("defaults", "retries"),
            "MAX_ACTIVE_INSTANCES": ("defaults", "max_active_runs"),
            "NAME_PREFIX": ("defaults", "name_prefix"),
            "FREQUENCY_OVERRIDE": ("defaults", "frequency_override"),
            "DEPENDENCY_OVERRIDE": ("defaults", "dependency_override"),
            "SNS_TOPIC_ARN_FAILURE": ("sns", "failure_topic_arn"),
            "SNS_TOPIC_ARN_WARNING": ("sns", "warning_topic_arn"),
            "DP_QA_TESTS_LOG_PATH": ("qa", "log_path"),
            "RESOURCE_BASE_PATH": ("", "resource_base_path"),
            "CUSTOM_STEPS_PATH": ("", "custom_steps_path"),
        }
        for key, value in etl.items():
            if key not in simple:
                self.etl_key(key, value)
            elif _set(value):
                section, name = simple[key]
                if section:
                    self.put(section, name, value)
                else:
                    self.config[name] = value
        if _set(etl.get("SNS_TOPIC_ARN_WARNING")):
            # Dataduct: with a warning topic, a failed QA check alerts and the run goes on.
            self.put("qa", "on_failure", "warn")

    def etl_key(self, key: str, value: Any) -> None:
        """The etl keys that need more than a copy."""
        if f"etl.{key}" in _DROPPED:
            self.drop(f"etl.{key}", _DROPPED[f"etl.{key}"])
        elif key == "RETRY_DELAY" and _set(value):
            try:
                minutes = parse_duration(value).total_seconds() / 60
            except ValueError as exc:
                self.drop("etl.RETRY_DELAY", f"not carried over: {exc}")
                return
            self.put(
                "defaults", "retry_delay_minutes", int(minutes) if minutes.is_integer() else minutes
            )
        elif key == "DAILY_LOAD_TIME" and _set(value):
            self.put("defaults", "load_time", f"{int(value):02d}:00")
        elif key == "TAGS" and isinstance(value, dict):
            self.put("defaults", "dp_tags", value)
        elif key == "REGION" and _set(value):
            conn_id = self.connection(
                AWS_CONN,
                conn_type="aws",
                extra={"region_name": value},
                description="Dataduct's etl.REGION; credentials from the default chain",
            )
            for section in ("staging", "sns"):
                self.put(section, "aws_conn_id", conn_id)
        elif key == "KEY_PAIR" and _set(value) and not self.section("emr"):
            self.drop("etl.KEY_PAIR", "only EMR clusters use it, and there is no emr section")
        elif key not in _ETL_KEYS:
            self.drop(f"etl.{key}", "not a key Dataduct reads; not carried over")

    def s3_locations(self, etl: Mapping[str, Any]) -> None:
        bucket, base = etl.get("S3_ETL_BUCKET"), etl.get("S3_BASE_PATH") or ""
        if _set(base):
            self.config["s3_base_path"] = base
        if not _set(bucket):
            self.todo.append("staging.location: Dataduct's S3_ETL_BUCKET is not set; set it")
            return
        root = "/".join(p.strip("/") for p in (f"s3://{bucket}", base) if p)
        self.put("staging", "location", f"{root}/data")
        self.put("qa", "log_location", f"{root}/{etl.get('QA_LOG_PATH') or 'qa'}")
        if self.section("emr"):
            self.put("emr", "log_uri", f"{root}/logs")
            self.put("emr", "output_location", f"{root}/emr")

    # -- resources ------------------------------------------------------------------------

    def ec2(self) -> None:
        for key, value in self.section("ec2").items():
            if key == "WORKER_GROUP" and _set(value):
                self.put("defaults", "queue", value)
            elif f"ec2.{key}" in _DROPPED:
                self.drop(f"ec2.{key}", _DROPPED[f"ec2.{key}"])
            else:
                self.drop(f"ec2.{key}", "not a key Dataduct reads; not carried over")

    def emr(self) -> None:
        emr = self.section("emr")
        if not emr:
            return
        simple = {
            "MASTER_INSTANCE_TYPE": "master_instance_type",
            "CORE_INSTANCE_TYPE": "core_instance_type",
            "NUM_CORE_INSTANCES": "num_core_instances",
            "TASK_INSTANCE_TYPE": "task_instance_type",
            "CLUSTER_TIMEOUT": "cluster_timeout",
            "DEFAULT_BOOTSTRAP": "default_bootstrap",
        }
        applications = ["Hadoop"]
        for key, value in emr.items():
            if key in simple and _set(value):
                self.put("emr", simple[key], value)
            elif key == "TASK_INSTANCE_BID_PRICE" and _set(value):
                self.put("emr", "task_bid_price", str(value))
            elif key in ("HIVE_VERSION", "PIG_VERSION") and _set(value):
                applications.append(key.split("_")[0].title())
            elif key in ("CLUSTER_AMI", "HADOOP_VERSION") and _set(value):
                self.put("emr", "release_label", _release(emr))
            elif f"emr.{key}" in _DROPPED:
                self.drop(f"emr.{key}", _DROPPED[f"emr.{key}"])
            elif key not in (
                *simple,
                "TASK_INSTANCE_BID_PRICE",
                "HIVE_VERSION",
                "PIG_VERSION",
                "CLUSTER_AMI",
                "HADOOP_VERSION",
            ):
                self.drop(f"emr.{key}", "not a key Dataduct reads; not carried over")
        self.put("emr", "applications", applications)
        key_pair = self.section("etl").get("KEY_PAIR")
        if _set(key_pair):
            self.put("emr", "key_pair", key_pair)
        if "aws_conn_id" in self.config.get("staging", {}):
            self.put("emr", "aws_conn_id", self.config["staging"]["aws_conn_id"])

    def verbatim(self, name: str) -> None:
        value = self.cfg.get(name)
        if value is None:
            return
        if name == "custom_steps" and isinstance(value, list):
            keys = ("step_type", "file_path", "class_name")
            value = [{k: e[k] for k in keys if k in e} if isinstance(e, dict) else e for e in value]
        self.config[name] = value

    def unknown(self, where: str, section: Mapping[str, Any], known: set[str]) -> None:
        for key in section:
            if key not in known:
                self.drop(f"{where}.{key}", "not a key Dataduct reads; not carried over")


_ETL_KEYS = {
    "S3_ETL_BUCKET", "S3_BASE_PATH", "QA_LOG_PATH", "MAX_RETRIES", "MAX_ACTIVE_INSTANCES",
    "NAME_PREFIX", "FREQUENCY_OVERRIDE", "DEPENDENCY_OVERRIDE", "SNS_TOPIC_ARN_FAILURE",
    "SNS_TOPIC_ARN_WARNING", "DP_QA_TESTS_LOG_PATH", "RESOURCE_BASE_PATH", "CUSTOM_STEPS_PATH",
    "RETRY_DELAY", "DAILY_LOAD_TIME", "TAGS", "REGION", "KEY_PAIR",
}  # fmt: skip


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value) if _set(value) else default
    except (TypeError, ValueError):
        return default


def _release(emr: Mapping[str, Any]) -> str:
    """The EMR release of Dataduct's ``CLUSTER_AMI``/``HADOOP_VERSION`` (AMI 1-3: Hadoop 2)."""
    ami, hadoop = str(emr.get("CLUSTER_AMI") or ""), str(emr.get("HADOOP_VERSION") or "")
    if _set(ami) and ami.split(".")[0] in ("1", "2", "3"):
        return HADOOP2_RELEASE
    if hadoop.startswith("3"):
        return HADOOP3_RELEASE
    return HADOOP2_RELEASE if _set(hadoop) or _set(ami) else EmrConfig().release_label


ORDER = (
    "warehouse", "hosts", "postgres", "staging", "s3_base_path", "resource_base_path",
    "custom_steps_path", "defaults", "sns", "qa", "database", "emr", "bootstrap", "teardown",
    "custom_steps",
)  # fmt: skip
"""Key order of the written ``dataduct.yaml``."""


def _ordered(config: dict[str, Any]) -> dict[str, Any]:
    rank = {k: i for i, k in enumerate(ORDER)}
    return dict(sorted(config.items(), key=lambda kv: rank.get(kv[0], len(ORDER))))


def _defaults(section: str) -> dict[str, Any]:
    """The model's defaults of one section, to undo in a mode a key the base sets."""
    if section == "emr":
        return EmrConfig().model_dump(mode="json")
    value = DataductConfig().model_dump(mode="json").get(section)
    return value if isinstance(value, dict) else {}


def _mode_difference(base: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    """What to write under ``modes.<name>`` so that :func:`merge_mode` of ``base`` gives
    ``merged``: changed sections key by key, other changed values whole."""
    overrides: dict[str, Any] = {}
    for key in [*merged, *(k for k in base if k not in merged)]:
        old, new = base.get(key), merged.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            changed = {k: v for k, v in new.items() if old.get(k, _MISSING) != v}
            defaults = _defaults(key)
            changed |= {k: defaults.get(k) for k in old if k not in new and k in defaults}
            overrides[key] = changed
        elif key in merged:
            overrides[key] = new
        else:
            overrides[key] = DataductConfig().model_dump(mode="json").get(key)
    return overrides


_MISSING = object()


def migrate(cfg: Mapping[str, Any]) -> Migration:
    """``dataduct.cfg`` (parsed) as a :class:`Migration`."""
    sections = {k: v for k, v in cfg.items() if k in SECTIONS}
    base = _Converter(sections).run()
    result = Migration(_ordered(base.config), dict(base.connections), base.dropped, base.todo)
    modes: dict[str, Any] = {}
    for name, overrides in cfg.items():
        if name in SECTIONS:
            continue
        if not isinstance(overrides, dict):
            result.dropped.append((str(name), "not a Dataduct section or mode; not carried over"))
            continue
        merged = merge_mode(sections, {k: v for k, v in overrides.items() if k in SECTIONS})
        for key in overrides:
            if key not in SECTIONS:
                result.dropped.append((f"{name}.{key}", "not a Dataduct section"))
        first = _Converter(merged).run()
        suffix = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name))
        renames = {
            c: f"{c}_{suffix}" for c, v in first.connections.items() if base.connections.get(c) != v
        }
        mode = _Converter(merged, renames).run()
        modes[str(name)] = _mode_difference(base.config, mode.config)
        for conn_id, connection in mode.connections.items():
            result.connections.setdefault(conn_id, connection)
        known = set(base.dropped)
        result.dropped += [
            (f"{name}: {k}", why) for k, why in mode.dropped if (k, why) not in known
        ]
        result.todo += [f"{name}: {t}" for t in mode.todo if t not in base.todo]
    if modes:
        result.config["modes"] = modes
    dropped = {key for key, _ in result.dropped}
    result.todo += [
        f"{key}: {PLACEHOLDER} in dataduct.cfg, not carried over"
        for key in _unfilled(cfg)
        if key not in dropped
    ]
    return result


def _unfilled(value: Any, at: str = "") -> list[str]:
    """The keys whose value is Dataduct's placeholder."""
    if isinstance(value, dict):
        return [
            k for key, v in value.items() for k in _unfilled(v, f"{at}.{key}" if at else str(key))
        ]
    return [at] if value == PLACEHOLDER else []
