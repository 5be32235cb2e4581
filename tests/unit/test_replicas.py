"""Laptop replicas (issue #22): made from a file or a team's server, synced directly or through signed change files;
the origin merges each replica's changes field by field and queues the conflicts; every side converges, nothing is
lost, every chain verifies; a file taken twice changes nothing; killed at any moment, a sync completes when run
again."""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from portfolio.db.models import new_uuid
from portfolio.exchange import replicas
from portfolio.exchange.replica_records import Ids, entity_order, portable
from portfolio.services.audit import verify_chain
from portfolio.services.changes import Create, Delete, FieldChange, apply_changes, current_values, stored_rows
from portfolio.services.integrity import check_file
from portfolio.services.portfolio import open_portfolio
from portfolio.services.replica_chains import ReplicaError, replica_chain_problems

ROOT = Path(__file__).resolve().parents[2]


def small_portfolio(location: str) -> None:
    """A portfolio of three projects, each with two tranches and a note, followed by one officer."""
    with open_portfolio(location) as db:
        with db.read() as session:
            ids = dict(session.connection().exec_driver_sql(
                "SELECT code, id FROM call UNION ALL SELECT 's:' || entity || ':' || code, id FROM status").all())
        changes: list[Any] = [Create("officer", new_uuid(), {"name": "Claire Martin"}, 1),
                              Create("officer", new_uuid(), {"name": "Ahmed Benali"}, 2)]
        for n in range(1, 4):
            changes += [
                Create("organisation", new_uuid(), {"name": f"Porteur {n}", "city": "Rennes"}, n),
                Create("application", new_uuid(), {"call_id": ids["IA-SANTE"], "lead_organisation_id": n,
                                                   "title": f"Projet {n}", "acronym": f"P{n}",
                                                   "status_id": ids["s:application:laureate"]}, n),
                Create("project", new_uuid(), {"application_id": n, "status_id": ids["s:project:conventionne"],
                                               "end_on": date(2026, 12, 31), "officer_id": 1 if n < 3 else 2}, n),
                Create("note", new_uuid(), {"project_id": n, "written_on": date(2026, 11, 1), "body": f"Note {n}"}),
            ]
            for t in range(2):
                changes.append(Create("disbursement", new_uuid(), {
                    "project_id": n, "organisation_id": n, "label": f"Tranche {t + 1}",
                    "planned_on": date(2026, 6 + t, 1), "amount_cents": 100_000 * (t + 1)}))
        apply_changes(db, changes, source="jeu de test")


