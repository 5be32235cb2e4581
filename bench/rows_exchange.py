"""Agencies' working workbooks: exporting 10,000 and 100,000 organisations against a raw openpyxl write-only
of the same cells in the same run (goal ≤ 1.2×), and taking back a 10,000-row workbook with 1 % of the rows
edited on each side. With a small ``--big-scale`` (the unit test runs 2) the sizes shrink in proportion."""

from __future__ import annotations

import time
from pathlib import Path

from portfolio.services.changes import Create, FieldChange, apply_changes, new_uuid
from portfolio.services.portfolio import open_portfolio

from .runner import Options, Result, row


def _sizes(options: Options) -> tuple[int, int]:
    return max(50, options.big_scale * 20), max(200, options.big_scale * 200)  # 10,000 and 100,000 at 500


def _portfolio(options: Options, count: int) -> Path:
    path = options.workdir / f"exchange-{count}.sqlite"
    if not path.exists():
        with open_portfolio(path) as db:
            with db.read() as session:
                regions = [r[0] for r in session.connection().exec_driver_sql("SELECT id FROM region ORDER BY id")]
            apply_changes(db, [Create("organisation", new_uuid(), {
                "name": f"Structure {i}", "city": f"Ville {i % 500}", "region_id": regions[i % len(regions)]})
                for i in range(count)], source="bench")
    return path


def _raw_write(path: Path, destination: Path) -> float:
    """The baseline: the same cells (uuid and the sheet's columns, references by name) written by openpyxl
    write-only, with no styles, validation or record of the export."""
    import sqlite3

    from openpyxl import Workbook

    from portfolio.exchange.working_workbook import columns, record_values

    start = time.perf_counter()
    connection = sqlite3.connect(path)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Structure")
    specs = columns("organisation", False)
    sheet.append(["uuid", *[spec.label for spec in specs]])
    for uuid, values in record_values(connection, "organisation", specs, None):
        sheet.append([uuid, *values])
    book.save(destination)
    connection.close()
    return time.perf_counter() - start


@row("exchange")
def exchange_rows(options: Options) -> list[Result]:
    from portfolio.exchange.sync import apply_sync, plan_sync
    from portfolio.exchange.working_workbook import Selection, export_working_workbook

    results = []
    for count in _sizes(options):
        path = _portfolio(options, count)
        baseline = min(_raw_write(path, options.workdir / f"raw-{count}.xlsx") for _ in range(2))
        times = []
        for _attempt in range(2):
            with open_portfolio(path) as db:
                start = time.perf_counter()
                export_working_workbook(db, Selection(("organisation",)), options.workdir / f"export-{count}.xlsx")
                times.append(time.perf_counter() - start)
        results.append(Result(f"working workbook of {count:,} organisations (styles, drop-downs, protection, the "
                              "export and its values recorded)", min(times), "s", baseline=baseline,
                              baseline_label="openpyxl write-only of the same cells", target="≤ 1.2×",
                              note="best of 2"))
    count = _sizes(options)[0]
    path = _portfolio(options, count)
    out = options.workdir / f"sync-{count}.xlsx"
    with open_portfolio(path) as db:
        export_working_workbook(db, Selection(("organisation",)), out)
        with db.read() as session:
            rows = session.connection().exec_driver_sql("SELECT uuid, city FROM organisation ORDER BY id").fetchall()
        edited = max(1, count // 100)
        apply_changes(db, [FieldChange("organisation", uuid, "city", city, city + " (ici)")
                           for uuid, city in rows[:edited]], source="bench")
    _edit(out, {uuid for uuid, _city in rows[-edited:]})
    with open_portfolio(path) as db:
        start = time.perf_counter()
        plan = plan_sync(db, out)
        apply_sync(db, plan)
        elapsed = time.perf_counter() - start
    results.append(Result(f"sync of a {count:,}-row workbook, 1 % of rows edited on each side ({len(plan.taken)} "
                          f"fields taken, {plan.kept} kept)", elapsed, "s", note="read in a child process, merged, "
                          "applied through the door"))
    return results


def _edit(path: Path, uuids: set[str]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["Structure"]
    city = [c.value for c in sheet[1]].index("Ville")
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value in uuids:
            cells[city].value = f"{cells[city].value} (agence)"
    book.save(path)
