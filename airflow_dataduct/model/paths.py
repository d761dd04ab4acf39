"""Paths as Dataduct's config and pipelines wrote them: ``~`` and environment variables."""

from __future__ import annotations

import os
import re

_VARIABLE = re.compile(r"\$(\w+)|\$\{([^}]*)\}")


def expand_path(text: str) -> str:
    """``text`` with ``$NAME``/``${NAME}`` replaced by the environment's values, then a
    leading ``~`` by the home directory; ValueError names a variable that is not set."""
    missing = [a or b for a, b in _VARIABLE.findall(text) if (a or b) not in os.environ]
    if missing:
        raise ValueError(f"environment variable '{missing[0]}' in path '{text}' is not set")
    return os.path.expanduser(os.path.expandvars(text))
