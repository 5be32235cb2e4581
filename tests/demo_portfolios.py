"""The demo portfolio on both engines, for the tests that compare a file with a team's server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portfolio.db.database import Database
from portfolio.services.portfolio import open_portfolio


def demo_on_both(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The body of a module's ``demo`` fixture parametrized "sqlite" / "postgresql": the demo portfolio written in
    a file, or on the test server (team mode), the same records on both."""
    from portfolio.services.demo import write_demo

    if request.param == "sqlite":
        db = open_portfolio(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    else:
        db = open_portfolio(request.getfixturevalue("postgres").database())
    write_demo(db)
    yield db
    db.close()