def state(location: str | Path, keys: set[tuple[str, str]] | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record's values in the portable form, by (entity, uuid)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    with open_portfolio(str(location), must_exist=True) as db, db.read() as session:
        ids = Ids(session)
        for entity in entity_order():
            uuids = [str(u) for (u,) in session.connection().exec_driver_sql(f"SELECT uuid FROM {entity}")]
            rows = stored_rows(session, entity, uuids)
            for uuid, values in zip(rows, portable(ids, entity, list(rows.values())), strict=True):
                if keys is None or (entity, uuid) in keys:
                    out[(entity, uuid)] = values
    return out


def chains_verify(location: str | Path) -> None:
    with open_portfolio(str(location), must_exist=True) as db, db.read() as session:
        report = verify_chain(session)
        assert report.ok, report.problems
        assert replica_chain_problems(session) == []


def one(location: str | Path, sql: str) -> Any:
    with open_portfolio(str(location), must_exist=True) as db, db.read() as session:
        return session.connection().exec_driver_sql(sql).scalar()


def queued(location: str | Path) -> list[tuple[Any, ...]]:
    with open_portfolio(str(location), must_exist=True) as db, db.read() as session:
        return [tuple(r) for r in session.connection().exec_driver_sql(
            "SELECT entity, record_uuid, field, base, mine, theirs, file_name FROM sync_conflict "
            "WHERE settled_utc IS NULL ORDER BY id").all()]


def edit(location: str | Path, entity: str, uuid: str, field: str, value: Any, actor: str = "test") -> None:
    with open_portfolio(str(location), must_exist=True) as db:
        with db.read() as session:
            old = current_values(session, entity, uuid)[field]
        apply_changes(db, [FieldChange(entity, uuid, field, old, value)], source="écran", actor=actor)


def add_note(location: str | Path, project: str, body: str, actor: str = "test") -> str:
    """A note written on the project ``project`` (its uuid) in that database; the note's uuid."""
    note = new_uuid()
    with open_portfolio(str(location), must_exist=True) as db:
        with db.read() as session:
            project_id = session.connection().exec_driver_sql(f"SELECT id FROM project WHERE uuid = '{project}'"
                                                              ).scalar()
        apply_changes(db, [Create("note", note, {"project_id": project_id, "written_on": date(2026, 12, 6),
                                                 "body": body})], source="écran", actor=actor)
    return note


@pytest.fixture(scope="module")
def demo_hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from portfolio.services.demo import write_demo

    path = tmp_path_factory.mktemp("demo") / "partagee.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


def test_two_officers_edit_the_demo_offline(demo_hub: Path, tmp_path: Path) -> None:
    """The issue's acceptance: one changes a project's end date and adds a note, the other changes the same end
    date differently and pays a tranche; after both sync, the shared database has the tranche and the note, and one
    conflict on the end date waits in the queue naming both officers."""
    hub = tmp_path / "partagee.sqlite"
    shutil.copy(demo_hub, hub)
    claire, ahmed = tmp_path / "claire.sqlite", tmp_path / "ahmed.sqlite"
    replicas.create_replica(str(hub), claire, name="portable de Claire")
    made = replicas.create_replica(str(hub), ahmed, name="portable d'Ahmed")
    assert made["records"] > 10_000 and made["scope"] == {}
    project, end = one(hub, "SELECT uuid || '|' || end_on FROM project p WHERE end_on IS NOT NULL AND EXISTS (SELECT 1 "
                            "FROM disbursement d WHERE d.project_id = p.id AND d.paid_on IS NULL) ORDER BY id "
                            "LIMIT 1").split("|")
    tranche = one(hub, f"SELECT d.uuid FROM disbursement d JOIN project p ON p.id = d.project_id WHERE p.uuid = "
                       f"'{project}' AND d.paid_on IS NULL ORDER BY d.id LIMIT 1")
    edit(claire, "project", project, "end_on", date(2027, 1, 31), actor="claire.martin")
    note = add_note(claire, project, "Appel au porteur : report de trois mois demandé", actor="claire.martin")
    edit(ahmed, "project", project, "end_on", date(2027, 3, 31), actor="ahmed.benali")
    edit(ahmed, "disbursement", tranche, "paid_on", date(2026, 12, 5), actor="ahmed.benali")
    with open_portfolio(claire) as db:
        first = replicas.sync(db)
    assert first["sent"] == {"created": 1, "updated": 1, "deleted": 0, "conflicts": 0}
    with open_portfolio(ahmed) as db:
        second = replicas.sync(db)
    assert second["sent"]["updated"] == 1 and second["sent"]["conflicts"] == 1
    assert second["received"]["created"] == 1  # Claire's note
    assert one(hub, f"SELECT paid_on FROM disbursement WHERE uuid = '{tranche}'") == "2026-12-05"
    assert one(hub, f"SELECT body FROM note WHERE uuid = '{note}'").startswith("Appel au porteur")
    assert one(hub, f"SELECT end_on FROM project WHERE uuid = '{project}'") == "2027-01-31"  # the first synced
    waiting = queued(hub)
    assert len(waiting) == 1
    entity, uuid, field, base, mine, theirs, where = waiting[0]
    assert (entity, uuid, field) == ("project", project, "end_on")
    assert (json.loads(base), json.loads(mine), json.loads(theirs)) == (end, "2027-01-31", "2027-03-31")
    assert "ahmed.benali" in where or "portable d'Ahmed" in where
    assert "claire.martin" in where  # the value here, typed on Claire's laptop
    with open_portfolio(claire) as db:
        replicas.sync(db)
    for side in (claire, ahmed):  # every side converges on the shared database's state
        assert state(side) == state(hub)
        chains_verify(side)
    chains_verify(hub)
    assert check_file(hub).sound and check_file(ahmed).sound
    # the shared database follows the note back to the laptop and the person who typed it
    source = one(hub, f"SELECT source FROM audit_entry WHERE record_uuid = '{note}' AND operation = 'create'")
    assert '"auteur":"claire.martin"' in source and source.startswith("réplique:")
    # syncing again changes nothing
    before = one(hub, "SELECT max(seq) FROM audit_entry")
    with open_portfolio(ahmed) as db:
        again = replicas.sync(db)
    assert again["sent"] == {"created": 0, "updated": 0, "deleted": 0, "conflicts": 0}
    assert again["received"]["updated"] == 0 and one(hub, "SELECT max(seq) FROM audit_entry") == before


def test_an_officers_replica_holds_their_projects_and_what_they_refer_to(demo_hub: Path, tmp_path: Path) -> None:
    hub = tmp_path / "partagee.sqlite"
    shutil.copy(demo_hub, hub)
    officer = one(hub, "SELECT o.name FROM officer o JOIN project p ON p.officer_id = o.id GROUP BY o.name "
                       "ORDER BY count(*) DESC LIMIT 1")
    laptop = tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), laptop, officer=officer)
    theirs = one(hub, f"SELECT count(*) FROM project p JOIN officer o ON o.id = p.officer_id WHERE o.name = "
                      f"'{officer}'")
    assert one(laptop, "SELECT count(*) FROM project") == theirs
    assert one(laptop, "SELECT count(*) FROM organisation") < one(hub, "SELECT count(*) FROM organisation")
    keys = set(state(laptop))
    assert state(hub, keys) == {k: v for k, v in state(laptop).items() if k in keys}
    assert check_file(laptop).sound
    # a project given to the officer later arrives with its application and its lead
    other = one(hub, f"SELECT p.uuid FROM project p JOIN officer o ON o.id = p.officer_id WHERE o.name <> "
                     f"'{officer}' ORDER BY p.id LIMIT 1")
    officer_id = one(hub, f"SELECT id FROM officer WHERE name = '{officer}'")
    edit(hub, "project", other, "officer_id", officer_id)
    with open_portfolio(laptop) as db:
        result = replicas.sync(db)
    assert result["received"]["held"] == 0
    assert one(laptop, "SELECT count(*) FROM project") == theirs + 1
    with pytest.raises(ReplicaError, match="Personne Inconnue"):
        replicas.create_replica(str(hub), tmp_path / "x.sqlite", officer="Personne Inconnue")


