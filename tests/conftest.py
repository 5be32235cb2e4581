"""Fixtures shared by every test folder: the PostgreSQL server of team mode's tests (issue #9)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from tests.postgres_server import Server, server_binaries


@pytest.fixture(scope="session", autouse=True)
def own_profile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The officer's profile (settings, signing keys, the heads signed at each seal) in a folder of the run's own,
    for every test and every process it starts: the tests never read nor write the user's."""
    profile = tmp_path_factory.mktemp("profil")
    saved = {name: os.environ.get(name) for name in ("PORTFOLIO_CONFIG_DIR", "PORTFOLIO_KEYS_DIR")}
    os.environ["PORTFOLIO_CONFIG_DIR"] = str(profile / "config")
    os.environ["PORTFOLIO_KEYS_DIR"] = str(profile / "cles")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


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
