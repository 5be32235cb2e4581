"""Laptop replicas (issue #22) over a 100,000-project portfolio (the demo at scale 286, the KPI rows' file): a whole
replica made, then a sync of 1,000 changes each way (1,000 fields changed on the laptop, 1,000 others on the shared
database) as the officer runs it, `portfolio replica sync` in a process of its own, beside the same command with
nothing to exchange (its baseline, measured in the same run: the process, both files opened and backed up); the sync's
own work in the process; and the size of a change file holding 1,000 changes. With a small ``--big-scale`` (the unit
test runs 2) the portfolio shrinks to the demo at scale 1."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from portfolio.db.database import backup_copy
from portfolio.exchange import replicas
from portfolio.services.changes import FieldChange, apply_changes
from portfolio.services.portfolio import open_portfolio

from .rows_kpi import kpi_portfolio
from .runner import Options, Result, row

CHANGES = 1000
ROUNDS = 3  # the sync's own work, measured again with other changes each time


def _changes(path: Path, entity: str, field: str, offset: int, seed: int) -> list[FieldChange]:
    """``CHANGES`` changes of ``field`` on records drawn at random (a different draw on each side)."""
    from portfolio.db.sqlite_file import raw_connection

    with open_portfolio(path) as db, db.read() as session:
        rows = raw_connection(session).execute(f"SELECT uuid, {field} FROM {entity} WHERE {field} IS NOT NULL "
                                               f"ORDER BY id").fetchall()
    count = min(CHANGES, len(rows) // 2)  # (the unit test's small portfolio may hold fewer)
    drawn = random.Random(seed).sample(rows, count * 2)[offset * count:(offset + 1) * count]
    out = []
    for uuid, value in drawn:
        old = date.fromisoformat(str(value)) if field.endswith("_on") else value
        new = old + timedelta(days=7) if field.endswith("_on") else old + 100
        out.append(FieldChange(entity, str(uuid), field, old, new))
    return out


def _edit_both(laptop: Path, mine: list[FieldChange], hub: Path, theirs: list[FieldChange]) -> None:
    """Changes made on each side before a sync, as an officer's edits (through the door)."""
    for path, changes in ((laptop, mine), (hub, theirs)):
        with open_portfolio(path) as db:
            apply_changes(db, changes, source="écran")


def _sync_process(laptop: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "portfolio", "replica", "sync", "--db", str(laptop), "--json"],
                          env=env, capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return seconds


@row("replica")
def replica_rows(options: Options) -> list[Result]:
    source = kpi_portfolio(options)
    hub, laptop = options.workdir / "replica-partagee.sqlite", options.workdir / "replica-portable.sqlite"
    for path in (hub, laptop):
        path.unlink(missing_ok=True)
    backup_copy(source, hub)
    with open_portfolio(hub) as db, db.read() as session:
        projects = session.connection().exec_driver_sql("SELECT count(*) FROM project").scalar_one()
    start = time.perf_counter()
    replicas.create_replica(str(hub), laptop, name="portable")
    made = time.perf_counter() - start
    officer_replica = options.workdir / "replica-officer.sqlite"
    officer_replica.unlink(missing_ok=True)
    with open_portfolio(hub) as db, db.read() as session:
        officer = session.connection().exec_driver_sql(
            "SELECT o.name FROM officer o JOIN project p ON p.officer_id = o.id GROUP BY o.name ORDER BY count(*) "
            "DESC LIMIT 1").scalar_one()
    start = time.perf_counter()
    part = replicas.create_replica(str(hub), officer_replica, officer=officer)
    made_part = time.perf_counter() - start
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    baseline = _sync_process(laptop, env)  # nothing to send or to take: the process, the files, the backups
    mine = _changes(laptop, "disbursement", "planned_on", 0, 22)
    theirs = _changes(hub, "disbursement", "amount_cents", 1, 22)
    _edit_both(laptop, mine, hub, theirs)
    with open_portfolio(laptop) as db:
        written = replicas.export_changes(db, options.workdir / "modifications.sasn")
    seconds = _sync_process(laptop, env)
    with open_portfolio(hub) as db, db.read() as session:
        taken = session.connection().exec_driver_sql(
            "SELECT count(*) FROM audit_entry WHERE source LIKE 'réplique:%' AND field = 'planned_on'").scalar_one()
    with open_portfolio(laptop) as db, db.read() as session:
        received = session.connection().exec_driver_sql(
            "SELECT count(*) FROM audit_entry WHERE source LIKE 'origine:%' AND field = 'amount_cents'").scalar_one()
    if taken < len(mine) or received < len(theirs):
        raise RuntimeError(f"the sync took {taken} and received {received} of {len(mine)} changes each way")
    # the same exchange again, in the process, three times: the sync's own work, without the process and the backups
    core = []
    for round_ in range(ROUNDS):
        _edit_both(laptop, _changes(laptop, "disbursement", "planned_on", 0, 100 + round_),
                   hub, _changes(hub, "disbursement", "amount_cents", 1, 200 + round_))
        with open_portfolio(laptop) as db, open_portfolio(hub) as origin:  # (opened and closed outside the measure)
            start = time.perf_counter()
            sent = replicas.outgoing_to(db)
            reply = replicas.take_in(origin, sent)
            replicas.take_back(db, reply)
            core.append(time.perf_counter() - start)
    # an officer's laptop: their part only (a small file), against the same shared file
    part_baseline = _sync_process(officer_replica, env)
    laptop_changes = _changes(officer_replica, "disbursement", "planned_on", 0, 23)
    shared_changes = _changes(hub, "disbursement", "planned_on", 1, 24)
    _edit_both(officer_replica, laptop_changes, hub, shared_changes)
    part_seconds = _sync_process(officer_replica, env)
    size = f"{projects:,} projects"
    return [
        Result(f"`portfolio replica sync` of an officer's replica: {len(laptop_changes):,} changes sent, "
               f"{len(shared_changes):,} made on the shared file ({size})", part_seconds, "s",
               baseline=part_baseline, baseline_label="the same command with nothing to exchange", target="≤ 2 s",
               note=f"{officer}'s part ({part['records']:,} records): every tranche of theirs changed on the laptop; "
                    "the shared file's changes fall anywhere in the portfolio, the laptop takes those in its part"),
        Result(f"`portfolio replica sync`: {len(mine):,} changes each way ({size})", seconds, "s", baseline=baseline,
               baseline_label="the same command with nothing to exchange", target="≤ 2 s",
               note="a whole process, as the officer runs it: both files opened, each backed up, the laptop's "
                    "changes merged into the shared file and its changes taken back, one transaction each side"),
        Result(f"the same sync's own work, in the process ({size})", statistics.median(core), "s", target="≤ 2 s",
               note=f"median of {ROUNDS} syncs of {len(mine):,} other changes each way (slowest "
                    f"{max(core):.2f} s): read the laptop's trail, merge on the shared file, take its state back (no "
                    "process start, no backups, no seal)"),
        Result(f"a change file of {len(mine):,} changes", written["bytes"] / 1024, "KiB",
               note=f"{written['entries']:,} trail entries, gzipped JSON, signed (Ed25519)"),
        Result(f"a whole replica made from the file ({size})", made, "s",
               note="SQLite's online backup of the file, then its identity and its origin's"),
        Result(f"an officer's replica made ({size})", made_part, "s",
               note=f"{officer}: {part['records']:,} records written through the door"),
    ]