def test_deletions_against_edits_and_creations_under_a_deleted_record(tmp_path: Path) -> None:
    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    laptop = tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), laptop)
    notes = [str(u) for u in one(hub, "SELECT group_concat(uuid) FROM (SELECT uuid FROM note ORDER BY id)").split(",")]
    tranches = one(hub, "SELECT group_concat(uuid) FROM (SELECT uuid FROM disbursement ORDER BY id)").split(",")
    # the laptop deletes a note the shared database edits; the shared database deletes a tranche the laptop edits
    with open_portfolio(laptop) as db:
        with db.read() as session:
            values = current_values(session, "note", notes[0])
        apply_changes(db, [Delete("note", notes[0], values)], source="écran")
    edit(hub, "note", notes[0], "body", "Corrigée ici")
    edit(laptop, "disbursement", tranches[0], "amount_cents", 123_456)
    with open_portfolio(hub) as db:
        with db.read() as session:
            values = current_values(session, "disbursement", tranches[0])
        apply_changes(db, [Delete("disbursement", tranches[0], values)], source="écran")
    # the shared database deletes a project's note; the laptop creates a document... and a note on a project the
    # shared database deletes meanwhile (with what belongs to it)
    project = one(hub, "SELECT uuid FROM project ORDER BY id DESC LIMIT 1")
    orphan = add_note(laptop, project, "Sur un projet supprimé là-bas")
    with open_portfolio(hub) as db, db.read() as session:
        project_id = session.connection().exec_driver_sql(f"SELECT id FROM project WHERE uuid = '{project}'").scalar()
        doomed = []
        for entity in ("note", "disbursement"):
            for (uuid,) in session.connection().exec_driver_sql(
                    f"SELECT uuid FROM {entity} WHERE project_id = {project_id}"):
                doomed.append(Delete(entity, uuid, current_values(session, entity, uuid)))
        doomed.append(Delete("project", project, current_values(session, "project", project)))
    with open_portfolio(hub) as db:
        apply_changes(db, doomed, source="écran")
    with open_portfolio(laptop) as db:
        result = replicas.sync(db)
    reasons = sorted(c["why"] for c in result["conflicts"])
    assert len(reasons) == 3, reasons
    assert any("supprimé ici" in r for r in reasons)  # the tranche's edit against its deletion here
    assert any("supprimé sur la réplique" in r for r in reasons)  # the note kept, its deletion queued
    assert any("création refusée" in r for r in reasons)  # the note on a deleted project
    assert one(hub, f"SELECT body FROM note WHERE uuid = '{notes[0]}'") == "Corrigée ici"
    assert one(laptop, f"SELECT body FROM note WHERE uuid = '{notes[0]}'") == "Corrigée ici"  # back on the laptop
    assert one(laptop, f"SELECT count(*) FROM note WHERE uuid = '{orphan}'") == 0
    assert one(laptop, f"SELECT count(*) FROM project WHERE uuid = '{project}'") == 0
    assert len(queued(hub)) == 3
    assert state(laptop) == state(hub)
    chains_verify(hub)
    chains_verify(laptop)


