"""EMR: the CQL parser, the cluster request, the EMR step definitions and their validation."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from airflow_dataduct.errors import DefinitionError, DefinitionErrors
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.config import EmrConfig
from airflow_dataduct.model.cql import parse_cql_file, parse_cql_table
from airflow_dataduct.model.emr import EmrClusterConfig, resolve_cluster
from airflow_dataduct.model.pipeline import Pipeline, read_pipeline
from airflow_dataduct.model.steps.emr import split_step_string
from airflow_dataduct.staging.locations import hadoop_output_manifest
from airflow_dataduct.staging.store import LocalStagingStore

ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = ROOT / "dag_definitions"
RUN = "{{ run_id | dataduct_path }}"
OUT = "s3://dataduct-data/emr/votes/" + RUN


# --- CQL -------------------------------------------------------------------------------------


def test_votes_cql_file_gives_keyspace_table_columns_and_key() -> None:
    table = parse_cql_file(DEFINITIONS / "cassandra_tables" / "vote.vote_kvs_timestamp.cql")
    assert (table.keyspace, table.name) == ("vote", "vote_kvs_timestamp")
    assert [(c.name, c.type) for c in table.columns] == [
        ("key", "text"),
        ("user_id", "int"),
        ("value", "int"),
        ("timestamp", "timestamp"),
    ]
    assert table.partition_key == ("key",)
    assert table.clustering == (("user_id", "ASC"),)
    assert "gc_grace_seconds = 864000" in table.options


def test_cql_composite_keys_clustering_order_and_nested_types() -> None:
    table = parse_cql_table(
        """create table if not exists Forum."Posts" (
             course_id uuid, thread_id timeuuid, "Post" text static,
             tags map<text, frozen<list<int>>>,
             PRIMARY KEY ((course_id, thread_id), "Post", tags)
           ) WITH CLUSTERING ORDER BY ("Post" DESC) AND COMPACT STORAGE;"""
    )
    assert (table.keyspace, table.name) == ("forum", "Posts")
    assert table.partition_key == ("course_id", "thread_id")
    assert table.clustering == (("Post", "DESC"), ("tags", "ASC"))
    assert table.columns[2].static and table.columns[3].type == "map<text, frozen<list<int>>>"
    assert table.schema_sql() == (
        'CREATE TABLE forum."Posts" (course_id uuid, thread_id timeuuid, "Post" text STATIC, '
        'tags map<text, frozen<list<int>>>, PRIMARY KEY ((course_id, thread_id), "Post", tags)) '
        'WITH CLUSTERING ORDER BY ("Post" DESC, tags ASC);'
    )


def test_cql_inline_primary_key() -> None:
    table = parse_cql_table("CREATE TABLE ks.t (id int PRIMARY KEY, v text)")
    assert table.partition_key == ("id",) and table.clustering == ()


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("CREATE TABLE votes (id int PRIMARY KEY)", 1, 14, "qualified by its keyspace"),
        ("CREATE TABLE ks.t (\n  id int,\n  v text\n)", 4, 2, "has no PRIMARY KEY"),
        ("CREATE TABLE ks.t (\n  id int,\n  PRIMARY KEY (idd)\n)", 3, 3, "'idd' is not a column"),
        ("CREATE TABLE ks.t (id int PRIMARY KEY,\n  id text)", 2, 3, "defined twice"),
        ("CREATE TABLE ks.t (id int PRIMARY KEY, v text +)", 1, 47, "unexpected character"),
        ("CREATE INDEX ON ks.t (v)", 1, 8, "expected CREATE TABLE"),
        ("CREATE TABLE ks.t (id int PRIMARY KEY); DROP TABLE ks.t;", 1, 41, "only one"),
        (
            "CREATE TABLE ks.t (a int, b int, PRIMARY KEY (a, b))\n"
            "WITH CLUSTERING ORDER BY (a DESC)",
            2,
            27,
            "'a' is not a clustering column",
        ),
    ],
)
def test_cql_errors_name_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        parse_cql_table(text, "t.cql")
    assert (info.value.location.line, info.value.location.column) == (line, column)
    assert message in info.value.message


# --- the cluster -------------------------------------------------------------------------------


def test_votes_cluster_config_overrides_the_config_defaults() -> None:
    defaults = EmrConfig(num_core_instances=2, log_uri="s3://logs/emr/", key_pair="etl")
    keys = EmrClusterConfig(num_instances=20, instance_size="m1.xlarge")
    request = resolve_cluster(keys, defaults).job_flow_request("votes", {"k": "v"})
    assert request["ReleaseLabel"] == "emr-7.5.0"
    assert request["Instances"]["InstanceGroups"] == [
        {
            "Name": "Master",
            "InstanceRole": "MASTER",
            "Market": "ON_DEMAND",
            "InstanceType": "m5.xlarge",
            "InstanceCount": 1,
        },
        {
            "Name": "Core",
            "InstanceRole": "CORE",
            "Market": "ON_DEMAND",
            "InstanceType": "m1.xlarge",
            "InstanceCount": 20,
        },
    ]
    assert request["Instances"]["Ec2KeyName"] == "etl"
    assert request["LogUri"] == "s3://logs/emr/"
    assert request["AutoTerminationPolicy"] == {"IdleTimeout": 6 * 3600}
    assert request["Tags"] == [{"Key": "k", "Value": "v"}]


def test_dataduct_cluster_keys_map_to_a_modern_request() -> None:
    keys = EmrClusterConfig(
        num_instances=1,
        master_instance_size="m1.large",
        num_task_instances=4,
        task_instance_type="c5.xlarge",
        task_bid_price="0.25",
        terminate_after="2 Hours",
        ami_version="3.3.1",
        install_hive="0.13.1",
        bootstrap={"string": "s3://etl/bootstrap.sh,--mode,a\\,b"},
    )
    defaults = EmrConfig(default_bootstrap=["s3://etl/base.sh"])
    request = resolve_cluster(keys, defaults).job_flow_request("p", {})
    assert request["ReleaseLabel"] == "emr-5.36.2"
    assert request["Applications"] == [{"Name": "Hadoop"}, {"Name": "Hive"}]
    task = request["Instances"]["InstanceGroups"][2]
    assert task == {
        "Name": "Task",
        "InstanceRole": "TASK",
        "Market": "SPOT",
        "BidPrice": "0.25",
        "InstanceType": "c5.xlarge",
        "InstanceCount": 4,
    }
    assert request["BootstrapActions"] == [
        {"Name": "bootstrap-0", "ScriptBootstrapAction": {"Path": "s3://etl/base.sh", "Args": []}},
        {
            "Name": "bootstrap-1",
            "ScriptBootstrapAction": {"Path": "s3://etl/bootstrap.sh", "Args": ["--mode", "a,b"]},
        },
    ]
    assert request["AutoTerminationPolicy"] == {"IdleTimeout": 7200}


def test_hadoop_3_keeps_a_modern_release_and_release_label_wins() -> None:
    hadoop3 = resolve_cluster(EmrClusterConfig(hadoop_version="3.3"), EmrConfig())
    assert hadoop3.release_label == "emr-7.5.0"
    modern = EmrClusterConfig(
        release_label="emr-6.15.0",
        applications=["Hadoop", "Spark"],
        configurations=[{"Classification": "core-site", "Properties": {"a": "1"}}],
    )
    request = resolve_cluster(modern, EmrConfig()).job_flow_request("p", {})
    assert request["ReleaseLabel"] == "emr-6.15.0"
    assert request["Applications"] == [{"Name": "Hadoop"}, {"Name": "Spark"}]
    assert request["Configurations"][0]["Properties"] == {"a": "1"}


# --- validation ----------------------------------------------------------------------------------


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    """A copy of dag_definitions/ (its config has an ``emr`` section)."""
    target = tmp_path / "defs"
    shutil.copytree(DEFINITIONS, target)
    return target


def read(folder: Path, text: str, name: str = "p.yaml") -> Pipeline:
    (folder / name).write_text(text)
    return read_pipeline(folder / name, open_definitions(folder))


def errors(folder: Path, text: str) -> list[str]:
    with pytest.raises(DefinitionErrors) as info:
        read(folder, text)
    return [f"{e.location.line}:{e.location.column}: {e.message}" for e in info.value.errors]


SCALDING = """name: p
steps:
-   step_type: scalding
    job_name: org.example.Job
