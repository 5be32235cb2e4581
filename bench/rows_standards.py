"""The open-data standards' exports of a 100,000-aid portfolio (the demo at scale 134: about 102,000 aids),
each with the time its standard's own validator takes on it in the same run (issue #17): SCDL subventions 2.1.1 by
Validata's library (frictionless and the schema's custom checks; Validata reads the first 100,000 rows), 360Giving
by flatten-tool then the JSON schema, as its Data Quality Tool does (grants unique by id, as the tool checks them).
The France 2030 list has no validator: its time beside it is the import planning the file back into the same
portfolio (which must change nothing). With a small ``--big-scale`` (the unit test runs 2) the portfolio shrinks to
the demo at scale 1."""

from __future__ import annotations

import time
from pathlib import Path

from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

from .runner import Options, Result, row


def _scale(options: Options) -> int:
    return max(1, round(options.big_scale * 134 / 500))  # 134: about 102,000 aids


def _portfolio(options: Options) -> tuple[Path, int]:
    scale = _scale(options)
    path = options.workdir / f"standards-{scale}.sqlite"
    if not path.exists():
        with open_portfolio(path) as db:
            write_demo(db, scale=scale)
    with open_portfolio(path, readonly=True) as db, db.read() as session:
        aids = session.connection().exec_driver_sql("SELECT count(*) FROM aid").scalar_one()
    return path, int(aids)


@row("standards")
def standards_rows(options: Options) -> list[Result]:
    from tests.standards import giving360_errors, scdl_errors, unflatten_360giving

    from portfolio.exchange.france2030 import write_france2030
    from portfolio.exchange.giving360 import write_360giving
    from portfolio.exchange.imports import run_import
    from portfolio.exchange.scdl import write_scdl

    path, aids = _portfolio(options)
    results = []
    for name, writer, suffix in (("SCDL subventions 2.1.1", write_scdl, ".csv"),
                                 ("360Giving", write_360giving, ".xlsx"),
                                 ("France 2030 list", write_france2030, ".xlsx")):
        out = options.workdir / f"standard-{name.split()[0]}{suffix}"
        with open_portfolio(path, readonly=True) as db:
            start = time.perf_counter()
            exported = writer(db, out)
            seconds = time.perf_counter() - start
        start = time.perf_counter()
        if suffix == ".csv":
            errors = len(scdl_errors(out))
            check = "Validata (frictionless + custom checks)"
        elif name == "360Giving":
            errors = len(giving360_errors(unflatten_360giving(out)))
            check = "flatten-tool + JSON schema"
        else:
            with open_portfolio(path, readonly=True) as db:
                plan, _ = run_import(db, out, dry_run=True)
            errors = len(plan.rejected) + len(plan.updates) + len(plan.creates)
            check = "its import planned back (no validator exists)"
        checked = time.perf_counter() - start
        results.append(Result(f"{name} export of {aids:,} aids ({exported.rows:,} rows)", seconds, "s",
                              baseline=checked, baseline_label=check,
                              note=f"{errors} error(s) or change(s) found; {out.stat().st_size / 1e6:.1f} MB"))
    return results