def test_the_same_organisation_created_on_both_sides_is_two_records_linked_in_the_queue(tmp_path: Path) -> None:
    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    laptop = tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), laptop)
    siret = "73282932000074"
    here, there = new_uuid(), new_uuid()
    with open_portfolio(hub) as db:
        apply_changes(db, [Create("organisation", here, {"name": "Cardiologic SAS", "siret": siret})], source="écran")
    with open_portfolio(laptop) as db:
        apply_changes(db, [Create("organisation", there, {"name": "CARDIOLOGIC", "siret": siret})], source="écran")
        result = replicas.sync(db)
    assert result["sent"]["created"] == 1
    assert one(hub, f"SELECT count(*) FROM organisation WHERE siret = '{siret}'") == 2
    [(entity, uuid, field, _base, mine, theirs, where)] = queued(hub)
    assert (entity, uuid, field) == ("organisation", there, "name")
    assert (json.loads(mine), json.loads(theirs)) == ("Cardiologic SAS", "CARDIOLOGIC")
    assert "doublon possible" in where
    assert state(laptop) == state(hub)


def test_a_person_erased_on_the_origin_is_erased_from_the_laptops_entries_kept_there(tmp_path: Path) -> None:
    from portfolio.services.gdpr import erase_person, find_person

    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    laptop = tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), laptop)
    with open_portfolio(laptop) as db:
        apply_changes(db, [Create("contact", new_uuid(), {
            "organisation_id": 1, "first_name": "Yvonne", "last_name": "Le Gall",
            "email": "yvonne.legall@example.fr"})], source="écran")
        replicas.sync(db)
    assert one(hub, "SELECT count(*) FROM replica_entry WHERE entry LIKE '%yvonne.legall%'") == 1
    with open_portfolio(hub) as db:
        with db.read() as session:
            person = find_person(session, email="yvonne.legall@example.fr")
        erase_person(db, person)
    assert one(hub, "SELECT count(*) FROM replica_entry WHERE entry LIKE '%yvonne.legall%'") == 0
    assert one(hub, "SELECT count(*) FROM audit_entry WHERE new_value LIKE '%yvonne.legall%'") == 0
    chains_verify(hub)
    assert check_file(hub).sound, check_file(hub).problems()
    with open_portfolio(laptop) as db:  # the laptop takes the deletion; its own trail is erased by erasing there
        replicas.sync(db)
    assert one(laptop, "SELECT count(*) FROM contact WHERE email = 'yvonne.legall@example.fr'") == 0


