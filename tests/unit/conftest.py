"""Shared fixtures of the unit tests: a seeded portfolio database, copied per test (seeding takes ~1 s)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from portfolio.db.database import Database
from portfolio.services.portfolio import open_portfolio


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database created and seeded by open_portfolio once per test session, closed (WAL checkpointed)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    open_portfolio(path).close()
    assert not Path(f"{path}-wal").exists(), "closing the database should checkpoint and remove the WAL"
    return path


@pytest.fixture
def portfolio_path(tmp_path: Path, seeded_template: Path) -> Path:
    """A fresh copy of the seeded database at tmp_path/'p.sqlite'."""
    path = tmp_path / "p.sqlite"
    shutil.copyfile(seeded_template, path)
    return path


@pytest.fixture
def db(portfolio_path: Path) -> Iterator[Database]:
    """open_portfolio(tmp_path/'p.sqlite') on a seeded database."""
    database = open_portfolio(portfolio_path)
    yield database
    database.close()

