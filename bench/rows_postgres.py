"""Team mode (issue #9): the import and the KPIs on a PostgreSQL server on loopback, next to the same on a
SQLite file in the same run. The server is a throw-away cluster (tests/postgres_server.py: fsync off, as for
the tests), so the figures show the application's own cost on each engine, not a production server's disks.

Skipped (no row) where PostgreSQL is not installed."""

from __future__ import annotations

import shutil
import time
from datetime import date

from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

from .rows_import import _import
from .runner import Options, Result, row
from .workbooks import write_beneficiaries


def _kpis(target: str) -> tuple[float, float]:
    """Reading the facts, then every KPI with every breakdown: best of 3 each."""
    from portfolio.services.kpi import Facts, Filters

    reads, computes = [], []
    with open_portfolio(target, readonly=True) as db:
        for _ in range(3):
            start = time.perf_counter()
            with db.read() as session:
                facts = Facts(session)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            facts.compute(Filters(region="53"), today=date(2026, 11, 28))
            computes.append(time.perf_counter() - start)
    return min(reads), min(computes)


@row("postgres")
def postgres_rows(options: Options) -> list[Result]:
    from tests.postgres_server import Server, server_binaries

    if server_binaries() is None:
        return []
    count = 10_000 if options.big_scale >= 100 else 200 * options.big_scale
    scale = 10 if options.big_scale >= 100 else 1
    server = Server()
    try:
        workbook = write_beneficiaries(options.workdir / f"pg-beneficiaires-{count}.xlsx", count)
        empty = options.workdir / "pg-import-empty.sqlite"
        open_portfolio(empty).close()
        on_file = options.workdir / "pg-import.sqlite"
        shutil.copyfile(empty, on_file)
        on_server = server.database()
        open_portfolio(on_server).close()
        file_seconds, _summary, _peak = _import(workbook, on_file)
        server_seconds, summary, _peak = _import(workbook, on_server)
        created = sum(summary["created"].values())
        demo_file = str(options.workdir / "pg-demo.sqlite")
        demo_server = server.database()
        for target in (demo_file, demo_server):
            with open_portfolio(target) as db:
                write_demo(db, scale=scale)
        file_read, file_compute = _kpis(demo_file)
        server_read, server_compute = _kpis(demo_server)
    finally:
        server.stop()
    label = f"the demo at scale {scale} ({scale * 350:,} projects)"
    return [Result(f"import of a {count:,}-row beneficiaries workbook on PostgreSQL (end to end, whole process)",
                   server_seconds, "s", file_seconds, "the same import on a SQLite file",
                   note=f"{created:,} records created"),
            Result(f"KPIs' facts read from PostgreSQL, {label}", server_read, "s", file_read,
                   "the same read from a SQLite file", note="best of 3"),
            Result(f"every KPI and breakdown under a filter, facts from PostgreSQL, {label}", server_compute, "s",
                   file_compute, "the same from a SQLite file's facts", note="best of 3")]