def test_a_replica_of_a_replica_sends_its_changes_up_with_who_typed_them(tmp_path: Path) -> None:
    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    region, laptop = tmp_path / "agence.sqlite", tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), region)
    replicas.create_replica(str(region), laptop)  # the agency's copy is the laptop's origin
    project = one(hub, "SELECT uuid FROM project ORDER BY id LIMIT 1")
    edit(laptop, "project", project, "end_on", date(2027, 5, 1), actor="bob.martin")
    edit(hub, "note", one(hub, "SELECT uuid FROM note ORDER BY id LIMIT 1"), "body", "Depuis la base partagée")
    for side in (laptop, region, laptop):
        with open_portfolio(side) as db:
            replicas.sync(db)
    assert state(hub) == state(region) == state(laptop)
    source = one(hub, f"SELECT source FROM audit_entry WHERE record_uuid = '{project}' AND field = 'end_on'")
    assert '"auteur":"bob.martin"' in source
    for side in (hub, region, laptop):
        chains_verify(side)


def test_change_files_are_signed_idempotent_and_merged_in_any_order(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    laptop = tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), laptop)
    project = one(hub, "SELECT uuid FROM project ORDER BY id LIMIT 1")
    edit(laptop, "project", project, "end_on", date(2027, 2, 28))
    with open_portfolio(laptop) as db:
        first = replicas.export_changes(db, tmp_path / "1.sasn")
    edit(laptop, "project", project, "end_on", date(2027, 4, 30))
    with open_portfolio(laptop) as db:
        replicas.export_changes(db, tmp_path / "2.sasn")  # (holds the first change again, and the second)
    with open_portfolio(hub) as db:
        newer = replicas.import_changes(db, tmp_path / "2.sasn")
    assert newer["taken"]["updated"] == 1
    before = one(hub, "SELECT max(seq) FROM audit_entry")
    with open_portfolio(hub) as db:  # taken twice, or the older file after the newer: nothing more
        assert replicas.import_changes(db, tmp_path / "2.sasn")["taken"]["updated"] == 0
        older = replicas.import_changes(db, tmp_path / "1.sasn")
    assert older["taken"]["updated"] == 0 and one(hub, "SELECT max(seq) FROM audit_entry") == before
    assert one(hub, f"SELECT end_on FROM project WHERE uuid = '{project}'") == "2027-04-30"
    with open_portfolio(laptop) as db:  # the replies, the newest first, then the oldest: nothing moves back
        replicas.import_changes(db, Path(older["reply"]))
        stale = replicas.import_changes(db, Path(newer["reply"]))
    assert stale["received"]["updated"] == 0
    assert state(laptop) == state(hub)
    with open_portfolio(laptop) as db:
        assert replicas.status(db)["waiting"] == 0
    assert first["bytes"] < 4096
    # an altered file is refused, and so is one signed by a key nobody trusted
    altered = tmp_path / "altere.sasn"
    text = gzip.decompress((tmp_path / "2.sasn").read_bytes()).decode().replace("2027-04-30", "2029-04-30")
    altered.write_bytes(gzip.compress(text.encode()))
    with open_portfolio(hub) as db, pytest.raises(ReplicaError, match="modifié après avoir été signé"):
        replicas.import_changes(db, altered)
    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(tmp_path / "autre-cle"))
    with open_portfolio(laptop) as db:
        replicas.export_changes(db, tmp_path / "etranger.sasn")
    monkeypatch.undo()
    with open_portfolio(hub) as db, pytest.raises(ReplicaError, match="déclarée de confiance"):
        replicas.import_changes(db, tmp_path / "etranger.sasn")
    for broken in (b"", b"pas un fichier", gzip.compress(b"{]")):
        (tmp_path / "casse.sasn").write_bytes(broken)
        with open_portfolio(hub) as db, pytest.raises(ReplicaError, match=r"casse\.sasn"):
            replicas.import_changes(db, tmp_path / "casse.sasn")
    # a file from a newer schema: the application must be updated first
    newer_schema = json.loads(gzip.decompress((tmp_path / "2.sasn").read_bytes()))
    newer_schema["content"]["schema"] = 99
    from portfolio.services.checkpoints import officer_key

    key = officer_key()
    assert key is not None
    newer_schema["signature"] = replicas.base64.b64encode(key.sign(replicas._ENCODER.encode(
        newer_schema["content"]).encode())).decode()
    (tmp_path / "futur.sasn").write_bytes(gzip.compress(json.dumps(newer_schema).encode()))
    with open_portfolio(hub) as db, pytest.raises(ReplicaError, match="mettez l'application à jour"):
        replicas.import_changes(db, tmp_path / "futur.sasn")
    # a reply taken by the wrong database, a file given to a database that is not a replica
    with open_portfolio(hub) as db, pytest.raises(ReplicaError, match="autre base"):
        replicas.import_changes(db, Path(newer["reply"]))
    with open_portfolio(hub) as db, pytest.raises(ReplicaError, match="pas une réplique"):
        replicas.sync(db)


