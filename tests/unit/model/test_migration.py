"""``dataduct.cfg`` -> ``dataduct.yaml`` + Airflow connections, section by section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from airflow_dataduct.model.config import DataductConfig, merge_mode
from airflow_dataduct.model.migration import migrate

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_CONFIG = ROOT / "tests" / "fixtures" / "dataduct_examples" / "config" / "example_config"

EVERY_SECTION = """\
etl:
    S3_ETL_BUCKET: etl-bucket
    S3_BASE_PATH: dev
    ROLE: DataPipelineDefaultRole
    RESOURCE_ROLE: DataPipelineDefaultResourceRole
    REGION: us-east-1
    KEY_PAIR: etl-key
    MAX_RETRIES: 2
    RETRY_DELAY: 10 Minutes
    MAX_ACTIVE_INSTANCES: 3
    DAILY_LOAD_TIME: 4
    NAME_PREFIX: dev
    SNS_TOPIC_ARN_FAILURE: arn:aws:sns:us-east-1:123456789012:etl-failure
    SNS_TOPIC_ARN_WARNING: arn:aws:sns:us-east-1:123456789012:etl-warning
    QA_LOG_PATH: qa
    DP_QA_TESTS_LOG_PATH: dba_table_qa_tests
    DP_INSTANCE_LOG_PATH: dp_instances
    DP_PIPELINE_LOG_PATH: dp_pipelines
    RESOURCE_BASE_PATH: ~/dataduct/examples/resources
    CUSTOM_STEPS_PATH: ~/dataduct/examples/steps
    HOOKS_BASE_PATH: ~/dataduct/examples/hooks
    CONNECTION_RETRIES: 2
    FREQUENCY_OVERRIDE: one-time
    DEPENDENCY_OVERRIDE: true
    TAGS:
        env:
            string: dev
        Name:
            variable: name
ec2:
    INSTANCE_TYPE: m1.large
    ETL_AMI: ami-05355a6c
    SECURITY_GROUP: etl
    WORKER_GROUP: etl-workers
emr:
    MASTER_INSTANCE_TYPE: m3.xlarge
    NUM_CORE_INSTANCES: 2
    CORE_INSTANCE_TYPE: m1.large
    TASK_INSTANCE_TYPE: m1.large
    TASK_INSTANCE_BID_PRICE: 0.5
    CLUSTER_TIMEOUT: 6 Hours
    CLUSTER_AMI: 3.7.0
    HADOOP_VERSION: 2.4.0
    HIVE_VERSION: 0.13.1
    PIG_VERSION: null
    DEFAULT_BOOTSTRAP: ["s3://etl-bucket/bootstrap.sh,--fast"]
redshift:
    CLUSTER_ID: dev-cluster
    DATABASE_NAME: warehouse
    HOST: dev-cluster.abc.us-east-1.redshift.amazonaws.com
    PORT: 5439
    USERNAME: etl
    PASSWORD: rs-secret-1
mysql:
    maestro:
        HOST: maestro.db.internal
        USERNAME: reader
        PASSWORD: my-secret-2
    Billing-DB:
        HOST: billing.db.internal
        USERNAME: reader
        PASSWORD: my-secret-3
postgres:
    DATABASE_NAME: app
    RDS_INSTANCE_ID: app-db
    USERNAME: etl
    PASSWORD: pg-secret-4
    REGION: us-east-1
database:
    permissions:
    -   user: admin
        permission: all
    -   group: consumer_group
        permission: select
bootstrap:
    ec2:
    -   step_type: transform
        command: echo "Welcome to dataduct"
        no_output: true
teardown:
    step_type: transform
    command: echo Finished Pipeline
    no_output: true
custom_steps:
-   class_name: CustomExtractLocalStep
    file_path: custom_extract_local.py
    step_type: custom-extract-local
logging:
    CONSOLE_DEBUG_LEVEL: INFO
    LOG_DIR: ~/.dataduct
production:
    etl:
        S3_BASE_PATH: prod
        NAME_PREFIX: ''
        FREQUENCY_OVERRIDE: null
        DEPENDENCY_OVERRIDE: false
    redshift:
        HOST: prod-cluster.abc.us-east-1.redshift.amazonaws.com
        PASSWORD: rs-secret-5
