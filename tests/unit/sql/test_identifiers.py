"""Redshift's reserved words are quoted; catalog names compare as Redshift folds them."""

from __future__ import annotations

import pytest

from airflow_dataduct.sql.identifiers import (
    REDSHIFT_RESERVED,
    Dialect,
    catalog_name,
    quote_ident,
)

DOCUMENTED = """
aes128 aes256 all allowoverwrite analyse analyze and any array as asc authorization az64 backup between
binary blanksasnull both bytedict bzip2 case cast check collate column connect constraint create credentials
cross current_date current_time current_timestamp current_user current_user_id default deferrable deflate
defrag delta delta32k desc disable distinct do else emptyasnull enable encode encrypt encryption end except
explicit false for foreign freeze from full globaldict256 globaldict64k grant group gzip having identity
ignore ilike in initially inner intersect interval into is isnull join language leading left like limit
localtime localtimestamp lun luns lzo lzop minus mostly16 mostly32 mostly8 natural new not notnull null nulls
off offline offset oid old on only open or order outer overlaps parallel partition percent permissions pivot
placing primary raw readratio recover references rejectlog resort respect restore right select session_user
similar snapshot some start sysdate system table tag tdes text255 text32k then timestamp to top trailing true
truncatecolumns union unique unnest unpivot user using verbose wallet when where with without
""".split()  # noqa: E501 - r_pg_keywords, as the page lists them
"""Redshift's reserved words (Database Developer Guide, r_pg_keywords)."""


def test_the_list_is_redshifts_whole_documented_list() -> None:
    assert len(DOCUMENTED) == 159
    assert frozenset(DOCUMENTED) == REDSHIFT_RESERVED


@pytest.mark.parametrize("word", [*DOCUMENTED, "start", "connect"])
def test_every_redshift_reserved_word_is_quoted(word: str) -> None:
    assert quote_ident(word) == f'"{word}"'


@pytest.mark.parametrize("word", ["explicit", "backup", "wallet", "gzip", "credentials"])
def test_redshift_only_reserved_words_are_quoted_in_column_lists(word: str) -> None:
    from airflow_dataduct.sql.identifiers import column_list

    assert column_list(["id", word]) == f'id, "{word}"'


def test_plain_names_stay_unquoted() -> None:
    assert quote_ident("orders") == "orders"


@pytest.mark.parametrize(("name", "redshift"), [("Orders", "orders"), ("REGION", "region")])
def test_redshift_catalog_names_are_folded_to_lower_case(name: str, redshift: str) -> None:
    assert catalog_name(name, Dialect.REDSHIFT) == redshift
    assert catalog_name(name, Dialect.POSTGRES) == name
