"""Crash safety: kill -9 at random moments during edit loops, then check that every file is intact.

Each loop copies a small prepared portfolio (``BATCH_SIZE`` organisations, built once through the one door),
starts a child process that edits it through ``apply_changes`` (every edit a batch setting the city of every
organisation to ``edit-<k>``) and acknowledges each commit on its standard output, then kills the child with
SIGKILL at a random moment after its first acknowledgment. The file must then be intact: SQLite's integrity
check and the audit chain hold, every organisation holds the same edit k (a whole batch, never half of one),
k is at least the last acknowledged edit, and the trail holds exactly k * BATCH_SIZE entries of the edits.

With ``--journal-off`` the child writes with journaling and syncing switched off and a tiny page cache, so
SQLite writes pages into the file in the middle of a batch: the harness must then find corrupted files, which
shows that it can see a corruption when there is one.

    python scripts/crash_harness.py [--loops 200] [--journal-off] [--seed N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event, text

from portfolio.db.database import Database
from portfolio.domain.errors import PortfolioError
from portfolio.services.changes import Create, FieldChange, apply_changes
from portfolio.services.integrity import check_file
from portfolio.services.portfolio import open_portfolio

BATCH_SIZE = 200  # organisations changed by every edit, in one apply_changes call (one transaction)
ACTOR = "crash-harness"  # PORTFOLIO_ACTOR of the editing child: its audit entries are counted by actor
EDIT_SOURCE = "screen"
TEMPLATE_SOURCE = "crash-harness"
EDIT_PREFIX = "edit-"
KILL_DELAY_S = (0.05, 0.6)  # the kill lands this long (uniformly drawn) after the first acknowledgment
START_TIMEOUT_S = 60.0  # the child's first acknowledgment must come within this
CHILD_LIFETIME_S = 120.0  # a child nobody kills stops editing after this
UUID_NAMESPACE = uuid.UUID("5f0c3a52-6a1e-4c43-9d55-2c1f0b8e7a10")


class HarnessError(Exception):
    """The harness itself could not run a loop (the child did not start, or stopped on its own)."""


# --- the records and their values ----------------------------------------------------------------------


def record_uuids(batch_size: int = BATCH_SIZE) -> list[str]:
    """The harness's organisations, the same in the template, the child and the checks."""
    return [str(uuid.uuid5(UUID_NAMESPACE, f"organisation-{n}")) for n in range(batch_size)]


def edit_value(k: int) -> str:
    """The city every organisation holds after edit ``k``."""
    return f"{EDIT_PREFIX}{k}"


def edit_number(value: object) -> int | None:
    """The k of an ``edit-<k>`` value, None for anything else."""
    if isinstance(value, str) and value.startswith(EDIT_PREFIX) and value[len(EDIT_PREFIX):].isdigit():
        return int(value[len(EDIT_PREFIX):])
    return None


def build_template(path: Path, batch_size: int = BATCH_SIZE) -> int:
    """Creates a seeded portfolio with ``batch_size`` organisations at edit 0, closed (its WAL checkpointed).
    Returns its number of audit entries."""
    creations = [Create("organisation", record_uuid, {"name": f"Structure crash {n:03d}", "city": edit_value(0)})
                 for n, record_uuid in enumerate(record_uuids(batch_size))]
    with open_portfolio(path) as db:
        apply_changes(db, creations, source=TEMPLATE_SOURCE, actor=TEMPLATE_SOURCE)
        with db.read() as session:
            return int(session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one())


# --- the child: edits until it is killed ---------------------------------------------------------------