def test_the_command_line(tmp_path: Path) -> None:
    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    laptop = tmp_path / "portable.sqlite"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "portfolio", *args], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, timeout=120)

    made = run("replica", "create", str(laptop), "--from", str(hub), "--officer", "Claire Martin")
    assert made.returncode == 0, made.stderr
    assert "Réplique « Claire Martin » faite" in made.stdout
    project = one(laptop, "SELECT uuid FROM project ORDER BY id LIMIT 1")
    edit(laptop, "project", project, "end_on", date(2027, 5, 31))
    dry = run("replica", "sync", "--db", str(laptop), "--dry-run", "--json")
    assert json.loads(dry.stdout)["sent"]["updated"] == 1
    assert one(hub, f"SELECT end_on FROM project WHERE uuid = '{project}'") == "2026-12-31"
    out = run("replica", "export-changes", "--db", str(laptop), str(tmp_path / "c.sasn"))
    assert out.returncode == 0 and "signées avec votre clé" in out.stdout
    taken = run("replica", "import-changes", "--db", str(hub), str(tmp_path / "c.sasn"))
    assert taken.returncode == 0 and "1 modification(s)" in taken.stdout, taken.stdout + taken.stderr
    back = run("replica", "import-changes", "--db", str(laptop), str(tmp_path / "c.reponse.sasn"), "--json")
    assert json.loads(back.stdout)["kind"] == "reply"
    status = run("replica", "status", "--db", str(laptop), "--json")
    assert json.loads(status.stdout)["waiting"] == 0
    listed = run("replica", "status", "--db", str(hub))
    assert "Réplique « Claire Martin »" in listed.stdout
    refused = run("replica", "import-changes", "--db", str(hub), str(tmp_path / "absent.sasn"))
    assert refused.returncode == 1 and "absent.sasn" in refused.stderr and "Traceback" not in refused.stderr


# --- random concurrent edits on three replicas and the shared database ------------------------------------------

STEP = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 3), st.sampled_from(["end_on", "amount", "body", "paid"]),
              st.integers(0, 8), st.integers(0, 3)),
    st.tuples(st.just("note"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("tranche"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 3), st.sampled_from(["note", "disbursement"]), st.integers(0, 8)),
    st.tuples(st.just("sync"), st.integers(0, 2)),
    st.tuples(st.just("file"), st.integers(0, 2), st.booleans()),
)
VALUES = {"end_on": [date(2027, 1, 31), date(2027, 6, 30), date(2028, 1, 1), None],
          "amount": [1, 250_000, 999_999_99, 42], "body": ["Relancé", "Comité : accord", "À revoir", "RAS"],
          "paid": [date(2026, 12, 1), date(2026, 12, 24), None, date(2027, 1, 2)]}
FIELDS = {"end_on": ("project", "end_on"), "amount": ("disbursement", "amount_cents"), "body": ("note", "body"),
          "paid": ("disbursement", "paid_on")}


