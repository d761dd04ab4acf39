"""Throwaway PostgreSQL and MariaDB servers on loopback for the demo and the tests.

``python -m devstack up [--mariadb]`` starts them under ``.local/stack``; see ``postgres``,
``mariadb`` and ``seed`` for the Python API.
"""

from devstack._common import DevstackError

__all__ = ["DevstackError"]
