"""The flags of Dataduct's load runner, given as ``script_arguments`` of create-load-redshift
and load-reload-pk (docs/steps.md), parsed when the file is validated."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
from typing import Annotated, Any

from pydantic import BeforeValidator

from airflow_dataduct.model.runner_flags import FlagParser


@dataclasses.dataclass(frozen=True)
class LoadRunnerFlags:
    """What the load runner's flags ask of the COPY and the table."""

    max_error: int = 0
    """``MAXERROR``: rows Redshift may reject."""
    replace_invalid_char: str | None = None
    """``ACCEPTINVCHARS AS '<c>'`` (Dataduct's quotes around the character are removed)."""
    no_escape: bool = False
    """The files are not backslash-escaped (no ``ESCAPE``)."""
    gzip: bool = False
    """Accepted: the compression is read from the staged files themselves."""
    command_options: str | None = None
    """All COPY format options, replacing the defaults (Redshift)."""
    force_drop_table: bool = False
    """Drop and re-create the table before loading (Dataduct parsed this and ignored it)."""


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(text)


def _char(text: str) -> str:
    char = text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text
    if len(char) != 1:
        raise argparse.ArgumentTypeError(f"expected one character, got {text!r}")
    return char


def _options(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected COPY options, got nothing")
    return text


def _parser() -> FlagParser:
    parser = FlagParser("the load runner")
    parser.add_argument("--max_error", type=_count)
    parser.add_argument("--replace_invalid_char", type=_char)
    parser.add_argument("--command_options", type=_options)
    for switch in ("--no_escape", "--gzip", "--force_drop_table"):
        parser.add_argument(switch, action="store_true", default=None)
    return parser


def parse_load_flags(arguments: Any) -> LoadRunnerFlags:
    """``script_arguments`` (a list of flags, or one string split like a shell would) as
    LoadRunnerFlags; ValueError names an unknown flag or a bad value."""
    if isinstance(arguments, LoadRunnerFlags):
        return arguments
    words = shlex.split(arguments) if isinstance(arguments, str) else arguments
    if not isinstance(words, list):
        raise ValueError(f"script_arguments: expected a list of load runner flags, got {words!r}")
    values = _parser().parse_flags([str(w) for w in words], example="--max_error=5")
    return LoadRunnerFlags(**values)


LoadRunnerArguments = Annotated[LoadRunnerFlags, BeforeValidator(parse_load_flags)]
"""A step key holding load runner flags (default: none)."""