def _pick(location: Path | str, entity: str, index: int) -> str | None:
    with open_portfolio(str(location), must_exist=True) as db, db.read() as session:
        uuids = [str(u) for (u,) in session.connection().exec_driver_sql(f"SELECT uuid FROM {entity} ORDER BY uuid")]
    return uuids[index % len(uuids)] if uuids else None


def _step(sides: list[Any], step: tuple[Any, ...], folder: Path, sent: list[tuple[Any, ...]]) -> None:
    kind = step[0]
    if kind in ("sync", "file"):
        laptop = sides[step[1]]
        with open_portfolio(laptop) as db, db.read() as session:  # what it sends: each value must be kept or queued
            outgoing = replicas.outgoing(session)
        from portfolio.exchange.replica_records import net_changes
        from portfolio.services.replica_chains import FROM_ORIGIN

        nets = net_changes(outgoing.entries, outgoing.refs, FROM_ORIGIN + outgoing.origin)
        if kind == "sync":
            with open_portfolio(laptop) as db:
                replicas.sync(db)
        else:
            name = folder / f"{new_uuid()}.sasn"
            with open_portfolio(laptop) as db:
                replicas.export_changes(db, name)
            with open_portfolio(str(sides[3])) as db:
                reply = Path(replicas.import_changes(db, name)["reply"])
                if step[2]:  # taken twice: nothing more
                    replicas.import_changes(db, name)
            with open_portfolio(laptop) as db:
                replicas.import_changes(db, reply)
        sent += [(net.entity, net.uuid, name, new) for net in nets.values() for name, (_base, new) in
                 net.fields.items()]
        return
    location = sides[step[1]]
    if kind == "edit":
        entity, field = FIELDS[step[2]]
        uuid = _pick(location, entity, step[3])
        if uuid is not None:
            edit(location, entity, uuid, field, VALUES[step[2]][step[4]])
        return
    with open_portfolio(str(location)) as db:
        with db.read() as session:
            projects = [int(i) for (i,) in session.connection().exec_driver_sql("SELECT id FROM project ORDER BY uuid")]
            if kind == "delete":
                uuid = _pick_in(session, step[2], step[3])
                changes = [] if uuid is None else [Delete(step[2], uuid, current_values(session, step[2], uuid))]
        if kind == "note":
            changes = [Create("note", new_uuid(), {"project_id": projects[step[2] % len(projects)],
                                                   "written_on": date(2026, 12, 6), "body": "Nouvelle"})]
        elif kind == "tranche":
            changes = [Create("disbursement", new_uuid(), {"project_id": projects[step[2] % len(projects)],
                                                           "label": "Ajoutée", "amount_cents": 5_000})]
        if changes:
            apply_changes(db, changes, source="écran")


def _pick_in(session: Any, entity: str, index: int) -> str | None:
    uuids = [str(u) for (u,) in session.connection().exec_driver_sql(f"SELECT uuid FROM {entity} ORDER BY uuid")]
    return uuids[index % len(uuids)] if uuids else None


def _converge(sides: list[Any], sent: list[tuple[Any, ...]]) -> None:
    for _round in range(2):
        for laptop in sides[:3]:
            with open_portfolio(laptop) as db:
                replicas.sync(db)
    shared = state(sides[3])
    for laptop in sides[:3]:
        assert state(laptop) == shared
        chains_verify(laptop)
    chains_verify(sides[3])
    # nothing lost: every value a laptop sent is the shared database's, or waits in its queue, or its record was
    # deleted there (and the edit waits in the queue too)
    from portfolio.exchange.merge import canonical
    from portfolio.services import fields

    waiting = {(e, u, f, json.loads(t)) for e, u, f, _b, _m, t, _w in queued(sides[3])}
    with open_portfolio(str(sides[3]), must_exist=True) as db, db.read() as session:
        connection = session.connection()
        for entity, uuid, name, value in sent:
            taken = connection.execute(text(
                "SELECT count(*) FROM audit_entry WHERE record_uuid = :uuid AND field = :field AND source LIKE "
                ":source"), {"uuid": uuid, "field": name, "source": "réplique:%"}).scalar()
            compared = canonical(fields.field_spec(entity, name), value)
            assert taken or (entity, uuid, name, compared) in waiting or \
                ((entity, uuid) in shared and same_value(shared[(entity, uuid)][name], value)), (entity, uuid, name)


