"""Fixtures shared by every test folder: the PostgreSQL server of team mode's tests (issue #9)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from tests.postgres_server import Server, server_binaries


@pytest.fixture(scope="session")
def postgres() -> Iterator[Server]:
    """A PostgreSQL server on loopback for the whole run (skipped without PostgreSQL, unless required)."""
    if server_binaries() is None:
        if os.environ.get("PORTFOLIO_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required by make test: scripts/setup-system.sh tests installs it")
        pytest.skip("PostgreSQL is not installed")
    server = Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres: Server) -> str:
    """A new empty database on the test server."""
    return postgres.database()
