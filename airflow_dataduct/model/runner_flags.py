"""Dataduct's runner programs (load runner, dependency check) took their options as command-line
flags parsed by argparse; ``script_arguments`` that set them are parsed the same way here, when
the file is validated, so an unknown flag is an error instead of a surprise at run time."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from airflow_dataduct.model.validation import suggest


class FlagParser(argparse.ArgumentParser):
    """argparse for one step type's runner flags, raising ValueError instead of exiting."""

    def __init__(self, step_type: str) -> None:
        super().__init__(prog=step_type, add_help=False, exit_on_error=False)
        self.step_type = step_type

    def error(self, message: str) -> NoReturn:
        raise ValueError(f"script_arguments: {message}")

    @property
    def flags(self) -> list[str]:
        """The flags this parser knows, as declared."""
        return [a.option_strings[0] for a in self._actions if a.option_strings]

    def parse_flags(self, words: Sequence[str], example: str) -> dict[str, Any]:
        """The flags among ``words`` by name (without dashes); ValueError for anything else,
        naming the word (``example`` shows how values follow their flag)."""
        try:
            namespace, rest = self.parse_known_args(list(words))
        except argparse.ArgumentError as exc:
            raise ValueError(f"script_arguments: {exc}") from None
        if rest:
            raise ValueError(self._not_a_flag(rest[0], example))
        return {name: value for name, value in vars(namespace).items() if value is not None}

    def _not_a_flag(self, word: str, example: str) -> str:
        if not word.startswith("-"):
            return (
                f"script_arguments: unexpected argument '{word}' "
                f"(values follow their flag: {example})"
            )
        flag = word.split("=", 1)[0]
        return (
            f"script_arguments: unknown flag '{flag}' of {self.step_type}"
            f"{suggest(flag, self.flags)} (known: {', '.join(self.flags)})"
        )
