"""Seed a ``users`` table with realistic, deterministic rows generated server-side.

Both databases get the same values (they derive from the id only). Every block of 1,000 ids
holds the awkward values: an empty name, names with a tab, a newline, CR LF, a backslash,
quotes, a 4-byte emoji and the literal string 'NULL'; an email 'NULL'; extreme scores. About
one email in 50, one last_login in 7, one score in 97 and one is_active in 89 is NULL.
"""

from __future__ import annotations

import psycopg

from devstack import mariadb
from devstack.mariadb import MariaDbServer

__all__ = ["seed_users", "seed_users_mysql"]

FIRST_NAMES = (
    "Ada",
    "Ben",
    "Chloé",
    "Dmitri",
    "Eva",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "José",
    "Kai",
    "Lena",
    "Mia",
    "Noah",
    "Olga",
    "Priya",
)
LAST_NAMES = (
    "Smith",
    "Müller",
    "García",
    "Nguyen",
    "Kowalski",
    "Rossi",
    "Tanaka",
    "Dubois",
    "Okafor",
    "Silva",
    "Jensen",
    "Cohen",
    "Novak",
    "Ivanova",
    "Khan",
    "Lee",
)
EMOJI_NAME = "Smiley \U0001f600"  # 4 bytes in UTF-8
QUOTED_NAME = 'O\'Brien "the quote"'
FOUR_YEARS_S = 126_230_400
ONE_YEAR_S = 31_536_000

PG_TABLE = """
CREATE TABLE users (
    id BIGINT PRIMARY KEY, user_name TEXT, user_email TEXT, created_at TIMESTAMPTZ,
    last_login TIMESTAMP, score NUMERIC(10,2), is_active BOOLEAN
)"""

# {first}/{last} are array literals; all placeholders are filled by str.format.
PG_INSERT = """
INSERT INTO users
SELECT i,
  CASE i % 1000
    WHEN 1 THEN '' WHEN 2 THEN 'tab' || chr(9) || 'here' WHEN 3 THEN 'new' || chr(10) || 'line'
    WHEN 4 THEN 'cr' || chr(13) || chr(10) || 'lf' WHEN 5 THEN 'back\\slash'
    WHEN 6 THEN {quoted} WHEN 7 THEN {emoji} WHEN 8 THEN 'NULL'
    ELSE first || ' ' || last END,
  CASE WHEN i % 50 = 25 THEN NULL WHEN i % 1000 = 9 THEN 'NULL'
    ELSE lower(first) || '.' || lower(last) || i || '@example.com' END,
  created_at,
  CASE WHEN i % 7 = 0 THEN NULL
    ELSE (created_at AT TIME ZONE 'UTC') + make_interval(secs => (i * 104729) % {year}) END,
  CASE WHEN i % 97 = 0 THEN NULL WHEN i % 1000 = 10 THEN -99999999.99
    WHEN i % 1000 = 11 THEN 99999999.99 WHEN i % 1000 = 12 THEN 0
    ELSE round(((i * 7907) % 1000000) / 100.0, 2) END,
  CASE WHEN i % 89 = 0 THEN NULL ELSE (i * 7) % 10 < 8 END
FROM (
  SELECT i, ({first})[1 + (i * 7919) % 16] AS first, ({last})[1 + (i / 16) % 16] AS last,
    timestamptz '2020-01-01 00:00:00+00'
      + make_interval(secs => (i * 7919) % {four_years} + (i % 1000) / 1000.0) AS created_at
  FROM generate_series(1::bigint, {rows}::bigint) AS i
) AS s"""

MY_TABLE = """
CREATE TABLE users (
    id BIGINT PRIMARY KEY, user_name TEXT, user_email TEXT, created_at TIMESTAMP(6) NULL,
    last_login DATETIME(6), score DECIMAL(10,2), is_active BOOLEAN
) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"""

