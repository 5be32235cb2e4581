"""Import: a generated beneficiaries workbook imported end to end by `portfolio import` (read in a child
process, parse, validate, match, write through the door with its audit trail), whole process, against
python-calamine's raw read plus a plain sqlite3 executemany of the same rows into one table."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass

from portfolio.db.database import IMPORT_CACHE_KIB
from portfolio.services.portfolio import open_portfolio

from .runner import Options, Result, row
from .workbooks import write_beneficiaries


def _sizes(options: Options) -> tuple[int, int]:
    # the full sizes for the real run; the runner's own test (big-scale 2) uses small ones
    return (10_000, 100_000) if options.big_scale >= 100 else (200 * options.big_scale, 1_000 * options.big_scale)


def _raw_read(path: object) -> float:
    """python-calamine's raw read of the sheet alone: the reading half of the import's floor."""
    start = time.perf_counter()
    from python_calamine import CalamineWorkbook

    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return time.perf_counter() - start


def _baseline(path: object, workdir: object) -> float:
    """python-calamine's raw read of the sheet, then one executemany of the rows into one table."""
    target = f"{workdir}/baseline.sqlite"
    if os.path.exists(target):
        os.unlink(target)
    start = time.perf_counter()
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(0).to_python()
    with sqlite3.connect(target) as connection:
        width = max(len(r) for r in rows)
        connection.execute(f"CREATE TABLE t ({', '.join(f'c{i}' for i in range(width))})")
        connection.executemany(f"INSERT INTO t VALUES ({', '.join('?' * width)})",
                               [[str(v) if v is not None else None for v in r] + [None] * (width - len(r))
                                for r in rows])
    return time.perf_counter() - start


# a process of its own runs the command and reports the command's time and peak memory: its only children
# are the command and the command's reading child, where the caller's own children (earlier tests, earlier
# rows) would count in the caller's RUSAGE_CHILDREN
_MEASURE = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
            "code = subprocess.call(sys.argv[1:]); seconds = time.perf_counter() - start; "
            "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
            "sys.exit(code)")


@dataclass
class Measured:
    """A command run by ``measured``: its exit code, output, time and peak memory (with its children)."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_kib: int


def measured(command: list[str], timeout: float = 3600) -> Measured:
    """Runs ``command`` and measures its wall time and the peak RSS of it and its own children."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True,
                          timeout=timeout)
    *stderr, last = done.stderr.rstrip("\n").split("\n")
    seconds, peak = last.split()
    return Measured(done.returncode, done.stdout, "\n".join(stderr), float(seconds), int(peak))


def _import(path: object, db: object) -> tuple[float, dict, int]:
    """`portfolio import FILE --json` in its own process: seconds, its JSON, peak memory (KiB) of the
    command and its reading child."""
    run = measured([sys.executable, "-m", "portfolio", "import", str(path), "--db", str(db), "--json"])
    if run.code != 0:
        raise RuntimeError(run.stderr)
    return run.seconds, json.loads(run.stdout), run.peak_kib


_WRITTEN = ("organisation", "application", "project", "aid", "application_partner", "disbursement", "audit_entry")


def _sqlite_alone(imported: object, template: object, workdir: object) -> float:
    """SQLite's own share: the records and audit entries the import wrote, read back and inserted again by
    plain executemany into a copy of the empty portfolio (same schema, indexes, pragmas, one transaction)."""
    target = f"{workdir}/sqlite-alone.sqlite"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.unlink(target + suffix)
    shutil.copyfile(str(template), target)
    connection = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON",
                   f"cache_size = -{IMPORT_CACHE_KIB}"):  # (an import's write: plan/apply.py)
        connection.execute(f"PRAGMA {pragma}")
    source = sqlite3.connect(str(imported))
    rows = {}
    for table in _WRITTEN:  # the rows the template (reference data and its audit entries) does not have
        seeded = {r[0] for r in connection.execute(f"SELECT rowid FROM {table}")}
        cursor = source.execute(f"SELECT rowid, * FROM {table}")
        rows[table] = ([d[0] for d in cursor.description[1:]], [r[1:] for r in cursor if r[0] not in seeded])
    source.close()
    start = time.perf_counter()
    connection.execute("BEGIN")
    for table in _WRITTEN:
        columns, values = rows[table]
        connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                               values)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - start
    connection.close()
    return seconds


@row("import")
def import_rows(options: Options) -> list[Result]:
    results = []
    for count in _sizes(options):
        workbook = write_beneficiaries(options.workdir / f"beneficiaires-{count}.xlsx", count)
        template = options.workdir / "import-empty.sqlite"
        if not template.exists():
            open_portfolio(template).close()
        db = options.workdir / f"import-{count}.sqlite"
        shutil.copyfile(template, db)
        baseline = min(_baseline(workbook, options.workdir) for _ in range(2))
        seconds, summary, peak_kib = _import(workbook, db)
        created = sum(summary["created"].values())
        results.append(Result(f"import of a {count:,}-row beneficiaries workbook (end to end, whole process)",
                              seconds, "s", baseline, "python-calamine raw read + sqlite3 executemany of the rows",
                              target="",
                              note=f"{created:,} records created, {len(summary['rejected'])} rows rejected, "
                                   f"peak RSS {peak_kib / 1024:,.0f} MiB"))
        alone = _sqlite_alone(db, template, options.workdir)
        results.append(Result(f"SQLite alone: what the {count:,}-row import wrote, inserted again",
                              alone, "s", baseline, "the same baseline",
                              note=f"the {created:,} records and their audit entries inserted again by plain "
                                   "executemany in one transaction (same schema and pragmas)"))
        # issue #20's floor: what no import of this file can go below, reading it and writing what it wrote
        floor = min(_raw_read(workbook) for _ in range(2)) + alone
        results.append(Result(f"import of {count:,} rows against its floor (whole process)", seconds, "s", floor,
                              "floor: calamine's raw read + SQLite alone, same run",
                              target="≤ 2×, ≤ 300 MiB" if count >= 100_000 else "",
                              note=f"peak RSS {peak_kib / 1024:,.0f} MiB"))
    return results