"""


def test_votes_pipeline_resolves_output_node_and_cluster() -> None:
    pipeline = read_pipeline(DEFINITIONS / "votes.yaml", open_definitions(DEFINITIONS))
    assert pipeline.output_nodes == {"questions": "vote_emr"}
    assert pipeline.step("vote_emr").input_step == "AegisthusStep0"
    load = pipeline.step("load_discussion_question_votes")
    assert (load.input_step, load.upstream) == ("questions", ("vote_emr",))
    assert pipeline.emr_cluster is not None
    assert pipeline.emr_cluster.num_core_instances == 20
    cql = pipeline.step("AegisthusStep0").cql_tables["cql_schema_definition"]
    assert cql.full_name == "vote.vote_kvs_timestamp"


def test_unknown_cluster_key_is_an_error_with_a_suggestion(definitions: Path) -> None:
    text = "name: p\nemr_cluster_config:\n    num_instance: 3\n" + SCALDING.split("\n", 1)[1]
    assert errors(definitions, text) == [
        "3:5: unknown key 'num_instance' (did you mean 'num_instances'?)"
    ]


def test_release_label_with_ami_version_is_an_error(definitions: Path) -> None:
    text = (
        "name: p\nemr_cluster_config:\n    ami_version: 3.3.1\n    release_label: emr-6.15.0\n"
        + SCALDING.split("\n", 1)[1]
    )
    assert errors(definitions, text) == [
        "3:5: give release_label or ami_version/hadoop_version, not both"
    ]


def test_output_node_used_before_it_is_produced(definitions: Path) -> None:
    text = """name: p
