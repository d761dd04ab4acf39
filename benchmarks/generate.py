"""Generated inputs for the parse benchmark: one team's definitions folder, built three ways.

The corpus (``corpus(count)``, seeded, so every run and machine gets the same files) looks like
a real team's ``dag_definitions/``: per pipeline 2-4 tables and 10-20 steps of every common step
type (extract-rds, extract-s3, transform, create-load-redshift, upsert, reload, delta-load, the
three checks, sql-command, pipeline-dependencies), YAML anchors (a ``variables:`` block merged
into steps), table files per pipeline (``tables/<domain>/``) and shared ones
(``tables/shared/``, written by several pipelines), SQL scripts, transform scripts, and one EMR
pipeline in 25 (aegisthus, scalding or emr-streaming, emr-step) with its CQL files.

It is written three ways, from the same plan of tasks:

* Dataduct YAML for this project's loader (``write_dataduct``);
* plain Python (``write_plain_python``): the same DAGs hand-written with Airflow's own operators
  (same task ids, edges, schedules, retries, failure callbacks and outlets);
* dag-factory 1.1 YAML (``write_dag_factory``) building the same tasks and edges (and the same
  schedules, retries, callbacks and outlets; EMR task groups become plain tasks with the same
  dotted ids, as dag-factory keys a task by its id).

``benchmarks.shape`` checks that the three agree, DAG by DAG.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 16
"""The corpus seed: change it only with the figures in BENCHMARKS.md."""

TABLE = """CREATE TABLE {schema}.{name} (
    id          BIGINT       NOT NULL ENCODE az64,
    account_id  BIGINT       ENCODE az64,
    label       VARCHAR(256) ENCODE zstd,
    amount      DECIMAL(12,2),
    updated_at  TIMESTAMP,
    PRIMARY KEY (id)
)
DISTKEY (id)
SORTKEY (updated_at);
"""
"""A table file of the upsert and check benchmarks (``benchmarks.__main__``)."""

WAREHOUSE = "bench_warehouse"
SOURCE_CONN = "bench_source"
AWS_CONN = "aws_default"
STAGING_BUCKET = "acme-dataduct-staging"
STAGING_LOCATION = f"s3://{STAGING_BUCKET}/etl"
EMR_OUTPUT = "s3://acme-dataduct-emr/runs"
FAILURE_TOPIC = "arn:aws:sns:us-east-1:123456789012:dataduct-failures"
RETRY_DELAY_MINUTES = 10
DEFAULT_RETRIES = 1
START = (2026, 1, 1)
CONFIG_TAGS = ["team-data"]
QA_SOURCE_HOSTS = ("maestro", "billing", "crm", "events")

DOMAINS = {
    "sales": "maestro",
    "billing": "billing",
    "crm": "crm",
    "marketing": "crm",
    "support": "maestro",
    "product": "events",
    "finance": "billing",
    "logistics": "maestro",
}
"""Each domain's source host alias (``hosts`` in dataduct.yaml)."""

ENTITIES = (
    "orders",
    "customers",
    "invoices",
    "payments",
    "tickets",
    "sessions",
    "accounts",
    "shipments",
    "refunds",
    "subscriptions",
    "leads",
    "campaigns",
    "products",
    "inventory",
    "contracts",
    "returns",
)

SHARED_DIMS = tuple(
    f"dim_{name}"
    for name in (
        "accounts",
        "customers",
        "products",
        "regions",
        "currencies",
        "channels",
        "plans",
        "vendors",
        "warehouses",
        "employees",
        "campaigns",
        "countries",
    )
)
"""Shared production tables (``tables/shared/``), each upserted by several pipelines."""

COLUMN_POOL = (
    ("account_id", "BIGINT", "az64"),
    ("customer_id", "BIGINT", "az64"),
    ("status", "VARCHAR(32)", "zstd"),
    ("amount", "DECIMAL(12,2)", None),
    ("currency", "CHAR(3)", "zstd"),
    ("quantity", "INTEGER", "az64"),
    ("created_at", "TIMESTAMP", "az64"),
    ("email", "VARCHAR(256)", "zstd"),
    ("country_code", "CHAR(2)", "zstd"),
    ("is_active", "BOOLEAN", None),
    ("score", "DOUBLE PRECISION", None),
    ("notes", "VARCHAR(1024)", "zstd"),
    ("region", "VARCHAR(64)", "zstd"),
    ("event_date", "DATE", "az64"),
    ("source_system", "VARCHAR(32)", "zstd"),
)

FREQUENCIES = (
    ("daily", 60),
    ("hourly", 8),
    ("6-hours", 8),
    ("12-hours", 4),
    ("3-hours", 4),
    ("weekly", 8),
    ("2-days", 3),
    ("one-time", 5),
)
"""Dataduct frequencies and how often a team uses them."""
PERIOD_HOURS = {
    "hourly": 1,
    "3-hours": 3,
    "6-hours": 6,
    "12-hours": 12,
    "daily": 24,
    "2-days": 48,
    "weekly": 168,
}
LOAD_TIMES = ("01:00", "02:00", "02:30", "03:00", "04:15", "06:00")

EMR_EVERY = 25
"""One pipeline in 25 is an EMR pipeline (the 4th, 29th, ...: one in a 5-pipeline corpus)."""
CQL_TABLES = (
    ("vote", "vote_kvs_timestamp"),
    ("courses", "enrollments"),
    ("events", "clicks_by_day"),
    ("forums", "posts"),
    ("grades", "submissions"),
)

STEP_TYPES = (
    "extract-rds",
    "extract-s3",
    "transform",
    "create-load-redshift",
    "upsert",
    "reload",
    "delta-load",
    "sql-command",
    "primary-key-check",
    "count-check",
    "column-check",
    "pipeline-dependencies",
)
"""The common step types issue #16 lists; every corpus of 5 pipelines or more has them all."""


# --- the plan: pipelines, steps, tables -------------------------------------------------------


@dataclass(frozen=True)
class Alias:
    """A YAML alias (``*anchor``) of a value in the pipeline's ``variables:`` block."""

    anchor: str


@dataclass(frozen=True)
class TableFile:
    """One table definition file of the folder."""

    path: str
    """Relative to the definitions folder."""
    schema: str
    name: str
    columns: tuple[tuple[str, str, str | None], ...]

    @property
    def full_name(self) -> str:
        return f"{self.schema}.{self.name}"

    def sql(self, comment: str) -> str:
        width = max(len(c[0]) for c in self.columns) + 2
        lines = [f"-- {comment}", f"CREATE TABLE {self.full_name} ("]
        for column, kind, encode in self.columns:
            null = " NOT NULL" if column == "id" else ""
            encoding = f" ENCODE {encode}" if encode else ""
            lines.append(f"    {column.ljust(width)}{kind}{null}{encoding},")
        lines += ["    PRIMARY KEY (id)", ")", "DISTKEY (id)", "SORTKEY (updated_at);", ""]
        return "\n".join(lines)


