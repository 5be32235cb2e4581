"""Rows of the main window's tables: sorting, searching and paging the organisations list in SQL
(services.listing) at 100,000 and 500,000 organisations, each against the in-memory approach of a
QSortFilterProxyModel (every row loaded, Python's sorted() and a list comprehension) timed in the same run.

The databases hold organisations only, written through the door (the full demo at 500× takes minutes).
With a small ``--big-scale`` (the unit test runs 2), the sizes shrink to 1,000 × big-scale and a fifth of it.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from portfolio.db.database import Database
from portfolio.domain.referential import fold
from portfolio.services.changes import Change, Create, apply_in_session
from portfolio.services.demo import DemoGenerator, reference_ids
from portfolio.services.listing import ListQuery, fetch_rows, query_ids
from portfolio.services.portfolio import open_portfolio

from .runner import Options, Result, row

RUNS = 5
CHUNK = 20_000
TYPED = "montp"  # typed one letter at a time in the search box
SORT_TARGETS = {100_000: ("≤ 100 ms", 0.100), 500_000: ("≤ 250 ms", 0.250)}
FILTER_TARGETS = {100_000: ("≤ 50 ms", 0.050)}


def sizes(options: Options) -> tuple[int, int]:
    """100,000 and 500,000 organisations for the real run (big-scale 500), smaller for quick runs."""
    big = 1000 * options.big_scale
    return big // 5, big


def _median(function: Callable[[], object]) -> float:
    """Median seconds of RUNS calls, after one call that warms the caches. The objects alive before the
    calls are frozen out of the garbage collector's reach (gc.freeze): the baseline's rows in memory would
    otherwise make each collection triggered during a query scan half a million tuples, which a window
    holding a page of rows does not."""
    function()
    gc.collect()
    gc.freeze()
    try:
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    return statistics.median(times)


def _build(path: Path, count: int, generator_seed: int = 2030) -> Database:
    """A portfolio database with ``count`` demo organisations written through the door in one transaction."""
    for suffix in ("", "-wal", "-shm"):
        (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    db = open_portfolio(path)
    ids = reference_ids(db)
    generator = DemoGenerator(generator_seed, 1, ids)
    changes: list[Change] = [
        Create("organisation", o.uuid, {
            "name": o.name, "siren": o.siren, "siret": o.siret, "typology_id": ids["typology"][o.typology],
            "region_id": ids["region"][o.region_code], "department_id": ids["department"][o.department_code],
            "city": o.city}, o.id, synthetic=True)
        for o in generator.organisations(count)]
    with db.write() as session:
        for start in range(0, len(changes), CHUNK):
            apply_in_session(session, changes[start:start + CHUNK], source="bench")
    return db


def _ids(db: Database, query: ListQuery) -> list[int]:
    with db.read() as session:  # a session per call, as the window opens one per refresh
        return query_ids(session, query)


def _size_rows(db: Database, count: int) -> list[Result]:
    with db.read() as session:
        load_start = time.perf_counter()
        rows = [tuple(r) for r in session.execute(text(
            "SELECT o.id, o.name, r.name, o.city, o.name || ' ' || coalesce(o.siren, '') || ' ' || "
            "coalesce(o.siret, '') || ' ' || coalesce(r.name, '') || ' ' || coalesce(d.name, '') || ' ' || o.city "
            "FROM organisation o LEFT JOIN region r ON r.id = o.region_id "
            "LEFT JOIN department d ON d.id = o.department_id"))]
        load = time.perf_counter() - load_start
    # what a proxy model holds: every row, with the folded text it filters on
    keyed = [(i, name, region or "", city, fold(searchable)) for i, name, region, city, searchable in rows]
    results: list[Result] = []
    sort_target, sort_limit = SORT_TARGETS.get(count, ("", 0.0))
    note = f"{count:,} organisations; the baseline first loads every row: {load * 1000:,.0f} ms"
    for key, label, position in (("name", "raison sociale", 1), ("region", "région (jointure)", 2),
                                 ("city", "ville", 3)):
        seconds = _median(lambda key=key: _ids(db, ListQuery("organisation", sort=key)))
        baseline = _median(lambda position=position: sorted(keyed, key=lambda r: (r[position], r[0])))
        results.append(Result(f"list sort by {label}, {count:,} rows — query_ids", seconds * 1000, "ms",
                              baseline * 1000, "Python sorted() over the rows in memory",
                              target=sort_target + _met(seconds, sort_limit), note=note))

    filter_target, filter_limit = FILTER_TARGETS.get(count, ("", 0.0))
    worst, worst_prefix, worst_baseline = 0.0, "", 0.0
    by_name = sorted(keyed, key=lambda r: (fold(r[1]), r[0]))
    for length in range(1, len(TYPED) + 1):
        prefix = TYPED[:length]
        seconds = _median(lambda prefix=prefix: _ids(db, ListQuery("organisation", search=prefix, sort="name")))
        baseline = _median(lambda prefix=prefix: [r[0] for r in by_name if prefix in r[4]])
        if seconds > worst:
            worst, worst_prefix = seconds, prefix
        worst_baseline = max(worst_baseline, baseline)
    matches = len(_ids(db, ListQuery("organisation", search=worst_prefix, sort="name")))
    results.append(Result(f"list search per keystroke ('{TYPED}' typed), sorted by name, {count:,} rows — worst",
                          worst * 1000, "ms", worst_baseline * 1000, "list comprehension over the rows in memory",
                          target=filter_target + _met(worst, filter_limit),
                          note=f"worst at '{worst_prefix}': {matches:,} matches"))

    order = _ids(db, ListQuery("organisation", sort="name"))
    page = order[len(order) // 2:len(order) // 2 + 200]

    def fetch() -> None:
        with db.read() as session:
            fetch_rows(session, "organisation", page)

    results.append(Result(f"list page of 200 rows, {count:,} rows — fetch_rows", _median(fetch) * 1000, "ms",
                          target="a few ms"))
    return results


def _met(seconds: float, limit: float) -> str:
    if not limit:
        return ""
    return " ✓" if seconds <= limit else " ✗"


@row("listing")
def listing_rows(options: Options) -> list[Result]:
    results: list[Result] = []
    for count in sizes(options):
        path = options.workdir / f"listing-{count}.sqlite"
        _build(path, count).close()  # closed (its write-ahead log checkpointed), then opened as the window does
        db = open_portfolio(path)
        try:
            results.extend(_size_rows(db, count))
        finally:
            db.close()
    return results