"""
SECRETS = ("rs-secret-1", "my-secret-2", "my-secret-3", "pg-secret-4", "rs-secret-5")


def every_section() -> Any:
    return migrate(yaml.safe_load(EVERY_SECTION))


def test_every_section_maps_to_its_keys() -> None:
    config = every_section().config
    assert config["warehouse"] == {"conn_id": "dataduct_warehouse"}
    assert config["hosts"] == {"maestro": "dataduct_maestro", "Billing-DB": "dataduct_billing_db"}
    assert config["postgres"] == {"conn_id": "dataduct_postgres"}
    assert config["staging"] == {
        "location": "s3://etl-bucket/dev/data",
        "aws_conn_id": "dataduct_aws",
    }
    assert config["sns"] == {
        "failure_topic_arn": "arn:aws:sns:us-east-1:123456789012:etl-failure",
        "warning_topic_arn": "arn:aws:sns:us-east-1:123456789012:etl-warning",
        "aws_conn_id": "dataduct_aws",
    }
    assert config["qa"] == {
        "log_location": "s3://etl-bucket/dev/qa",
        "log_path": "dba_table_qa_tests",
        "on_failure": "warn",  # Dataduct: a warning topic makes QA failures warnings
    }
    assert config["defaults"] == {
        "retries": 2,
        "retry_delay_minutes": 10,
        "max_active_runs": 3,
        "load_time": "04:00",
        "name_prefix": "dev",
        "frequency_override": "one-time",
        "dependency_override": True,
        "dp_tags": {"env": {"string": "dev"}, "Name": {"variable": "name"}},
        "queue": "etl-workers",
    }
    assert (config["s3_base_path"], config["resource_base_path"]) == (
        "dev",
        "~/dataduct/examples/resources",
    )
    assert config["custom_steps_path"] == "~/dataduct/examples/steps"
    assert config["emr"] == {
        "log_uri": "s3://etl-bucket/dev/logs",
        "output_location": "s3://etl-bucket/dev/emr",
        "master_instance_type": "m3.xlarge",
        "num_core_instances": 2,
        "core_instance_type": "m1.large",
        "task_instance_type": "m1.large",
        "task_bid_price": "0.5",
        "cluster_timeout": "6 Hours",
        "release_label": "emr-5.36.2",
        "default_bootstrap": ["s3://etl-bucket/bootstrap.sh,--fast"],
        "applications": ["Hadoop", "Hive"],
        "key_pair": "etl-key",
        "aws_conn_id": "dataduct_aws",
    }
    assert config["database"]["permissions"][1] == {
        "group": "consumer_group",
        "permission": "select",
    }
    assert config["bootstrap"]["ec2"][0]["command"] == 'echo "Welcome to dataduct"'
    assert config["teardown"]["command"] == "echo Finished Pipeline"
    assert config["custom_steps"][0]["step_type"] == "custom-extract-local"
    DataductConfig.model_validate(config)


def test_what_has_no_meaning_on_airflow_is_listed_key_by_key() -> None:
    dropped = dict(every_section().dropped)
    assert set(dropped) == {
        "etl.ROLE",
        "etl.RESOURCE_ROLE",
        "etl.DP_INSTANCE_LOG_PATH",
        "etl.DP_PIPELINE_LOG_PATH",
        "etl.HOOKS_BASE_PATH",
        "etl.CONNECTION_RETRIES",
        "ec2.INSTANCE_TYPE",
        "ec2.ETL_AMI",
        "ec2.SECURITY_GROUP",
        "postgres.RDS_INSTANCE_ID",
        "postgres.REGION",
        "logging.CONSOLE_DEBUG_LEVEL",
        "logging.LOG_DIR",
    }
    assert all(why for why in dropped.values())


def test_credentials_go_to_connections_and_never_into_the_config() -> None:
    migration = every_section()
    text = yaml.safe_dump(migration.config)
    assert not [s for s in SECRETS if s in text]
    connections = migration.connections
    assert connections["dataduct_warehouse"] == {
        "conn_type": "redshift",
        "host": "dev-cluster.abc.us-east-1.redshift.amazonaws.com",
        "port": 5439,
        "schema": "warehouse",
        "login": "etl",
        "password": "rs-secret-1",
        "extra": json.dumps({"cluster_identifier": "dev-cluster"}),
        "description": "Dataduct's redshift section",
    }
    assert connections["dataduct_maestro"]["password"] == "my-secret-2"
    assert connections["dataduct_maestro"]["schema"] == "maestro"  # Dataduct's QA database
    assert connections["dataduct_billing_db"]["host"] == "billing.db.internal"
    assert connections["dataduct_postgres"]["schema"] == "app"
    assert "app-db" in connections["dataduct_postgres"]["description"]
    assert connections["dataduct_aws"]["extra"] == json.dumps({"region_name": "us-east-1"})


def test_modes_come_over_as_modes_and_their_own_connections() -> None:
    migration = every_section()
    production = migration.config["modes"]["production"]
    assert production == {
        "warehouse": {"conn_id": "dataduct_warehouse_production"},
        "staging": {"location": "s3://etl-bucket/prod/data"},
        "s3_base_path": "prod",
        "defaults": {"name_prefix": "", "frequency_override": None, "dependency_override": False},
        "qa": {"log_location": "s3://etl-bucket/prod/qa"},
        "emr": {
            "log_uri": "s3://etl-bucket/prod/logs",
            "output_location": "s3://etl-bucket/prod/emr",
        },
    }
    connection = migration.connections["dataduct_warehouse_production"]
    assert (connection["host"], connection["password"]) == (
        "prod-cluster.abc.us-east-1.redshift.amazonaws.com",
        "rs-secret-5",
    )
    # merged with the same rule as at run time, the mode gives what the cfg's mode meant
    merged = merge_mode(migration.config, production)
    assert merged["defaults"]["retries"] == 2 and merged["defaults"]["name_prefix"] == ""
    DataductConfig.model_validate(merged)


def test_dataducts_example_config_migrates_with_its_placeholders_left_to_fill() -> None:
    migration = migrate(yaml.safe_load(EXAMPLE_CONFIG.read_text()))
    assert migration.config["hosts"] == {"DATABASE": "dataduct_database"}
    assert migration.config["emr"]["num_core_instances"] == 1
    assert migration.connections["dataduct_warehouse"] == {
        "conn_type": "redshift",
        "port": 5439,
        "description": "Dataduct's redshift section",
    }
    assert "redshift.HOST: FILL_ME_IN in dataduct.cfg, not carried over" in migration.todo
    assert "etl.ROLE" in dict(migration.dropped)
    DataductConfig.model_validate(migration.config)