steps:
-   step_type: create-load-redshift
    input_node: questions
    table_definition: tables/staging.cassandra_discussion_question_votes.sql
-   step_type: scalding
    job_name: org.example.Job
    output_node: [questions]
"""
    assert (
        "4:17: input_node: output node 'questions' is used before it is produced "
        "(by step 'ScaldingStep0' on line 6)"
    ) in errors(definitions, text)


def test_missing_and_invalid_cql_files(definitions: Path) -> None:
    (definitions / "cassandra_tables" / "bad.cql").write_text("CREATE TABLE t (\n  id int\n)")
    text = """name: p
steps:
-   step_type: aegisthus
    cql_schema_definition: cassandra_tables/missing.cql
-   step_type: aegisthus
    cql_schema_definition: cassandra_tables/bad.cql
"""
    found = errors(definitions, text)
    assert found[0].startswith("4:28: cql_schema_definition: CQL file 'cassandra_tables/missing")
    assert found[1].startswith("6:28: cql_schema_definition: CQL file 'cassandra_tables/bad.cql'")
    assert "bad.cql:1:14: table name 't' must be qualified by its keyspace" in found[1]


def test_emr_step_without_any_cluster_is_an_error(definitions: Path) -> None:
    config = definitions / "dataduct.yaml"
    text = config.read_text()
    config.write_text(text[: text.index("\nemr:")] + "\n")
    found = errors(definitions, SCALDING)
    assert found[0].startswith("3:16: scalding step 'ScaldingStep0' needs an EMR cluster")
    assert "emr_cluster_config" in found[0]


def test_steps_need_their_jars_and_an_s3_output_location(definitions: Path) -> None:
    config = definitions / "dataduct.yaml"
    text = config.read_text()
    config.write_text(text[: text.index("\nemr:")] + "\nemr:\n  release_label: emr-7.5.0\n")
    found = errors(definitions, SCALDING)
    assert any("set emr.output_location" in e for e in found)
    assert any(
        e.startswith("3:16: scalding step 'ScaldingStep0' needs emr.scalding_jar") for e in found
    )


def test_step_string_splits_on_unescaped_commas() -> None:
    assert split_step_string("s3://b/job.jar,--in,a\\\\,b, -x") == [
        "s3://b/job.jar",
        "--in",
        "a,b",
        "-x",
    ]


# --- the DAG -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def votes():  # type: ignore[no-untyped-def]
    from airflow_dataduct.factory.dag import build_dag

    config = open_definitions(DEFINITIONS)
    return build_dag(read_pipeline(DEFINITIONS / "votes.yaml", config), config)


def test_votes_dag_shares_one_cluster_as_setup_and_teardown(votes) -> None:  # type: ignore[no-untyped-def]
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in votes.tasks}
    assert downstream["create_emr_cluster"] == [
        "AegisthusStep0.add_step",
        "terminate_emr_cluster",
        "vote_emr.add_step",
    ]
    assert downstream["AegisthusStep0.watch_step"] == ["terminate_emr_cluster", "vote_emr.add_step"]
    assert downstream["vote_emr.watch_step"] == [
        "load_discussion_question_votes",
        "terminate_emr_cluster",
    ]
    assert votes.get_task("create_emr_cluster").is_setup
    assert votes.get_task("terminate_emr_cluster").is_teardown


def test_votes_steps_run_aegisthus_then_scalding_with_run_scoped_outputs(votes) -> None:  # type: ignore[no-untyped-def]
    aegisthus = votes.get_task("AegisthusStep0.add_step").steps[0]["HadoopJarStep"]
    assert aegisthus["Jar"] == "s3://dataduct-artifacts/jars/aegisthus-hadoop-0.4.0.jar"
    assert aegisthus["MainClass"] == "com.netflix.Aegisthus"
    assert aegisthus["Args"] == [
        "-D",
        "aegisthus.cql_schema=CREATE TABLE vote.vote_kvs_timestamp (key text, user_id int, "
        "value int, timestamp timestamp, PRIMARY KEY ((key), user_id)) "
        "WITH CLUSTERING ORDER BY (user_id ASC);",
        "-inputDir",
        "s3://cassandra-backups/vote/vote_kvs_timestamp/{{ ds_nodash }}/",
        "-output",
        f"{OUT}/AegisthusStep0/",
    ]
    scalding = votes.get_task("vote_emr.add_step").steps[0]["HadoopJarStep"]
    assert scalding["MainClass"] == "com.twitter.scalding.Tool"
    assert scalding["Args"] == [
        "org.coursera.etl.vote.VotesETLJob",
        "--hdfs",
        "--date",
        "{{ ds }}",
        "--input",
        f"{OUT}/AegisthusStep0/",
        "--output-questions",
        f"{OUT}/vote_emr/questions/",
    ]
    load = votes.get_task("load_discussion_question_votes")
    assert (load.staging_location, load.input_layout) == ("s3://dataduct-data/emr", "hadoop")
    assert load.staging_prefix == f"votes/{RUN}/vote_emr/questions"


def test_streaming_and_raw_steps(definitions: Path) -> None:
    from airflow_dataduct.factory.dag import build_dag

    (definitions / "scripts").mkdir()
    (definitions / "scripts" / "mapper.py").write_text("print('x')\n")
    text = """name: wc
