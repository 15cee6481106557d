"""Mail tests: the scratch PostgreSQL databases of the tests across processes."""

from tests.processes import postgres_database  # noqa: F401