@dataclass
class Step:
    """One Dataduct step, with what the baselines need to build the same task."""

    step_type: str
    name: str
    keys: dict[str, Any]
    """The step's keys after ``step_type`` (resolved values), in file order."""
    upstream: list[str] = field(default_factory=list)
    """Step names this step runs after, by Dataduct's rules (what the loader must derive)."""
    named: bool = True
    """False: the YAML leaves ``name`` out and the loader names it ``<ClassName><n>``."""
    merge: str | None = None
    """An anchor of ``variables:`` merged into the step (``<<: *anchor``)."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Keys written as an alias of an anchor (``host_name: *source_host``)."""
    outlets: list[str] = field(default_factory=list)
    """Warehouse tables the step writes (its task's asset outlets)."""
    info: dict[str, Any] = field(default_factory=dict)
    """Resolved values the baselines use (connections, table names, SQL)."""


@dataclass
class Pipeline:
    """One pipeline of the corpus."""

    index: int
    name: str
    domain: str
    frequency: str
    load_time: str
    description: str
    steps: list[Step]
    max_retries: int | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    """Anchors of the ``variables:`` block, by name."""
    emr_cluster: dict[str, Any] | None = None
    unquoted_load_time: bool = False
    """Write ``load_time: 02:30`` as Dataduct's examples do (YAML reads it as minutes)."""

    @property
    def retries(self) -> int:
        return self.max_retries if self.max_retries is not None else DEFAULT_RETRIES

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.load_time.split(":")
        return int(hour), int(minute)


@dataclass
class Corpus:
    """Every pipeline, and every other file of the definitions folder (path -> text)."""

    pipelines: list[Pipeline]
    files: dict[str, str]

    def pipeline(self, name: str) -> Pipeline:
        return next(p for p in self.pipelines if p.name == name)


def pipeline_name(index: int, seed: int = SEED) -> str:
    """``<domain>_<main table>_<index>``: unique, and known before the pipeline is planned (a
    pipeline-dependencies step names the one before it)."""
    rng = random.Random(f"{seed}:name:{index}")
    domain = list(DOMAINS)[index % len(DOMAINS)]
    if index % EMR_EVERY == 3:
        return f"{domain}_{CQL_TABLES[(index // EMR_EVERY) % len(CQL_TABLES)][1]}_{index:04d}"
    return f"{domain}_{rng.choice(ENTITIES)}_{index:04d}"


def _columns(rng: random.Random) -> tuple[tuple[str, str, str | None], ...]:
    chosen = sorted(rng.sample(range(len(COLUMN_POOL)), rng.randint(3, 10)))
    return (
        ("id", "BIGINT", "az64"),
        *(COLUMN_POOL[i] for i in chosen),
        ("updated_at", "TIMESTAMP", "az64"),
    )


def _shared_tables(seed: int) -> dict[str, TableFile]:
    rng = random.Random(f"{seed}:shared")
    return {
        dim: TableFile(f"tables/shared/prod.{dim}.sql", "prod", dim, _columns(rng))
        for dim in SHARED_DIMS
    }


class _Plan:
    """Builds one pipeline's steps, naming unnamed steps as the loader will."""

    def __init__(self, index: int, seed: int, files: dict[str, str]) -> None:
        self.index = index
        self.rng = random.Random(f"{seed}:{index}")
        self.seed = seed
        self.files = files
        self.name = pipeline_name(index, seed)
        self.domain = list(DOMAINS)[index % len(DOMAINS)]
        self.host = DOMAINS[self.domain]
        self.steps: list[Step] = []
        self.counts: dict[str, int] = {}

    def add(self, step: Step) -> Step:
        if not step.named:
            class_name = {
                "primary-key-check": "PrimaryKeyCheckStep",
                "count-check": "CountCheckStep",
            }
            step.name = f"{class_name[step.step_type]}{self.counts.get(step.step_type, 0)}"
        self.counts[step.step_type] = self.counts.get(step.step_type, 0) + 1
        self.steps.append(step)
        return step

    def table(self, schema: str, name: str, columns: Any = None) -> TableFile:
        columns = columns or _columns(self.rng)
        table = TableFile(f"tables/{self.domain}/{schema}.{name}.sql", schema, name, columns)
        self.files[table.path] = table.sql(f"{schema} table of pipeline {self.name}")
        return table


def _frequency(rng: random.Random) -> str:
    names, weights = zip(*FREQUENCIES, strict=True)
    return rng.choices(names, weights)[0]


