"""The browser tests reuse the integration stack's PostgreSQL server fixture."""

from tests.integration.conftest import postgres  # noqa: F401  (a fixture)