MY_INSERT = """
INSERT INTO users
SELECT i,
  CASE i % 1000
    WHEN 1 THEN '' WHEN 2 THEN CONCAT('tab', CHAR(9 USING utf8mb4), 'here')
    WHEN 3 THEN CONCAT('new', CHAR(10 USING utf8mb4), 'line')
    WHEN 4 THEN CONCAT('cr', CHAR(13, 10 USING utf8mb4), 'lf')
    WHEN 5 THEN CONCAT('back', CHAR(92 USING utf8mb4), 'slash')
    WHEN 6 THEN {quoted} WHEN 7 THEN {emoji} WHEN 8 THEN 'NULL'
    ELSE CONCAT(first, ' ', last) END,
  CASE WHEN i % 50 = 25 THEN NULL WHEN i % 1000 = 9 THEN 'NULL'
    ELSE CONCAT(LOWER(first), '.', LOWER(last), i, '@example.com') END,
  created_at,
  CASE WHEN i % 7 = 0 THEN NULL
    ELSE created_at + INTERVAL ((i * 104729) % {year}) SECOND END,
  CASE WHEN i % 97 = 0 THEN NULL WHEN i % 1000 = 10 THEN -99999999.99
    WHEN i % 1000 = 11 THEN 99999999.99 WHEN i % 1000 = 12 THEN 0
    ELSE ROUND(((i * 7907) % 1000000) / 100, 2) END,
  CASE WHEN i % 89 = 0 THEN NULL ELSE (i * 7) % 10 < 8 END
FROM (
  SELECT seq AS i,
    ELT(1 + (seq * 7919) % 16, {first}) AS first, ELT(1 + (seq DIV 16) % 16, {last}) AS last,
    TIMESTAMP'2020-01-01 00:00:00'
      + INTERVAL (((seq * 7919) % {four_years}) * 1000000 + (seq % 1000) * 1000) MICROSECOND
      AS created_at
  FROM seq_1_to_{rows}
) AS s"""


def _sql_string(value: str) -> str:
    """A single-quoted SQL literal (standard quoting; the values have no backslashes)."""
    return "'" + value.replace("'", "''") + "'"


def _pg_array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(_sql_string(v) for v in values) + "]"


def _pg_insert(rows: int) -> str:
    return PG_INSERT.format(
        quoted=_sql_string(QUOTED_NAME),
        emoji=_sql_string(EMOJI_NAME),
        first=_pg_array(FIRST_NAMES),
        last=_pg_array(LAST_NAMES),
        year=ONE_YEAR_S,
        four_years=FOUR_YEARS_S,
        rows=int(rows),
    )


def seed_users(dsn: str, rows: int = 100_000) -> int:
    """(Re)create table ``users`` in the PostgreSQL database ``dsn``; returns its row count."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    with psycopg.connect(dsn) as conn:
        conn.execute("DROP TABLE IF EXISTS users")
        conn.execute(PG_TABLE)
        conn.execute(_pg_insert(rows))
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE users")
        count = conn.execute("SELECT count(*) FROM users").fetchone()
    return int(count[0]) if count else 0


def _my_insert(rows: int) -> str:
    return MY_INSERT.format(
        quoted=_sql_string(QUOTED_NAME),
        emoji=_sql_string(EMOJI_NAME),
        first=", ".join(_sql_string(v) for v in FIRST_NAMES),
        last=", ".join(_sql_string(v) for v in LAST_NAMES),
        year=ONE_YEAR_S,
        four_years=FOUR_YEARS_S,
        rows=int(rows),
    )


def seed_users_mysql(server: MariaDbServer, database: str, rows: int = 100_000) -> int:
    """(Re)create table ``users`` in MariaDB ``database`` (created if missing); returns count."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    mariadb.create_database(server, database)
    script = [
        "SET time_zone = '+00:00';",
        "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES');",
        "DROP TABLE IF EXISTS users;",
        MY_TABLE + ";",
        _my_insert(rows) + ";" if rows else "",
        "SELECT COUNT(*) FROM users;",
    ]
    output = mariadb.run_sql(server, "\n".join(script), database=database)
    return int(output.split()[-1])