emr_cluster_config:
    ami_version: 3.3.1
steps:
-   step_type: emr-streaming
    input_path: s3://data/words/
    mapper: scripts/mapper.py
    reducer: s3://code/reducer.py
    hadoop_params: [-D, mapreduce.job.reduces=2]
-   step_type: emr-step
    step_string: s3://code/tool.jar,--day,#{format(@scheduledStartTime,'YYYY-MM-dd')}
"""
    pipeline = read(definitions, text)
    config = open_definitions(definitions)
    dag = build_dag(pipeline, config)
    add = dag.get_task("EMRStreamingStep0.add_step")
    out = "s3://dataduct-data/emr/wc/" + RUN
    assert add.steps[0]["HadoopJarStep"] == {
        "Jar": "command-runner.jar",
        "Args": [
            "hadoop-streaming",
            "-D",
            "mapreduce.job.reduces=2",
            "-files",
            f"{out}/_src/EMRStreamingStep0/mapper.py,s3://code/reducer.py",
            "-output",
            f"{out}/EMRStreamingStep0/",
            "-input",
            "s3://data/words/",
            "-mapper",
            "mapper.py",
            "-reducer",
            "reducer.py",
        ],
    }
    assert add.uploads == [
        [str(definitions / "scripts" / "mapper.py"), f"{out}/_src/EMRStreamingStep0/mapper.py"]
    ]
    raw = dag.get_task("EMRJobStep0.add_step").steps[0]["HadoopJarStep"]
    assert raw["Jar"] == "s3://code/tool.jar"
    assert raw["Args"][0] == "--day" and "data_interval_start" in raw["Args"][1]


def test_missing_streaming_script_is_an_error(definitions: Path) -> None:
    text = "name: p\nsteps:\n-   step_type: emr-streaming\n    mapper: scripts/none.py\n"
    text += "    input_path: s3://data/words/\n"
    assert errors(definitions, text)[0].startswith("4:13: mapper: script 'scripts/none.py'")


# --- reading a Hadoop output -------------------------------------------------------------------


def test_hadoop_output_needs_success_marker_and_skips_hidden_files(tmp_path: Path) -> None:
    store = LocalStagingStore(tmp_path)
    folder = tmp_path / "run" / "questions"
    (folder / "_logs").mkdir(parents=True)
    (folder / "part-00000").write_bytes(b"q1\t1\n")
    (folder / "part-00001.gz").write_bytes(gzip.compress(b"q2\t\\N\n"))
    (folder / "_logs" / "history").write_text("log")
    (folder / "copy.manifest").write_text("{}")
    with pytest.raises(FileNotFoundError, match="_SUCCESS is missing"):
        hadoop_output_manifest(store, "run/questions")
    (folder / "_SUCCESS").write_text("")
    manifest = hadoop_output_manifest(store, "run/questions")
    assert [p.name for p in manifest.parts] == ["part-00000", "part-00001.gz"]
    assert manifest.rows == -1
    assert b"".join(store.iter_records(manifest)) == b"q1\t1\nq2\t\\N\n"


def test_redshift_reads_hadoop_parts_through_a_copy_manifest_without_gzip(tmp_path: Path) -> None:
    from airflow_dataduct.connections.warehouse import copy_options_for
    from airflow_dataduct.sql.copy import CopyOptions

    store = LocalStagingStore(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "part-00000").write_text("a\t1\n")
    (tmp_path / "out" / "_SUCCESS").write_text("")
    manifest = hadoop_output_manifest(store, "out")
    store.publish_manifest(manifest)
    options = copy_options_for(manifest, None)
    assert options == CopyOptions(compression="none")
    assert options.clause().startswith("DELIMITER '\\t' ESCAPE NULL AS '\\\\N'")
    assert hadoop_output_manifest(store, "out").parts == manifest.parts, "manifests not parts"
    (tmp_path / "out" / "part-00001.gz").write_bytes(gzip.compress(b"b\t2\n"))
    with pytest.raises(ValueError, match="mix gzip and plain"):
        copy_options_for(hadoop_output_manifest(store, "out"), None)


def test_every_load_step_reads_an_emr_output_as_hadoop_parts(definitions: Path) -> None:
    from airflow_dataduct.factory.dag import build_dag

    text = """name: p
