"""Two processes incrementing the same field through the door lose no update (BEGIN IMMEDIATE)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import text

from portfolio.db.database import Database
from portfolio.domain.identifiers import with_luhn_digit
from portfolio.services.audit import verify_chain
from portfolio.services.changes import Create, apply_changes, current_values, new_uuid
from portfolio.services.reference import reference_uuid

INCREMENTS = 100
WORKER = r"""
import sys, time
from pathlib import Path
from portfolio.db.database import Database
import portfolio.services.checkpoints  # as the application: its seal signed (services.checkpoints)
from portfolio.services.changes import FieldChange, apply_in_session, current_values

path, uuid, go, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
db = Database.open(path)
print("ready", flush=True)
deadline = time.monotonic() + 30
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.002)
for _ in range(count):
    with db.write() as session:
        value = current_values(session, "application", uuid)["requested_cents"]
        apply_in_session(session, [FieldChange("application", uuid, "requested_cents", value, value + 1)],
                         source="concurrency")
    time.sleep(0.003)  # let the other process in between two increments
db.close()
print("done", flush=True)
"""


def ref_id(session: object, entity: str, key: str) -> int:
    return session.execute(  # type: ignore[attr-defined]
        text(f"SELECT id FROM {entity} WHERE uuid = :u"), {"u": reference_uuid(entity, key)}).scalar_one()


def test_two_processes_lose_no_increment(db: Database, tmp_path: Path) -> None:
    org, app = new_uuid(), new_uuid()
    siren = with_luhn_digit("55210055")
    with db.read() as session:
        call_id = ref_id(session, "call", "TLE-V1")
        status_id = ref_id(session, "status", "application.deposee")
    result = apply_changes(db, [
        Create("organisation", org, {"name": "Structure", "siren": siren, "siret": with_luhn_digit(siren + "0001")}),
    ], source="test")
    apply_changes(db, [Create("application", app, {
        "call_id": call_id, "lead_organisation_id": result.created_ids[org], "title": "Compteur",
        "requested_cents": 0, "status_id": status_id})], source="test")
    db.close()

    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(db.path), app, str(go), str(INCREMENTS)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                         env={**os.environ, "PORTFOLIO_BUSY_TIMEOUT_MS": "30000", "PORTFOLIO_ACTOR": f"worker-{n}"})
        for n in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            assert line.strip() == "ready", worker.communicate(timeout=30)
        started = time.monotonic()
        go.touch()
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert out.strip() == "done", (out, err)
    assert time.monotonic() - started < 30

    with Database.open(db.path) as reopened, reopened.read() as session:
        assert current_values(session, "application", app)["requested_cents"] == 2 * INCREMENTS
        report = verify_chain(session)
        assert report.ok, report.problems
        entries = session.execute(text(
            "SELECT operation, field, old_value, new_value, actor FROM audit_entry "
            "WHERE entity = 'application' AND record_uuid = :u ORDER BY seq"), {"u": app}).mappings().all()
        row_version = session.execute(text("SELECT row_version FROM application WHERE uuid = :u"),
                                      {"u": app}).scalar_one()
    updates = [e for e in entries if e["operation"] == "update"]
    assert len(updates) == 2 * INCREMENTS
    assert len(entries) == 2 * INCREMENTS + 1  # and the creation
    assert {e["field"] for e in updates} == {"requested_cents"}
    actors = [e["actor"] for e in updates]
    switches = sum(a != b for a, b in pairwise(actors))
    assert switches >= 2, "the two processes did not run at the same time"
    assert (actors.count("worker-0"), actors.count("worker-1")) == (INCREMENTS, INCREMENTS)
    # each increment read the value the previous one wrote: the old values are 0, 1, ..., 199
    assert [(json.loads(e["old_value"]), json.loads(e["new_value"])) for e in updates] == [
        (i, i + 1) for i in range(2 * INCREMENTS)]
    assert row_version == 1 + 2 * INCREMENTS


def test_two_openings_setting_the_seal_aside_at_once_both_open(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes opening a sealed file for writing at the same moment: the one that finds the seal gone
    between seeing it and moving it aside opens too (seen on a fresh machine as "n'accepte pas l'écriture")."""
    from portfolio.db import seal
    from portfolio.services.portfolio import open_portfolio

    path = tmp_path / "p.sqlite"
    open_portfolio(path).close()
    assert seal.seal_path(path).exists()
    real_replace = seal.os.replace

    def raced(source: object, target: object) -> None:
        real_replace(source, target)  # the other process moved it just before this one
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(seal.os, "replace", raced)
    assert seal.set_aside_seal(path) is None
    monkeypatch.setattr(seal.os, "replace", real_replace)
    open_portfolio(path).close()  # and the file still opens, and is sealed again at close
    assert seal.seal_path(path).exists()
