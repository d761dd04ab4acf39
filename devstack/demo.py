"""``make demo``: the seed ``users`` pipeline end to end on the local stack.

Starts PostgreSQL (source ``userDb`` with a seeded ``users`` table, and the ``warehouse``),
prepares an Airflow home on SQLite with the two connections, runs ``airflow dags test users``
and prints row counts and the QA results.

``DEMO_SOURCE=mysql`` (``make demo SOURCE=mysql``) puts the source ``userDb`` in a local
MariaDB instead, so ``maestro`` is a ``mysql://`` connection; the warehouse stays PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from devstack import mariadb
from devstack.postgres import (
    PostgresServer,
    create_database,
    recreate_database,
    start_postgres,
)
from devstack.seed import seed_users, seed_users_mysql

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
ROWS = int(os.environ.get("DEMO_ROWS", "100000"))
SOURCE = os.environ.get("DEMO_SOURCE", "postgres").strip().lower() or "postgres"
SOURCES = ("postgres", "mysql")


def airflow_env(server: PostgresServer, source_uri: str | None = None) -> dict[str, str]:
    """Airflow on SQLite under .local/airflow; connections as environment variables."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(LOCAL / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_DATADUCT_MAESTRO": source_uri or server.dsn("userDb"),
        "AIRFLOW_CONN_DATADUCT_WAREHOUSE": server.dsn("warehouse"),
    }


def prepare_mysql_source() -> mariadb.MariaDbServer:
    """MariaDB under .local/stack/mariadb with ``userDb.users`` seeded."""
    print(f"==> Starting MariaDB under {LOCAL / 'stack' / 'mariadb'}")
    server = mariadb.start_mariadb(LOCAL / "stack" / "mariadb")
    print(f"==> Seeding userDb.users (MariaDB) with {ROWS:,} rows")
    seed_users_mysql(server, "userDb", ROWS)
    return server


def prepare_stack() -> PostgresServer:
    print(f"==> Starting PostgreSQL under {LOCAL / 'stack' / 'postgres'}")
    server = start_postgres(LOCAL / "stack" / "postgres")
    create_database(server, "userDb")
    print("==> Emptying the warehouse database (each demo loads from scratch)")
    recreate_database(server, "warehouse")
    print(f"==> Seeding userDb.users with {ROWS:,} rows")
    seed_users(server.dsn("userDb"), ROWS)
    (LOCAL / "staging").mkdir(parents=True, exist_ok=True, mode=0o700)
    return server


def run_pipeline(env: dict[str, str]) -> tuple[int, list[dict[str, object]]]:
    """``airflow dags test users``, echoed live; its exit code and the QA results it logged."""
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    print("==> airflow dags test users")
    process = subprocess.Popen(
        [AIRFLOW, "dags", "test", "users"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    results = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        if "DATADUCT_QA " in line:
            payload = line.split("DATADUCT_QA ", 1)[1]
            results.append(json.loads(payload[: payload.rindex("}") + 1]))
    return process.wait(), results


def summary(
    server: PostgresServer, qa: list[dict[str, object]], source_count: int | None = None
) -> None:
    def count(db: str, sql: str) -> int:
        with psycopg.connect(server.dsn(db)) as conn:
            return conn.execute(sql).fetchone()[0]

    if source_count is None:
        source_count = count("userDb", "SELECT COUNT(*) FROM users")
    print("\n==> Row counts")
    print(f"  source    {'userDb.users':<22} {source_count:>10,}  ({SOURCE})")
    for table in ("staging.maestro_users", "prod.users"):
        print(f"  warehouse {table:<22} {count('warehouse', f'SELECT COUNT(*) FROM {table}'):>10,}")
    print("==> QA results")
    for result in qa:
        status = "PASS" if result.get("success") else "FAIL"
        details = {k: v for k, v in result.items() if k not in ("check", "test_name", "success")}
        print(f"  {status} {result['test_name']} ({result['check']}): {details}")


def main() -> int:
    if SOURCE not in SOURCES:
        print(f"DEMO_SOURCE must be one of {', '.join(SOURCES)}, not {SOURCE!r}", file=sys.stderr)
        return 2
    server = prepare_stack()
    if SOURCE == "mysql":
        source = prepare_mysql_source()
        code, qa = run_pipeline(airflow_env(server, source.uri("userDb")))
        counted = mariadb.run_sql(source, "SELECT COUNT(*) FROM users;", database="userDb")
        summary(server, qa, int(counted))
    else:
        code, qa = run_pipeline(airflow_env(server))
        summary(server, qa)
    print(f"\n==> airflow dags test users exited {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