steps:
-   step_type: scalding
    job_name: org.example.Job
    output_node: [rows]
-   step_type: load-redshift
    input_node: rows
    schema: staging
    table: votes
-   step_type: load-postgres
    input_node: rows
    table: votes
    insert_query: INSERT INTO votes VALUES (?, ?)
-   step_type: load-reload-pk
    input_node: rows
    staging_table_definition: tables/staging.maestro_users.sql
    production_table_definition: tables/prod.users.sql
"""
    dag = build_dag(read(definitions, text), open_definitions(definitions))
    loads = [
        dag.get_task("LoadRedshiftStep0"),
        dag.get_task("LoadPostgresStep0"),
        dag.get_task("LoadReloadAndPrimaryKeyStep0.create_and_load"),
    ]
    for load in loads:
        assert (load.input_layout, load.remove_staged) == ("hadoop", False), load.task_id
        assert load.staging_prefix == f"p/{RUN}/ScaldingStep0/rows"


def test_emr_step_cannot_read_a_local_staging_location(definitions: Path) -> None:
    text = """name: p
steps:
-   step_type: extract-rds
    host_name: maestro
    table: users
-   step_type: scalding
    job_name: org.example.Job
"""
    found = errors(definitions, text)
    assert any("reads 'ExtractRdsStep0' from the staging location" in e for e in found), found


def test_cluster_task_names_are_reserved(definitions: Path) -> None:
    text = SCALDING.replace("job_name:", "name: create_emr_cluster\n    job_name:")
    assert "3:5: step name 'create_emr_cluster' is reserved for the EMR cluster" in errors(
        definitions, text
    )


def test_step_sensors_reschedule_by_default_and_can_defer(votes, definitions: Path) -> None:  # type: ignore[no-untyped-def]
    from airflow_dataduct.factory.dag import build_dag

    assert votes.get_task("vote_emr.watch_step").mode == "reschedule"
    config = definitions / "dataduct.yaml"
    config.write_text(
        config.read_text().replace("\nemr:\n", "\nemr:\n  step_sensor_mode: deferrable\n")
    )
    pipeline = read_pipeline(definitions / "votes.yaml", open_definitions(definitions))
    sensor = build_dag(pipeline, open_definitions(definitions)).get_task("vote_emr.watch_step")
    assert sensor.deferrable is True