def _pipeline(
    index: int, seed: int, files: dict[str, str], shared: dict[str, TableFile]
) -> Pipeline:
    plan = _Plan(index, seed, files)
    rng = plan.rng
    if index % EMR_EVERY == 3:
        return _emr_pipeline(plan)
    entities = rng.sample([e for e in ENTITIES if not plan.name.endswith(f"_{e}_{index:04d}")], 3)
    entities.insert(0, plan.name.split("_")[1])
    n_tables = rng.choices((2, 3, 4), (4, 4, 2))[0]
    has_head = index % 3 == 1
    has_tail = index % 2 == 0
    first_rds = next(slot for slot in range(3) if (index + slot) % 3 != 2)
    slots = []
    for slot in range(n_tables):
        source = "extract-s3" if (index + slot) % 3 == 2 else "extract-rds"
        slots.append(
            {
                "entity": entities[slot],
                "source": source,
                "transform": (index % 5 == 1 and slot == 0) or rng.random() < 0.15,
                "forced_transform": index % 5 == 1 and slot == 0,
                "merge": ("upsert", "reload", "upsert", "delta-load")[(index + slot) % 4],
                "shared": SHARED_DIMS[(index // 4) % len(SHARED_DIMS)]
                if index % 4 == 0 and slot == 0
                else None,
                "count": source == "extract-rds" and rng.random() < 0.7,
                "column": source == "extract-rds"
                and ((index % 5 == 2 and slot == first_rds) or rng.random() < 0.2),
                "forced_column": index % 5 == 2 and slot == first_rds,
            }
        )
    _fit(slots, has_head, has_tail)
    named_checks = index % 2 == 0
    anchored = {"retry": index % 3 == 0, "count": index % 2 == 1}
    variables: dict[str, Any] = {"source_host": plan.host}
    if anchored["count"]:
        variables["count_check"] = {"source_host": plan.host, "tolerance": 1.0}
    if anchored["retry"]:
        variables["retry"] = {"max_retries": 3, "execution_timeout": "2 Hours"}
    head = None
    if has_head:
        head = plan.add(
            Step(
                "pipeline-dependencies",
                "wait_for_upstream",
                {
                    "name": "wait_for_upstream",
                    "dependent_pipelines": [pipeline_name(index - 1, seed)],
                    "refresh_rate": 300,
                    "timeout": 14400,
                },
                info={"dependency": pipeline_name(index - 1, seed)},
            )
        )
    merges = []
    for number, slot in enumerate(slots):
        merges.append(_table_steps(plan, number, slot, head, named_checks, anchored, shared))
    if has_tail:
        _tail(plan, merges)
    hour = plan.rng.choice(LOAD_TIMES)
    frequency = _frequency(rng)
    return Pipeline(
        index=index,
        name=plan.name,
        domain=plan.domain,
        frequency=frequency,
        load_time=hour,
        description=f"{plan.domain.title()} {entities[0]} and {len(slots) - 1} related tables "
        f"from {plan.host} into the warehouse.",
        steps=plan.steps,
        max_retries=2 if index % 5 == 4 else None,
        variables=variables,
        unquoted_load_time=index % 2 == 1,
    )


def _steps_of(slot: dict[str, Any]) -> int:
    return 4 + slot["transform"] + slot["count"] + slot["column"]


def _fit(slots: list[dict[str, Any]], head: bool, tail: bool) -> None:
    """Make the pipeline 10-20 steps: drop optional steps from the last tables, or add checks."""
    fixed = head + tail

    def total() -> int:
        return fixed + sum(_steps_of(s) for s in slots)

    for key in ("column", "transform", "count"):
        for slot in reversed(slots):
            if total() <= 20:
                return
            if slot[key] and not slot.get(f"forced_{key}"):
                slot[key] = False
    for key in ("count", "column"):
        for slot in slots:
            if total() >= 10:
                return
            if slot["source"] == "extract-rds" and not slot[key]:
                slot[key] = True
    if total() < 10:
        for slot in slots:
            if total() < 10 and not slot["transform"]:
                slot["transform"] = True


def _table_steps(
    plan: _Plan,
    number: int,
    slot: dict[str, Any],
    head: Step | None,
    named_checks: bool,
    anchored: dict[str, bool],
    shared: dict[str, TableFile],
) -> Step:
    """extract (+ transform) -> create-load-redshift -> upsert/reload/delta-load -> checks."""
    entity = slot["entity"]
    table_name = f"{plan.domain}_{entity}_{plan.index:04d}"
    dim = shared[slot["shared"]] if slot["shared"] else None
    prod = dim or plan.table("prod", table_name)
    staging = plan.table("staging", table_name, prod.columns)
    columns = [c[0] for c in prod.columns]
    head_edge = [head.name] if head else []
    extract_keys: dict[str, Any] = {"name": f"extract_{entity}"}
    if head:
        extract_keys["depends_on"] = head.name
    if slot["source"] == "extract-rds":
        if anchored["retry"] and number == 0:
            extract_keys.update(max_retries=3, execution_timeout="2 Hours")
        extract_keys["host_name"] = plan.host
        extract_keys["database"] = f"{plan.domain}_db"
        if plan.rng.random() < 0.25:
            extract_keys["table"] = entity
            query = f"SELECT * FROM {entity}"
        else:
            since = "#{format(minusDays(@scheduledStartTime,1),'YYYY-MM-dd')}"
            query = f"SELECT {', '.join(columns)}\nFROM {entity}\nWHERE updated_at >= '{since}'\n"
            extract_keys["sql"] = query
        extract = plan.add(
            Step(
                "extract-rds",
                f"extract_{entity}",
                extract_keys,
                list(head_edge),
                merge="retry" if anchored["retry"] and number == 0 else None,
                aliases={"host_name": "source_host"},
                info={
                    "query": query.replace(since, "{{ ds }}") if "sql" in extract_keys else query
                },
            )
        )
        if extract.merge:
            extract.info.update(retries=3, timeout_hours=2)
    else:
        prefix = f"s3://acme-landing/{plan.domain}/{entity}/"
        if plan.rng.random() < 0.35:
            extract_keys["file_uri"] = f"{prefix}latest.tsv.gz"
        else:
            extract_keys["directory_uri"] = prefix
        extract = plan.add(
            Step(
                "extract-s3",
                f"extract_{entity}",
                extract_keys,
                list(head_edge),
                info={"uri": extract_keys.get("file_uri") or prefix + "*"},
            )
        )
    previous = extract
    if slot["transform"]:
        keys: dict[str, Any] = {"name": f"clean_{entity}"}
        if plan.rng.random() < 0.4:
            script = f"scripts/clean_{plan.domain}.py"
            plan.files[script] = f'"""Cleans {plan.domain} extracts (benchmark stub)."""\n'
            keys["script"] = script
            keys["script_arguments"] = [f"--entity={entity}", "--drop-test-rows"]
            command = f"python3 {script} --entity={entity} --drop-test-rows"
        else:
            command = (
                f"python3 -m acme_etl.clean --entity {entity} "
                "--input $INPUT1_STAGING_DIR --output $OUTPUT1_STAGING_DIR"
            )
            keys["command"] = command
        previous = plan.add(
            Step("transform", keys["name"], keys, [extract.name], info={"command": command})
        )
    load = plan.add(
        Step(
            "create-load-redshift",
            f"load_{entity}",
            {"name": f"load_{entity}", "table_definition": staging.path},
            [previous.name],
            outlets=[staging.full_name],
            info={"table": staging},
        )
    )
    kind = "upsert" if dim else slot["merge"]
    merge_keys: dict[str, Any] = {
        "name": f"{kind.replace('-', '_')}_{entity}",
        "source": staging.path,
        "destination": prod.path,
    }
    if kind == "delta-load":
        merge_keys.update(date_column="updated_at", window=3)
    merge = plan.add(
        Step(
            kind,
            merge_keys["name"],
            merge_keys,
            [load.name],
            outlets=[prod.full_name],
            info={"source": staging, "destination": prod},
        )
    )
    pk_keys: dict[str, Any] = {"depends_on": merge.name, "table_definition": prod.path}
    if named_checks:
        pk_keys = {"name": f"pk_{entity}", **pk_keys}
    plan.add(
        Step(
            "primary-key-check",
            pk_keys.get("name", ""),
            pk_keys,
            [merge.name],
            named=named_checks,
            info={"table": prod},
        )
    )
    if slot["count"]:
        count_keys: dict[str, Any] = {"depends_on": merge.name}
        if named_checks:
            count_keys = {"name": f"count_{entity}", **count_keys}
        if anchored["count"]:
            count_keys.update(source_host=plan.host, tolerance=1.0)
        else:
            count_keys.update(source_host=plan.host, tolerance=2.0)
        if plan.rng.random() < 0.3:
            count_keys["source_table_name"] = entity
        else:
            count_keys["source_sql"] = f"SELECT id FROM {entity}"
        if plan.rng.random() < 0.5:
            count_keys["destination_table_definition"] = prod.path
        else:
            count_keys["destination_sql"] = f"SELECT id FROM {prod.full_name}"
        plan.add(
            Step(
                "count-check",
                count_keys.get("name", ""),
                count_keys,
                [merge.name],
                named=named_checks,
                merge="count_check" if anchored["count"] else None,
                info={"entity": entity, "table": prod, "tolerance": count_keys["tolerance"]},
            )
        )
    if slot["column"]:
        value = columns[1]
        plan.add(
            Step(
                "column-check",
                f"columns_{entity}",
                {
                    "name": f"columns_{entity}",
                    "depends_on": merge.name,
                    "source_host": plan.host,
                    "source_sql": f"SELECT id, {value} FROM {entity}",
                    "destination_sql": f"SELECT id, {value} FROM {prod.full_name}",
                    "sql_tail_for_source": "ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER",
                    "sample_size": 100,
                },
                [merge.name],
                aliases={"source_host": "source_host"},
                info={"entity": entity, "table": prod, "column": value},
            )
        )
    return merge


def _tail(plan: _Plan, merges: list[Step]) -> None:
    """A closing sql-command after every merge: inline SQL, or a script file."""
    names = [m.name for m in merges]
    mart = f"marts.{plan.name}_daily"
    targets = [m.info["destination"].full_name for m in merges]
    sql = (
        f"DELETE FROM {mart} WHERE day = '{{{{ ds }}}}';\n"
        f"INSERT INTO {mart}\nSELECT '{{{{ ds }}}}' AS day, COUNT(*) AS row_count\n"
        f"FROM {targets[0]};\n" + "".join(f"ANALYZE {t};\n" for t in targets)
    )
    keys: dict[str, Any] = {"name": "refresh_marts", "depends_on": names}
    if plan.index % 3 == 0:
        script = f"sql/{plan.domain}/{plan.name}_marts.sql"
        plan.files[script] = sql
        keys["script"] = script
    else:
        keys["command"] = sql
    plan.add(Step("sql-command", "refresh_marts", keys, names, info={"sql": sql}))


def _emr_pipeline(plan: _Plan) -> Pipeline:
    """aegisthus -> scalding (output nodes) or emr-streaming (-> emr-step) -> 3 x (load,
    merge, primary-key-check) -> sql-command."""
    rng = plan.rng
    keyspace, cql_table = CQL_TABLES[(plan.index // EMR_EVERY) % len(CQL_TABLES)]
    cql = f"cassandra_tables/{keyspace}.{cql_table}.cql"
    read = plan.add(
        Step(
            "aegisthus",
            f"read_{cql_table}",
            {"name": f"read_{cql_table}", "cql_schema_definition": cql},
            info={"keyspace": keyspace, "table": cql_table},
        )
    )
    nodes = [f"{cql_table}_{part}" for part in ("daily", "by_user", "latest")]
    job_class = "".join(w.title() for w in cql_table.split("_"))
    if plan.index % 2:
        job = plan.add(
            Step(
                "scalding",
                f"job_{cql_table}",
                {
                    "name": f"job_{cql_table}",
                    "job_name": f"com.acme.etl.{keyspace}.{job_class}Job",
                    "output_node": nodes,
                    "script_arguments": ["--env=prod"],
                },
                [read.name],
            )
        )
        inputs = {node: node for node in nodes}
    else:
        job = plan.add(
            Step(
                "emr-streaming",
                f"job_{cql_table}",
                {
                    "name": f"job_{cql_table}",
                    "mapper": "scripts/streaming/sessionize_mapper.py",
                    "reducer": "s3://acme-artifacts/streaming/sessionize_reducer.py",
                    "hadoop_params": ["-D", "mapreduce.job.reduces=8"],
                },
                [read.name],
            )
        )
        inputs = {node: job.name for node in nodes}
        plan.add(
            Step(
                "emr-step",
                f"compact_{cql_table}",
                {
                    "name": f"compact_{cql_table}",
                    "depends_on": job.name,
                    "step_string": "command-runner.jar,s3-dist-cp,--src,"
                    f"{EMR_OUTPUT}/in,--dest,{EMR_OUTPUT}/compacted,--groupBy,.*(part).*",
                },
                [job.name],
            )
        )
    merges = []
    for number, node in enumerate(nodes):
        name = f"{plan.domain}_{node}_{plan.index:04d}"
        prod = plan.table("prod", name)
        staging = plan.table("staging", name, prod.columns)
        producer = job.name
        load = plan.add(
            Step(
                "create-load-redshift",
                f"load_{node}",
                {
                    "name": f"load_{node}",
                    "input_node": inputs[node],
                    "table_definition": staging.path,
                },
                [producer],
                outlets=[staging.full_name],
                info={"table": staging},
            )
        )
        kind = ("upsert", "reload", "delta-load")[number]
        keys: dict[str, Any] = {
            "name": f"{kind.replace('-', '_')}_{node}",
            "source": staging.path,
            "destination": prod.path,
        }
        if kind == "delta-load":
            keys.update(date_column="updated_at", window=1)
        merge = plan.add(
            Step(
                kind,
                keys["name"],
                keys,
                [load.name],
                outlets=[prod.full_name],
                info={"source": staging, "destination": prod},
            )
        )
        merges.append(merge)
        plan.add(
            Step(
                "primary-key-check",
                f"pk_{node}",
                {"name": f"pk_{node}", "depends_on": merge.name, "table_definition": prod.path},
                [merge.name],
                info={"table": prod},
            )
        )
    _tail(plan, merges)
    return Pipeline(
        index=plan.index,
        name=plan.name,
        domain=plan.domain,
        frequency="daily",
        load_time=rng.choice(LOAD_TIMES),
        description=f"Cassandra {keyspace}.{cql_table} snapshot through EMR into the warehouse.",
        steps=plan.steps,
        variables={"source_host": plan.host},
        emr_cluster={"num_instances": 4, "instance_size": "m5.xlarge"},
    )


CQL = """-- Cassandra table {keyspace}.{table} (benchmark corpus).
CREATE TABLE {keyspace}.{table} (
    key text,
    user_id int,
    value int,
    "timestamp" timestamp,
    PRIMARY KEY ((key), user_id)
) WITH CLUSTERING ORDER BY (user_id ASC)
    AND gc_grace_seconds = 864000;
"""

_HOSTS = "".join(f"  {alias}: {SOURCE_CONN}\n" for alias in QA_SOURCE_HOSTS)
CONFIG = f"""# The benchmark team's shared configuration (generated by benchmarks/generate.py).
warehouse:
  conn_id: {WAREHOUSE}
  search_path: [prod, public]

hosts:
{_HOSTS}
staging:
  location: {STAGING_LOCATION}
  aws_conn_id: {AWS_CONN}
  part_size_mb: 128

defaults:
  owner: data-eng
  retries: {DEFAULT_RETRIES}
  retry_delay_minutes: {RETRY_DELAY_MINUTES}
  load_time: "02:00"
  start_date: {START[0]}-{START[1]:02d}-{START[2]:02d}
  catchup: false
  max_active_runs: 1
  tags: {json.dumps(CONFIG_TAGS)}

sns:
  failure_topic_arn: {FAILURE_TOPIC}
  warning_topic_arn: arn:aws:sns:us-east-1:123456789012:dataduct-warnings

qa:
  on_failure: fail
  history_table: dba_table_qa_tests

emr:
  aws_conn_id: {AWS_CONN}
  release_label: emr-7.5.0
  num_core_instances: 2
  cluster_timeout: 6 Hours
  log_uri: s3://acme-dataduct-logs/emr/
  output_location: {EMR_OUTPUT}
  aegisthus_jar: s3://acme-artifacts/jars/aegisthus-hadoop-0.4.0.jar
  scalding_jar: s3://acme-artifacts/jars/acme-etl-assembly-2.3.0.jar
  cassandra_backup_location: s3://acme-cassandra-backups/{{keyspace}}/{{table}}/{{{{ ds_nodash }}}}/
"""


def corpus(count: int, seed: int = SEED) -> Corpus:
    """``count`` pipelines and the folder's other files; the same for the same arguments."""
    shared = _shared_tables(seed)
    files: dict[str, str] = {"dataduct.yaml": CONFIG}
    for table in shared.values():
        files[table.path] = table.sql("shared dimension, upserted by several pipelines")
    for keyspace, name in CQL_TABLES:
        files[f"cassandra_tables/{keyspace}.{name}.cql"] = CQL.format(keyspace=keyspace, table=name)
    files["scripts/streaming/sessionize_mapper.py"] = '"""Streaming mapper (stub)."""\n'
    pipelines = [_pipeline(index, seed, files, shared) for index in range(count)]
    return Corpus(pipelines, files)


# --- Dataduct YAML ------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    import yaml

    if isinstance(value, Alias):
        return f"*{value.anchor}"
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20, sort_keys=False)
    return text.removesuffix("\n...\n").rstrip("\n")


def _yaml_value(value: Any, indent: str) -> str:
    """`` value`` after a key: a block scalar for multi-line text, else a flow value."""
    if isinstance(value, str) and "\n" in value:
        body = "".join(f"{indent}    {line}\n" for line in value.rstrip("\n").split("\n"))
        return " |\n" + body.rstrip("\n")
    if isinstance(value, dict) and value and not isinstance(value, Alias):
        return "\n" + "\n".join(
            f"{indent}    {k}:{_yaml_value(v, indent + '    ')}" for k, v in value.items()
        )
    return " " + _scalar(value)


def pipeline_yaml(pipeline: Pipeline) -> str:
    """The pipeline's Dataduct YAML: anchors in ``variables:``, merged and aliased in steps."""
    load_time = pipeline.load_time if pipeline.unquoted_load_time else f'"{pipeline.load_time}"'
    lines = [
        f"# {pipeline.description}",
        f"name: {pipeline.name}",
        f"frequency: {pipeline.frequency}",
        f"load_time: {load_time}",
        f"description: {_scalar(pipeline.description)}",
    ]
    if pipeline.max_retries is not None:
        lines.append(f"max_retries: {pipeline.max_retries}")
    if pipeline.emr_cluster:
        lines.append("emr_cluster_config:")
        lines += [f"    {k}: {_scalar(v)}" for k, v in pipeline.emr_cluster.items()]
    lines += ["", "variables:"]
    for anchor, value in pipeline.variables.items():
        if isinstance(value, dict):
            lines.append(f"    {anchor}: &{anchor}")
            lines += [f"        {k}: {_scalar(v)}" for k, v in value.items()]
        else:
            lines.append(f"    {anchor}: &{anchor} {_scalar(value)}")
    lines += ["", "steps:"]
    for step in pipeline.steps:
        lines.append(f"-   step_type: {step.step_type}")
        merged = pipeline.variables.get(step.merge, {}) if step.merge else {}
        if step.merge:
            lines.append(f"    <<: *{step.merge}")
        for key, value in step.keys.items():
            if key in merged and merged[key] == value:
                continue
            if key in step.aliases:
                value = Alias(step.aliases[key])
            lines.append(f"    {key}:{_yaml_value(value, '    ')}")
        lines.append("")
    return "\n".join(lines)


def write_dataduct(root: Path, plan: Corpus) -> None:
    """The definitions folder: dataduct.yaml, pipelines, tables, scripts and CQL files."""
    for relative, text in plan.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for pipeline in plan.pipelines:
        (root / f"{pipeline.name}.yaml").write_text(pipeline_yaml(pipeline))


# --- the task plan both baselines build -----------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """A value that is an expression: its Python text and its dag-factory YAML form."""

    python: str
    yaml: Any


def _minutes(n: int) -> Code:
    return Code(f"dt.timedelta(minutes={n})", {"__type__": "datetime.timedelta", "minutes": n})


def _hours(n: float) -> Code:
    return Code(f"dt.timedelta(hours={n})", {"__type__": "datetime.timedelta", "hours": n})


@dataclass
class Task:
    """One Airflow task of a baseline DAG."""

    task_id: str
    """Full task id (``group.task`` inside a task group)."""
    operator: str
    kwargs: dict[str, Any]
    upstream: list[str] = field(default_factory=list)
    group: str | None = None
    outlets: list[str] = field(default_factory=list)
    teardown_of: str | None = None
    """The setup task of this teardown task."""


OPERATORS = {
    "SqlToS3Operator": "airflow.providers.amazon.aws.transfers.sql_to_s3",
    "S3KeySensor": "airflow.providers.amazon.aws.sensors.s3",
    "S3ToRedshiftOperator": "airflow.providers.amazon.aws.transfers.s3_to_redshift",
    "SQLExecuteQueryOperator": "airflow.providers.common.sql.operators.sql",
    "SQLCheckOperator": "airflow.providers.common.sql.operators.sql",
    "BashOperator": "airflow.providers.standard.operators.bash",
    "PythonOperator": "airflow.providers.standard.operators.python",
    "ExternalTaskSensor": "airflow.providers.standard.sensors.external_task",
    "EmrCreateJobFlowOperator": "airflow.providers.amazon.aws.operators.emr",
    "EmrAddStepsOperator": "airflow.providers.amazon.aws.operators.emr",
    "EmrTerminateJobFlowOperator": "airflow.providers.amazon.aws.operators.emr",
    "EmrStepSensor": "airflow.providers.amazon.aws.sensors.emr",
}
"""Airflow's own operators the baselines use, and their modules."""

EMR_STEPS = ("aegisthus", "scalding", "emr-streaming", "emr-step")
JOB_FLOW = "{{ ti.xcom_pull(task_ids='create_emr_cluster') }}"


def _staged_key(pipeline: Pipeline, step: str) -> str:
    return f"etl/{pipeline.name}/{{{{ run_id }}}}/{step}/"


def _upsert_sql(step: Step) -> list[str]:
    source, destination = step.info["source"], step.info["destination"]
    columns = ", ".join(c[0] for c in destination.columns)
    target, staged = destination.full_name, source.full_name
    if step.step_type == "reload":
        return [f"DELETE FROM {target}", f"INSERT INTO {target} ({columns}) SELECT * FROM {staged}"]
    where = ""
    if step.step_type == "delta-load":
        where = (
            f" WHERE updated_at >= (SELECT COALESCE(MAX(updated_at), '1800-01-01') "
            f"FROM {target}) - INTERVAL '{step.keys['window']} days'"
        )
    return [
        f"DELETE FROM {target} USING {staged} s WHERE {target}.id = s.id",
        f"INSERT INTO {target} ({columns}) SELECT * FROM {staged}{where}",
    ]


def _step_task(pipeline: Pipeline, step: Step) -> Task:
    """The one task of a non-EMR step, with Airflow's own operator."""
    kind, info, keys = step.step_type, step.info, step.keys
    if kind == "pipeline-dependencies":
        op, kwargs = (
            "ExternalTaskSensor",
            {
                "external_dag_id": info["dependency"],
                "external_task_id": None,
                "mode": "reschedule",
                "poke_interval": keys["refresh_rate"],
                "timeout": keys["timeout"],
            },
        )
    elif kind == "extract-rds":
        op, kwargs = (
            "SqlToS3Operator",
            {
                "query": info["query"],
                "sql_conn_id": SOURCE_CONN,
                "s3_bucket": STAGING_BUCKET,
                "s3_key": _staged_key(pipeline, step.name) + "part-0000.csv",
                "replace": True,
            },
        )
    elif kind == "extract-s3":
        op, kwargs = (
            "S3KeySensor",
            {
                "bucket_key": info["uri"],
                "wildcard_match": info["uri"].endswith("*"),
                "aws_conn_id": AWS_CONN,
                "mode": "reschedule",
            },
        )
    elif kind == "transform":
        op, kwargs = "BashOperator", {"bash_command": info["command"]}
    elif kind == "create-load-redshift":
        table = info["table"]
        op, kwargs = (
            "S3ToRedshiftOperator",
            {
                "schema": table.schema,
                "table": table.name,
                "s3_bucket": STAGING_BUCKET,
                "s3_key": _staged_key(pipeline, step.upstream[0]),
                "redshift_conn_id": WAREHOUSE,
                "aws_conn_id": AWS_CONN,
                "method": "REPLACE",
                "copy_options": ["CSV", "GZIP"],
            },
        )
    elif kind in ("upsert", "reload", "delta-load"):
        op, kwargs = (
            "SQLExecuteQueryOperator",
            {
                "conn_id": WAREHOUSE,
                "sql": _upsert_sql(step),
                "autocommit": False,
            },
        )
    elif kind == "sql-command":
        op, kwargs = "SQLExecuteQueryOperator", {"conn_id": WAREHOUSE, "sql": info["sql"]}
    elif kind == "primary-key-check":
        table = info["table"].full_name
        op, kwargs = (
            "SQLCheckOperator",
            {
                "conn_id": WAREHOUSE,
                "sql": f"SELECT COUNT(*) = 0 FROM (SELECT id FROM {table} GROUP BY id "
                "HAVING COUNT(*) > 1) AS duplicates",
            },
        )
    elif kind == "count-check":
        op, kwargs = (
            "PythonOperator",
            {
                "python_callable": Code("count_check", "bench_helpers.count_check"),
                "op_kwargs": {
                    "source_conn_id": SOURCE_CONN,
                    "source_sql": f"SELECT COUNT(*) FROM {info['entity']}",
                    "destination_conn_id": WAREHOUSE,
                    "destination_sql": f"SELECT COUNT(*) FROM {info['table'].full_name}",
                    "tolerance": info["tolerance"],
                },
            },
        )
    elif kind == "column-check":
        table = info["table"].full_name
        op, kwargs = (
            "PythonOperator",
            {
                "python_callable": Code("column_check", "bench_helpers.column_check"),
                "op_kwargs": {
                    "source_conn_id": SOURCE_CONN,
                    "source_sql": f"SELECT id, {info['column']} FROM {info['entity']} "
                    "ORDER BY RANDOM() LIMIT 100",
                    "destination_conn_id": WAREHOUSE,
                    "destination_sql": f"SELECT id, {info['column']} FROM {table}",
                },
            },
        )
    else:  # pragma: no cover - the corpus has no other step type
        raise ValueError(kind)
    if "retries" in info:
        kwargs["retries"] = info["retries"]
    if "timeout_hours" in info:
        kwargs["execution_timeout"] = _hours(info["timeout_hours"])
    return Task(step.name, op, kwargs, outlets=list(step.outlets))


def _hadoop_step(pipeline: Pipeline, step: Step) -> dict[str, Any]:
    output = f"{EMR_OUTPUT}/{pipeline.name}/{{{{ run_id }}}}/{step.name}/"
    if step.step_type == "aegisthus":
        jar = {
            "Jar": "s3://acme-artifacts/jars/aegisthus-hadoop-0.4.0.jar",
            "MainClass": "com.netflix.Aegisthus",
            "Args": [
                "-inputDir",
                f"s3://acme-cassandra-backups/{step.info['keyspace']}/{step.info['table']}/"
                "{{ ds_nodash }}/",
                "-output",
                output,
            ],
        }
    elif step.step_type == "scalding":
        args = [step.keys["job_name"], "--hdfs", "--date", "{{ ds }}"]
        for node in step.keys["output_node"]:
            args += [f"--output-{node}", f"{output}{node}/"]
        jar = {
            "Jar": "s3://acme-artifacts/jars/acme-etl-assembly-2.3.0.jar",
            "MainClass": "com.twitter.scalding.Tool",
            "Args": [*args, *step.keys["script_arguments"]],
        }
    elif step.step_type == "emr-streaming":
        jar = {
            "Jar": "command-runner.jar",
            "Args": [
                "hadoop-streaming",
                *step.keys["hadoop_params"],
                "-files",
                f"s3://acme-artifacts/streaming/sessionize_mapper.py,{step.keys['reducer']}",
                "-output",
                output,
                "-mapper",
                "sessionize_mapper.py",
                "-reducer",
                "sessionize_reducer.py",
            ],
        }
    else:
        jar_path, *args = step.keys["step_string"].split(",")
        jar = {"Jar": jar_path, "Args": args}
    return {"Name": step.name, "ActionOnFailure": "CONTINUE", "HadoopJarStep": jar}


def tasks(pipeline: Pipeline) -> list[Task]:
    """Every task of the pipeline's DAG, with its upstream task ids (what the loader builds)."""
    by_step: dict[str, tuple[Task, Task]] = {}
    """Each step's first and last task (the two of an EMR step's group)."""
    out: list[Task] = []
    emr = [s for s in pipeline.steps if s.step_type in EMR_STEPS]
    create = terminate = None
    if emr:
        create = Task(
            "create_emr_cluster",
            "EmrCreateJobFlowOperator",
            {
                "job_flow_overrides": {
                    "Name": f"dataduct {pipeline.name} {{{{ ds }}}}",
                    "ReleaseLabel": "emr-7.5.0",
                    "Applications": [{"Name": "Hadoop"}],
                    "Instances": {
                        "InstanceGroups": [
                            {
                                "InstanceRole": "MASTER",
                                "InstanceType": "m5.xlarge",
                                "InstanceCount": 1,
                            },
                            {
                                "InstanceRole": "CORE",
                                "InstanceType": "m5.xlarge",
                                "InstanceCount": 4,
                            },
                        ],
                        "KeepJobFlowAliveWhenNoSteps": True,
                    },
                    "LogUri": "s3://acme-dataduct-logs/emr/",
                    "Tags": [{"Key": "dataduct:pipeline", "Value": pipeline.name}],
                },
                "aws_conn_id": AWS_CONN,
            },
        )
        out.append(create)
    for step in pipeline.steps:
        if step.step_type in EMR_STEPS:
            add = Task(
                f"{step.name}.add_step",
                "EmrAddStepsOperator",
                {
                    "job_flow_id": JOB_FLOW,
                    "steps": [_hadoop_step(pipeline, step)],
                    "aws_conn_id": AWS_CONN,
                },
                group=step.name,
            )
            watch = Task(
                f"{step.name}.watch_step",
                "EmrStepSensor",
                {
                    "job_flow_id": JOB_FLOW,
                    "step_id": f"{{{{ ti.xcom_pull(task_ids='{step.name}.add_step')[0] }}}}",
                    "aws_conn_id": AWS_CONN,
                    "mode": "reschedule",
                    "poke_interval": 60,
                    "timeout": 6 * 3600,
                },
                upstream=[add.task_id],
                group=step.name,
            )
            assert create is not None
            add.upstream.append(create.task_id)
            by_step[step.name] = (add, watch)
            out += [add, watch]
        else:
            task = _step_task(pipeline, step)
            by_step[step.name] = (task, task)
            out.append(task)
    for step in pipeline.steps:
        first = by_step[step.name][0]
        first.upstream += [by_step[u][1].task_id for u in step.upstream]
    if emr:
        assert create is not None
        terminate = Task(
            "terminate_emr_cluster",
            "EmrTerminateJobFlowOperator",
            {"job_flow_id": JOB_FLOW, "aws_conn_id": AWS_CONN},
            upstream=[create.task_id, *(by_step[s.name][1].task_id for s in emr)],
            teardown_of=create.task_id,
        )
        out.append(terminate)
    return out


def schedule(pipeline: Pipeline) -> tuple[str, Any]:
    """(kind, value) of the pipeline's timetable: ``once``, ``cron`` (expression) or ``delta``
    (hours), as Dataduct's frequency and load time define it (UTC, with data intervals)."""
    if pipeline.frequency == "one-time":
        return "once", None
    hours = PERIOD_HOURS[pipeline.frequency]
    hour, minute = pipeline.hour_minute
    if hours == 1:
        return "cron", f"{minute} * * * *"
    if hours < 24:
        return "cron", f"{minute} {hour % hours}-23/{hours} * * *"
    if hours == 24:
        return "cron", f"{minute} {hour} * * *"
    return "delta", hours


# --- plain Python ------------------------------------------------------------------------------

HELPERS = '''
def alert_failure(context):
    """Publish a failed task to the team's SNS topic."""
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    ti = context["ti"]
    SnsNotifier(
        target_arn="TOPIC_ARN",
        subject=f"Airflow pipeline {ti.dag_id} failed: {ti.task_id}"[:99],
        message=f"{ti.dag_id}.{ti.task_id} run {ti.run_id}: {context.get('exception')}",
    ).notify(context)


def _count(conn_id, sql):
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    return DbApiHook.get_hook(conn_id).get_first(sql)[0]


def count_check(source_conn_id, source_sql, destination_conn_id, destination_sql, tolerance):
    """Source and warehouse row counts agree within tolerance percent."""
    source = _count(source_conn_id, source_sql)
    destination = _count(destination_conn_id, destination_sql)
    if abs(source - destination) > source * tolerance / 100:
        raise ValueError(f"count check failed: {source} rows in source, {destination} loaded")


def column_check(source_conn_id, source_sql, destination_conn_id, destination_sql):
    """A sample of source rows has the same values in the warehouse."""
    from airflow.providers.common.sql.hooks.sql import DbApiHook

    sample = dict(DbApiHook.get_hook(source_conn_id).get_records(source_sql))
    loaded = dict(DbApiHook.get_hook(destination_conn_id).get_records(destination_sql))
    wrong = [key for key, value in sample.items() if loaded.get(key) != value]
    if wrong:
        raise ValueError(f"column check failed for ids {wrong[:10]}")
'''.replace("TOPIC_ARN", FAILURE_TOPIC)


def _py(value: Any) -> str:
    if isinstance(value, Code):
        return value.python
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _asset_py(table: str) -> str:
    schema, name = table.split(".")
    return (
        f"Asset(name={table!r}, uri='x-dataduct://{WAREHOUSE}/{schema}/{name}', group='warehouse')"
    )


def _timetable_py(pipeline: Pipeline) -> tuple[str, str | None]:
    """(expression, module-level definition) of the pipeline's schedule."""
    kind, value = schedule(pipeline)
    if kind == "once":
        return "'@once'", None
    if kind == "cron":
        name = "CRON_" + value.translate(str.maketrans({" ": "_", "*": "x", "-": "to", "/": "by"}))
        return name, f"{name} = CronDataIntervalTimetable({value!r}, timezone='UTC')"
    name = f"EVERY_{value}_HOURS"
    return name, f"{name} = DeltaDataIntervalTimetable(dt.timedelta(hours={value}))"


def plain_python(plan: Corpus) -> str:
    """One DAG file with every pipeline hand-written, as a team would without this project."""
    used = sorted({t.operator for p in plan.pipelines for t in tasks(p)})
    modules: dict[str, list[str]] = {}
    for op in used:
        modules.setdefault(OPERATORS[op], []).append(op)
    lines = [
        f'"""{len(plan.pipelines)} pipelines hand-written with Airflow\'s own operators '
        '(generated by benchmarks/generate.py)."""',
        "",
        "import datetime as dt",
        "",
        "from airflow.sdk import DAG, Asset, TaskGroup",
        "from airflow.timetables.interval import CronDataIntervalTimetable, "
        "DeltaDataIntervalTimetable",
        *(f"from {m} import {', '.join(ops)}" for m, ops in sorted(modules.items())),
        HELPERS,
        "ARGS = {'owner': 'data-eng', 'retry_delay': dt.timedelta(minutes="
        f"{RETRY_DELAY_MINUTES}), 'on_failure_callback': alert_failure}}",
        f"START = dt.datetime({START[0]}, {START[1]}, {START[2]}, tzinfo=dt.timezone.utc)",
        f"JOB_FLOW = {JOB_FLOW!r}",
    ]
    definitions = sorted({d for p in plan.pipelines if (d := _timetable_py(p)[1])})
    lines += [*definitions, ""]
    for p in plan.pipelines:
        hour, minute = p.hour_minute
        expression, _ = _timetable_py(p)
        lines.append(
            f"with DAG(dag_id={p.name!r}, description={p.description!r}, schedule={expression}, "
            f"start_date=START.replace(hour={hour}, minute={minute}), catchup=False, "
            f"max_active_runs=1, default_args={{**ARGS, 'retries': {p.retries}}}, "
            f"tags={['dataduct', p.frequency, *CONFIG_TAGS]!r}) as dag_{p.index:04d}:"
        )
        variables: dict[str, str] = {}
        for number, task in enumerate(tasks(p)):
            var = f"t{number}"
            variables[task.task_id] = var
            kwargs = {**task.kwargs}
            local_id = task.task_id.split(".", 1)[1] if task.group else task.task_id
            args = ", ".join(f"{k}={_py(v)}" for k, v in kwargs.items())
            outlets = ""
            if task.outlets:
                outlets = ", outlets=[" + ", ".join(_asset_py(t) for t in task.outlets) + "]"
            call = f"{task.operator}(task_id={local_id!r}, {args}{outlets})"
            if task.group and task.task_id.endswith(".add_step"):
                lines.append(f"    with TaskGroup({task.group!r}):")
            indent = "        " if task.group else "    "
            lines.append(f"{indent}{var} = {call}")
        for task in tasks(p):
            for parent in task.upstream:
                if task.teardown_of != parent:
                    lines.append(f"    {variables[parent]} >> {variables[task.task_id]}")
            if task.teardown_of:
                setup = variables[task.teardown_of]
                lines.append(f"    {variables[task.task_id]}.as_teardown(setups={setup})")
        lines.append("")
    return "\n".join(lines)


def write_plain_python(path: Path, plan: Corpus) -> None:
    """The plain-Python DAG file, and ``plain_imports.py`` beside it: its imports and helpers
    alone (what the file costs before its first DAG)."""
    text = plain_python(plan)
    path.write_text(text)
    (path.parent / "plain_imports.py").write_text(text[: text.index("\nwith DAG(")] + "\n")


# --- dag-factory ---------------------------------------------------------------------------------


def _df(value: Any) -> Any:
    if isinstance(value, Code):
        return value.yaml
    if isinstance(value, dict):
        return {k: _df(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_df(v) for v in value]
    return value


def _asset_df(table: str) -> dict[str, str]:
    schema, name = table.split(".")
    return {
        "__type__": "airflow.sdk.Asset",
        "name": table,
        "uri": f"x-dataduct://{WAREHOUSE}/{schema}/{name}",
        "group": "warehouse",
    }


def _timetable_df(pipeline: Pipeline) -> Any:
    kind, value = schedule(pipeline)
    if kind == "once":
        return "@once"
    if kind == "cron":
        return {
            "__type__": "airflow.timetables.interval.CronDataIntervalTimetable",
            "cron": value,
            "timezone": "UTC",
        }
    return {
        "__type__": "airflow.timetables.interval.DeltaDataIntervalTimetable",
        "__args__": [{"__type__": "datetime.timedelta", "hours": value}],
    }


def dag_factory_config(pipeline: Pipeline) -> dict[str, Any]:
    """One pipeline as dag-factory 1.1 YAML data."""
    import datetime as dt

    hour, minute = pipeline.hour_minute
    df_tasks: dict[str, Any] = {}
    for task in tasks(pipeline):
        conf: dict[str, Any] = {"operator": f"{OPERATORS[task.operator]}.{task.operator}"}
        conf.update(_df(task.kwargs))
        if task.outlets:
            conf["outlets"] = [_asset_df(t) for t in task.outlets]
        if task.upstream:
            conf["dependencies"] = list(task.upstream)
        df_tasks[task.task_id] = conf
    return {
        pipeline.name: {
            "description": pipeline.description,
            "schedule": _timetable_df(pipeline),
            "start_date": dt.datetime(*START, hour, minute),
            "catchup": False,
            "max_active_runs": 1,
            "tags": ["dataduct", pipeline.frequency, *CONFIG_TAGS],
            "default_args": {
                "owner": "data-eng",
                "retries": pipeline.retries,
                "retry_delay": _df(_minutes(RETRY_DELAY_MINUTES)),
                "on_failure_callback": "bench_helpers.alert_failure",
            },
            "tasks": df_tasks,
        }
    }


def write_dag_factory(root: Path, loader: Path, plan: Corpus) -> None:
    """The same DAGs as dag-factory 1.1 YAML files, its loader file, and the helper module its
    YAML names (``bench_helpers``, next to the loader: Airflow puts the DAG folder on
    ``sys.path``)."""
    import yaml

    root.mkdir(parents=True, exist_ok=True)
    for pipeline in plan.pipelines:
        (root / f"{pipeline.name}.yml").write_text(
            yaml.safe_dump(dag_factory_config(pipeline), sort_keys=False, width=100)
        )
    (loader.parent / "bench_helpers.py").write_text(
        '"""Callables the dag-factory YAML names."""\n' + HELPERS
    )
    loader.write_text(
        "from dagfactory import load_yaml_dags\n\n"
        f"load_yaml_dags(globals_dict=globals(), dags_folder={json.dumps(str(root))})\n"
    )