def same_value(a: Any, b: Any) -> bool:
    return a == b or (a in (None, "") and b in (None, ""))


def _three_replicas(hub: str, folder: Path) -> list[Any]:
    sides: list[Any] = []
    for n in range(3):
        laptop = folder / f"portable-{n}.sqlite"
        replicas.create_replica(hub, laptop, name=f"portable {n}")
        sides.append(laptop)
    return [*sides, hub]


SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
UNSHRUNK = [Phase.explicit, Phase.reuse, Phase.generate]


# (not shrunk: each example makes four databases, and a failing list of steps is short enough to read as it is)
@settings(max_examples=12, deadline=None, phases=UNSHRUNK, suppress_health_check=SLOW)
@given(steps=st.lists(STEP, min_size=4, max_size=14))
def test_random_concurrent_edits_on_a_shared_file_converge(steps: list[tuple[Any, ...]],
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("convergence")
    hub = folder / "partagee.sqlite"
    small_portfolio(str(hub))
    sides = _three_replicas(str(hub), folder)
    sent: list[tuple[Any, ...]] = []
    for step in steps:
        _step(sides, step, folder, sent)
    _converge(sides, sent)


@settings(max_examples=6, deadline=None, phases=UNSHRUNK, suppress_health_check=SLOW)
@given(steps=st.lists(STEP, min_size=4, max_size=12))
def test_random_concurrent_edits_on_a_team_server_converge(steps: list[tuple[Any, ...]], postgres: Any,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("serveur")
    hub = postgres.database()
    small_portfolio(hub)
    sides = _three_replicas(hub, folder)
    sent: list[tuple[Any, ...]] = []
    for step in steps:
        _step(sides, step, folder, sent)
    _converge(sides, sent)


# --- kill -9 -------------------------------------------------------------------------------------------------------

KILLS = 100


def test_a_sync_killed_at_any_moment_completes_when_run_again(tmp_path: Path) -> None:
    """Kill -9 a running sync 100 times, at moments spread over its whole length, with new edits on both sides each
    time: each side stays sound and whole, and the next sync completes it (all sides converge, every chain
    verifies, nothing applied twice)."""
    hub = tmp_path / "partagee.sqlite"
    small_portfolio(str(hub))
    laptop = tmp_path / "portable.sqlite"
    replicas.create_replica(str(hub), laptop)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "portfolio", "replica", "sync", "--db", str(laptop)]
    started = time.monotonic()
    assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
    length = time.monotonic() - started
    rng = random.Random(22)
    notes = [str(u) for u in one(hub, "SELECT group_concat(uuid) FROM note").split(",")]
    kills = attempts = 0
    while kills < KILLS:  # until 100 kills have cut a running sync short (one that ended first is not counted)
        attempts += 1
        assert attempts <= 3 * KILLS, f"only {kills} kills landed in {attempts} attempts"
        edit(laptop, "note", notes[attempts % len(notes)], "body", f"portable {attempts}")
        edit(hub, "project", one(hub, "SELECT uuid FROM project ORDER BY id LIMIT 1"), "end_on",
             date(2027, 1, 1 + attempts % 28))
        with open_portfolio(laptop) as db:
            apply_changes(db, [Create("note", new_uuid(), {"project_id": 1, "written_on": date(2026, 12, 6),
                                                           "body": f"créée {attempts}"})], source="écran")
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 0.95) * length)
        if process.poll() is None:  # still running: the kill cuts it short
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        if attempts % 20 == 0:  # now and then, both sides are whole and the sync completes
            for side in (hub, laptop):
                chains_verify(side)
            assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
            assert state(laptop) == state(hub)
    assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
    assert state(laptop) == state(hub)
    assert one(hub, "SELECT count(*) FROM note WHERE body LIKE 'créée %'") == attempts  # each exactly once
    for side in (hub, laptop):
        report = check_file(Path(side))
        assert report.sound, report.problems()