def switch_journal_off(db: Database) -> None:
    """Every new connection of ``db`` writes without a journal, without syncing, with a tiny page cache (so
    dirty pages spill into the file mid-transaction). Registered after the project's own listener, so it runs
    after it and overrides its WAL; the pool is emptied so no connection keeps the old settings."""

    @event.listens_for(db.engine, "connect")
    def _journal_off(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = 5")
        cursor.close()

    db.engine.dispose()


def writer_journal_mode(db: Database) -> str:
    """The journal mode of a write session's connection (the one the edits use)."""
    with db.write() as session:
        return str(session.execute(text("PRAGMA journal_mode")).scalar_one()).lower()


def current_cities(db: Database, uuids: list[str]) -> dict[str, str]:
    """Each organisation's current city, by uuid, in the order of ``uuids``."""
    with db.read() as session:
        rows = session.execute(text("SELECT uuid, city FROM organisation")).all()
    stored = dict(rows)
    return {record_uuid: stored[record_uuid] for record_uuid in uuids}


def child_main(path: Path, journal_off: bool, batch_size: int = BATCH_SIZE) -> int:
    """Applies edit after edit, printing ``ack <k>`` after each commit, until killed (or CHILD_LIFETIME_S)."""
    db = Database.open(path)
    if journal_off:
        switch_journal_off(db)
    cities = current_cities(db, record_uuids(batch_size))
    k = edit_number(next(iter(cities.values()))) or 0
    print(f"ready {k} {writer_journal_mode(db)}", flush=True)
    deadline = time.monotonic() + CHILD_LIFETIME_S
    while time.monotonic() < deadline:
        k += 1
        changes = [FieldChange("organisation", record_uuid, "city", old, edit_value(k))
                   for record_uuid, old in cities.items()]
        apply_changes(db, changes, source=EDIT_SOURCE)
        cities = dict.fromkeys(cities, edit_value(k))
        print(f"ack {k}", flush=True)
    db.close()
    return 0


# --- the parent: start, kill, check ----------------------------------------------------------------------


class AckReader(threading.Thread):
    """Reads the child's lines: its journal mode (``ready``) and the edits it acknowledged (``ack``)."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.journal_mode = ""
        self.last_ack = 0
        self.first_ack = threading.Event()

    def run(self) -> None:
        for line in self.stream:
            word, _, rest = line.strip().partition(" ")
            if word == "ready":
                self.journal_mode = rest.split()[-1]
            elif word == "ack":
                self.last_ack = int(rest)
                self.first_ack.set()
        self.first_ack.set()  # end of output: nobody waits for an acknowledgment that cannot come


def child_command(path: Path, journal_off: bool, batch_size: int) -> list[str]:
    """The command line of the editing child."""
    return [sys.executable, str(Path(__file__).resolve()), "--child", str(path), "--batch-size", str(batch_size),
            *(["--journal-off"] if journal_off else [])]


def crash_child(path: Path, journal_off: bool, delay: float, batch_size: int = BATCH_SIZE) -> int:
    """Runs the editing child on ``path`` and kills it (SIGKILL) ``delay`` seconds after its first
    acknowledgment. Returns the last edit it acknowledged (every line it wrote before dying is read)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        child = subprocess.Popen(child_command(path, journal_off, batch_size), stdout=subprocess.PIPE, stderr=errors,
                                 text=True, env={**os.environ, "PORTFOLIO_ACTOR": ACTOR})
        assert child.stdout is not None
        reader = AckReader(child.stdout)
        reader.start()
        try:
            if not reader.first_ack.wait(START_TIMEOUT_S) or not reader.last_ack:
                raise HarnessError("le processus d'édition n'a acquitté aucune édition")
            time.sleep(delay)
            if child.poll() is not None:
                raise HarnessError(f"le processus d'édition s'est arrêté seul (code {child.returncode})")
            os.kill(child.pid, signal.SIGKILL)
        except HarnessError as exc:
            errors.seek(0)
            raise HarnessError(f"{exc}\n{errors.read()[-2000:]}") from None
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            reader.join()
    expected = "off" if journal_off else "wal"
    if reader.journal_mode != expected:
        raise HarnessError(f"mode de journal du processus d'édition : {reader.journal_mode!r}, attendu {expected!r}")
    return reader.last_ack


@dataclass
class FileState:
    """What a killed child left in the file."""

    edits: list[int | None] = field(default_factory=list)  # each organisation's edit number
    versions: list[int] = field(default_factory=list)  # each organisation's row_version
    edit_entries: int = 0  # audit entries written by the child's edits
    all_entries: int = 0


def read_state(path: Path, uuids: list[str]) -> FileState:
    """Reads the organisations and the audit counts through a plain read-only connection."""
    state = FileState()
    with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
        rows = dict((u, (c, v)) for u, c, v in connection.execute("SELECT uuid, city, row_version FROM organisation"))
        for record_uuid in uuids:
            city, version = rows.get(record_uuid, (None, 0))
            state.edits.append(edit_number(city))
            state.versions.append(version)
        state.edit_entries = connection.execute(
            "SELECT count(*) FROM audit_entry WHERE actor = ? AND source = ?", (ACTOR, EDIT_SOURCE)).fetchone()[0]
        state.all_entries = connection.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    return state


def state_problems(state: FileState, acknowledged: int, baseline: int) -> tuple[int | None, list[str]]:
    """The edit the file holds (None when the organisations disagree) and what is wrong with it."""
    found = set(state.edits)
    if len(found) != 1 or None in found:
        shown = sorted(str(k) for k in found)
        return None, [f"organisations à des éditions différentes (lot coupé) : {', '.join(shown)}"]
    k = found.pop()
    assert k is not None
    problems = []
    if k < acknowledged:
        problems.append(f"édition acquittée perdue : acquittée {acknowledged}, trouvée {k}")
    if k > acknowledged + 1:
        problems.append(f"édition {k} jamais lancée (dernière acquittée {acknowledged})")
    if set(state.versions) != {k + 1}:
        problems.append(f"row_version incohérents : {sorted(set(state.versions))}, attendu {k + 1}")
    if state.edit_entries != k * len(state.edits):
        problems.append(f"journal d'audit : {state.edit_entries} entrées d'édition, attendu {k * len(state.edits)}")
    if state.all_entries != baseline + state.edit_entries:
        problems.append(f"journal d'audit : {state.all_entries} entrées, attendu {baseline + state.edit_entries}")
    return k, problems


def reopen_problems(path: Path) -> list[str]:
    """The application must open the file again after the crash (and then checkpoints its log)."""
    try:
        Database.open(path).close()
    except PortfolioError as exc:
        return [f"réouverture impossible : {exc}"]
    return []


@dataclass
class Verdict:
    """What the checks found in a file after a crash."""

    found: int | None  # the edit every organisation holds (None when they disagree or cannot be read)
    edit_entries: int  # audit entries written by the child's edits
    problems: list[str]


def check_after_crash(path: Path, acknowledged: int, baseline: int, batch_size: int = BATCH_SIZE) -> Verdict:
    """Checks a file after a crash: ``portfolio check`` (SQLite integrity, foreign keys, audit chain), then the
    invariants of the edits, then a reopening by the application."""
    problems: list[str] = []
    try:
        problems += check_file(path).problems()
        state = read_state(path, record_uuids(batch_size))
    except (PortfolioError, sqlite3.DatabaseError) as exc:
        return Verdict(None, 0, [*problems, f"fichier illisible : {exc}"])
    found, more = state_problems(state, acknowledged, baseline)
    return Verdict(found, state.edit_entries, problems + more + reopen_problems(path))


# --- the loops -------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """One loop: the kill, the last acknowledged edit, what the file held and what was wrong with it."""

    index: int
    delay: float
    acknowledged: int
    found: int | None
    edit_entries: int
    problems: list[str]
    seconds: float

    @property
    def intact(self) -> bool:
        return not self.problems

    def line(self, loops: int) -> str:
        verdict = "intact" if self.intact else "CORROMPU : " + " ; ".join(self.problems)
        return (f"passe {self.index}/{loops} : kill -9 {self.delay:.2f} s après le 1er acquittement, "
                f"acquittée {self.acknowledged}, trouvée {self.found} : {verdict}")


@dataclass
class Report:
    """Every loop of a run of the harness."""

    loops: int
    journal_off: bool
    seed: int
    batch_size: int
    runs: list[RunResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def intact(self) -> int:
        return sum(run.intact for run in self.runs)

    @property
    def corrupted(self) -> int:
        return len(self.runs) - self.intact

    @property
    def ok(self) -> bool:
        """Normal mode: every file intact. Journal off: at least one corruption detected."""
        return self.corrupted >= 1 if self.journal_off else self.intact == self.loops == len(self.runs)

    def summary(self) -> list[str]:
        lines = [f"{self.intact}/{self.loops} fichiers intacts ({self.seconds:.0f} s, graine {self.seed})"]
        if self.journal_off:
            lines.append(f"journal désactivé : {self.corrupted}/{self.loops} fichiers corrompus détectés")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "intact": self.intact, "corrupted": self.corrupted, "ok": self.ok}


def remove_database(path: Path) -> None:
    """Deletes a database file and its companions (log, shared memory, rollback journal)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


@contextlib.contextmanager
def loop_copy(template: Path, index: int) -> Iterator[Path]:
    """A fresh copy of the template for one loop, deleted afterwards."""
    path = template.with_name(f"run-{index:04d}.sqlite")
    shutil.copyfile(template, path)
    try:
        yield path
    finally:
        remove_database(path)


def run_once(index: int, template: Path, baseline: int, delay: float, journal_off: bool,
             batch_size: int = BATCH_SIZE) -> RunResult:
    """One loop: a fresh copy, a child killed after ``delay``, the checks."""
    started = time.monotonic()
    with loop_copy(template, index) as path:
        acknowledged = crash_child(path, journal_off, delay, batch_size)
        verdict = check_after_crash(path, acknowledged, baseline, batch_size)
    return RunResult(index, round(delay, 3), acknowledged, verdict.found, verdict.edit_entries, verdict.problems,
                     round(time.monotonic() - started, 3))


def run_loops(loops: int = 200, journal_off: bool = False, seed: int | None = None, workdir: Path | None = None,
              on_run: Callable[[RunResult], None] | None = None, batch_size: int = BATCH_SIZE) -> Report:
    """Runs ``loops`` crash loops in a temporary folder (under ``workdir`` when given), removed afterwards.
    ``seed`` draws the kill delays (a random seed when None); ``on_run`` is called after each loop."""
    seed = random.randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    report = Report(loops, journal_off, seed, batch_size)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crash-harness-", dir=workdir) as folder:
        template = Path(folder) / "template.sqlite"
        baseline = build_template(template, batch_size)
        for index in range(1, loops + 1):
            run = run_once(index, template, baseline, rng.uniform(*KILL_DELAY_S), journal_off, batch_size)
            report.runs.append(run)
            if on_run:
                on_run(run)
    report.seconds = round(time.monotonic() - started, 1)
    return report


# --- the command line ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="kill -9 pendant des éditions, puis vérification des fichiers")
    parser.add_argument("--loops", type=int, default=200, help="nombre de passes (200 par défaut)")
    parser.add_argument("--journal-off", action="store_true",
                        help="écrire sans journal : le harnais doit détecter des fichiers corrompus")
    parser.add_argument("--seed", type=int, default=None, help="graine des instants de kill")
    parser.add_argument("--json", action="store_true", help="rapport final en JSON")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="organisations modifiées par édition")
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        return child_main(args.child, args.journal_off, args.batch_size)
    if args.loops < 1 or args.batch_size < 1:
        print("--loops et --batch-size doivent valoir au moins 1", file=sys.stderr)
        return 2
    on_run = None if args.json else lambda run: print(run.line(args.loops), flush=True)
    try:
        report = run_loops(args.loops, args.journal_off, args.seed, on_run=on_run, batch_size=args.batch_size)
    except HarnessError as exc:
        print(f"erreur du harnais : {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) if args.json else "\n".join(report.summary()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
