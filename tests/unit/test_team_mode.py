"""Team mode (issue #9): the same portfolio on a shared PostgreSQL server. The storage, the one door and its
audit chain, the import, the agencies' sync and the KPIs run on both SQLite and PostgreSQL and give the same
results; concurrent officers never lose a change and keep one verifiable chain; the snapshot of a server's
database is the same single SQLite file as a laptop's.

The server is the session's throw-away PostgreSQL on loopback (tests/postgres_server.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from portfolio import cli
from portfolio.db.database import NewerVersionError
from portfolio.exchange.imports import run_import
from portfolio.exchange.plan import ImportRefused
from portfolio.exchange.sync import apply_sync, plan_sync
from portfolio.exchange.working_workbook import DEFAULT_ENTITIES, Selection, export_working_workbook
from portfolio.services.audit import verify_chain
from portfolio.services.changes import Create, FieldChange, StaleChangeError, apply_changes, invert, new_uuid
from portfolio.services.demo import write_demo
from portfolio.services.kpi import Facts, Filters
from portfolio.services.portfolio import open_portfolio

TODAY = date(2026, 11, 28)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Where new portfolios live: new files, or new databases on the test server."""
    if request.param == "sqlite":
        names = iter(range(100))
        return lambda: str(tmp_path / f"p{next(names)}.sqlite")
    server = request.getfixturevalue("postgres")
    return lambda: str(server.database())


@pytest.fixture
def target(backend: Callable[[], str]) -> str:
    return backend()


@pytest.fixture(scope="module")
def demo_figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo's key figures on SQLite, the reference the server's must equal."""
    path = tmp_path_factory.mktemp("reference") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
        return figures(db)


def figures(db: object) -> dict[str, object]:
    with db.read() as session:  # type: ignore[attr-defined]
        kpis = Facts(session).compute(Filters(), today=TODAY)
        region = Facts(session).compute(Filters(region="53"), today=TODAY)
    return {"applicants": kpis.applicants, "laureates": kpis.laureates, "committed": kpis.committed_cents,
            "disbursed": kpis.disbursed_cents, "overdue": kpis.overdue_milestones,
            "days": sorted(kpis.decision_to_agreement_days), "breton": region.committed_cents,
            "by_axis": [(g.code, g.committed_cents, g.disbursed_cents) for g in kpis.breakdowns["axis"]]}


def test_the_door_and_its_audit_chain_on_both(target: str) -> None:
    organisation = new_uuid()
    with open_portfolio(target) as db:
        apply_changes(db, [Create("organisation", organisation, {"name": "CHU de Rennes", "city": "Rennes",
                                                                 "siren": "263500076"})], source="t")
        moved = apply_changes(db, [FieldChange("organisation", organisation, "city", "Rennes", "Brest")], source="t")
        with pytest.raises(StaleChangeError) as refused:  # an old value that no longer holds: both values said
            apply_changes(db, [FieldChange("organisation", organisation, "city", "Rennes", "Quimper")], source="t")
        assert "Rennes" in str(refused.value) and "Brest" in str(refused.value)
        apply_changes(db, moved.inverse, source="undo")  # undone, then redone: exactly what was stored
        apply_changes(db, invert(moved.inverse), source="redo")
        with db.read() as session:
            assert session.execute(text("SELECT city FROM organisation WHERE uuid = :u"),
                                   {"u": organisation}).scalar_one() == "Brest"
            report = verify_chain(session)
        assert report.ok and report.entries > 200  # the reference tables' and the edits'
    with open_portfolio(target) as db, db.read() as session:  # opened again: the same schema, nothing redone
        assert verify_chain(session).entries == report.entries


@pytest.mark.slow  # make quick leaves it out; make test runs it
def test_the_demo_import_sync_and_kpis_give_the_same_figures_on_both(target: str, tmp_path: Path,
                                                                     backend: Callable[[], str],
                                                                     demo_figures: dict[str, object]) -> None:
    workbook = tmp_path / "classeur.xlsx"
    with open_portfolio(target) as db:
        write_demo(db)
        assert figures(db) == demo_figures
        export = export_working_workbook(db, Selection(DEFAULT_ENTITIES, personal=True, recipient="ARS"), workbook)
        plan = plan_sync(db, workbook)
        assert (plan.taken, plan.conflicts, plan.missing, plan.new_rows) == ([], [], [], [])
        assert sum(export.rows.values()) > 10_000
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    city = next(cell.column_letter for cell in book["Structure"][1] if cell.value == "Ville")
    book["Structure"][f"{city}2"] = "Saint-Brieuc (agence)"
    book.save(workbook)
    with open_portfolio(target) as db:
        plan = plan_sync(db, workbook)
        assert [m.theirs for m in plan.taken] == ["Saint-Brieuc (agence)"]
        assert apply_sync(db, plan) is not None
    for other in (str(tmp_path / "autre.sqlite"), backend()):  # into a laptop's file, and the same backend
        with open_portfolio(other) as db:
            imported, _result = run_import(db, workbook)
            assert imported.rejected == [] and sum(imported.created_counts().values()) == sum(export.rows.values())
            again, _nothing = run_import(db, workbook, dry_run=True)
            assert again.is_empty
    listed = tmp_path / "liste.xlsx"
    from portfolio.exchange.france2030 import write_france2030

    with open_portfolio(target) as db:
        write_france2030(db, listed)
    with open_portfolio(backend()) as db:  # a partner's layout read by the import's mapping, on this backend
        plan, result = run_import(db, listed)
        assert plan.profile == "france2030" and plan.rejected == [] and result is not None
        assert plan.created_counts()["project"] == demo_figures["laureates"]


def test_a_server_database_of_a_newer_version_is_refused(pg_url: str) -> None:
    open_portfolio(pg_url).close()
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("UPDATE portfolio_schema SET version = 99")
    with pytest.raises(NewerVersionError, match="plus récente"):
        open_portfolio(pg_url)


def test_two_officers_editing_the_same_record(pg_url: str) -> None:
    """Both read "Rennes"; the second to save gets a conflict naming both values, and nothing is lost."""
    organisation = new_uuid()
    with open_portfolio(pg_url) as db:
        apply_changes(db, [Create("organisation", organisation, {"name": "CHU", "city": "Rennes"})], source="t")
    first, second = open_portfolio(pg_url), open_portfolio(pg_url)
    try:
        apply_changes(first, [FieldChange("organisation", organisation, "city", "Rennes", "Brest")], source="A")
        with pytest.raises(StaleChangeError) as refused:
            apply_changes(second, [FieldChange("organisation", organisation, "city", "Rennes", "Lorient")],
                          source="B")
        [conflict] = refused.value.conflicts
        assert "Brest" in str(refused.value) and "Rennes" in str(refused.value) and conflict.field == "city"
    finally:
        first.close()
        second.close()


def test_concurrent_writers_keep_one_verifiable_chain(pg_url: str) -> None:
    uuids = [new_uuid() for _ in range(4)]
    with open_portfolio(pg_url) as db:
        apply_changes(db, [Create("organisation", u, {"name": f"S{i}", "city": "0"}) for i, u in enumerate(uuids)],
                      source="t")
    errors: list[BaseException] = []

    def officer(record: str) -> None:
        try:
            with open_portfolio(pg_url) as own:
                for n in range(25):
                    apply_changes(own, [FieldChange("organisation", record, "city", str(n), str(n + 1))],
                                  source="officer")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=officer, args=(u,)) for u in uuids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with open_portfolio(pg_url) as db, db.read() as session:
        report = verify_chain(session)
        seqs = [s for (s,) in session.execute(text("SELECT seq FROM audit_entry ORDER BY seq"))]
        updates = session.execute(text("SELECT count(*) FROM audit_entry WHERE source = 'officer'")).scalar_one()
    assert report.ok and seqs == list(range(1, len(seqs) + 1)) and updates == 100


def test_two_imports_at_once_are_serialised(pg_url: str, tmp_path: Path) -> None:
    """Two officers import the same workbook at the same moment: one writes it, the other is told to compute
    its preview again (which then finds everything there); nothing is created twice."""
    from openpyxl import Workbook

    workbook = tmp_path / "partenaire.xlsx"
    book = Workbook()
    book.active.append(["Raison sociale", "SIRET", "Ville"])
    for i in range(200):
        book.active.append([f"Structure partenaire {i}", None, "Nantes"])
    book.save(workbook)
    open_portfolio(pg_url).close()
    outcomes: list[object] = []
    plans = []
    databases = [open_portfolio(pg_url), open_portfolio(pg_url)]
    try:
        for db in databases:
            plans.append(run_import(db, workbook, dry_run=True)[0])
        from portfolio.exchange.plan import apply_plan

        def apply(index: int) -> None:
            try:
                outcomes.append(apply_plan(databases[index], plans[index]))
            except ImportRefused as refused:
                outcomes.append(refused)

        threads = [threading.Thread(target=apply, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(type(o).__name__ for o in outcomes) == ["ApplyResult", "ImportRefused"]
        again, _ = run_import(databases[0], workbook, dry_run=True)
        assert again.created_counts() == {} and again.unchanged == 200
        with databases[0].read() as session:
            assert session.execute(text("SELECT count(*) FROM organisation WHERE city = 'Nantes'")).scalar_one() == 200
            assert verify_chain(session).ok
    finally:
        for db in databases:
            db.close()


def test_the_snapshot_of_a_server_database_is_one_sqlite_file(pg_url: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              demo_figures: dict[str, object]) -> None:
    with open_portfolio(pg_url) as db:
        write_demo(db)
    snapshot = tmp_path / "instantane.sqlite"
    assert cli.main(["--db-url", pg_url, "check"]) == 0
    assert "chaque fiche conforme au journal" in capsys.readouterr().out  # the demo's trail replayed on the server
    assert cli.main(["--db-url", pg_url, "snapshot", str(snapshot), "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert cli.main(["verify", str(snapshot), "--json"]) == 0
    verified = json.loads(capsys.readouterr().out)
    assert verified["intact"] and verified["digest"] == manifest["digest"]
    with open_portfolio(snapshot, readonly=True) as copy:
        assert figures(copy) == demo_figures
        with copy.read() as session:
            assert verify_chain(session).ok


def test_file_commands_say_the_server_keeps_its_own_backups(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    open_portfolio(pg_url).close()
    for command in ("backups", "backup", "restore"):
        assert cli.main(["--db-url", pg_url, command]) == 1
        assert "sauvegardée et restaurée par le serveur" in capsys.readouterr().err
    assert cli.main(["--db-url", pg_url, "check", "--accept"]) == 1
    assert cli.main(["--db-url", "postgresql://personne@127.0.0.1:1/rien", "stats"]) == 1
    said = capsys.readouterr().err  # the refusal explained in French, the server's words beside
    assert "PostgreSQL n'est pas démarré, ou pas à cette adresse ou ce port" in said and "message du serveur" in said
    assert cli.main(["--db-url", pg_url.rsplit("/", 1)[0] + "/base_absente", "stats"]) == 1
    assert "la base ou l'utilisateur n'existe pas sur ce serveur" in capsys.readouterr().err


def test_the_servers_audit_trail_is_append_only(pg_url: str) -> None:
    import psycopg

    open_portfolio(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as connection:
        for statement in ("UPDATE audit_entry SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_entry WHERE seq = 1"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                connection.execute(statement)


def test_import_history_undo_and_gdpr_on_the_server(pg_url: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from portfolio.exchange.imports import import_history, undo_import
    from portfolio.services.changes import Delete, current_values
    from portfolio.services.gdpr import PersonNotFound, erase_person, find_person

    workbook = tmp_path / "partenaire.xlsx"
    book = Workbook()
    book.active.append(["Raison sociale", "Ville"])
    book.active.append(["Clinique du Littoral", "Vannes"])
    book.save(workbook)
    with open_portfolio(pg_url) as db:
        run_import(db, workbook)
        [past] = import_history(db)
        undo_import(db, past.batch)
        assert import_history(db)[0].undone
        organisation = new_uuid()
        apply_changes(db, [Create("organisation", organisation, {"name": "CHU"})], source="t")
        with db.read() as session:
            org_id = session.execute(text("SELECT id FROM organisation WHERE uuid = :u"),
                                     {"u": organisation}).scalar_one()
        contact = new_uuid()
        apply_changes(db, [Create("contact", contact, {"organisation_id": org_id, "last_name": "Dupont",
                                                       "email": "Jean.Dupont@CHU-Rennes.FR"})], source="t")
        with db.read() as session:
            stored = current_values(session, "contact", contact)
        apply_changes(db, [Delete("contact", contact, stored)], source="t")  # deleted: found through the trail
        with db.read() as session:
            person = find_person(session, email="jean.dupont@chu-rennes.fr")
        assert contact in person.uuids
        erase_person(db, person)
        with db.read() as session:
            with pytest.raises(PersonNotFound):  # erased: nothing left to find the address by
                find_person(session, email="JEAN.DUPONT@chu-rennes.fr")
            values = session.execute(text("SELECT coalesce(old_value, '') || coalesce(new_value, '') FROM "
                                          "audit_entry WHERE record_uuid = :u"), {"u": contact}).scalars().all()
            assert len(values) >= 2 and all("Dupont@" not in v for v in values)
            assert verify_chain(session).ok


def test_a_cut_tail_of_the_servers_trail_is_seen_and_reading_creates_nothing(
        pg_url: str, postgres: object, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    empty = postgres.database()  # type: ignore[attr-defined]
    assert cli.main(["--db-url", empty, "stats"]) == 1  # a command that reads creates no portfolio
    assert "ne contient pas de portefeuille" in capsys.readouterr().err
    with psycopg.connect(empty) as connection:
        assert connection.execute("SELECT to_regclass('organisation')").fetchone() == (None,)
    assert cli.main(["--db-url", "postgresql://u@127.0.0.1:pas-un-port/x", "stats"]) == 1
    assert "n'est pas une adresse de base PostgreSQL valable" in capsys.readouterr().err
    open_portfolio(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as connection:  # the schema's owner, triggers lifted
        connection.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_delete")
        connection.execute("DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)")
    assert cli.main(["--db-url", pg_url, "check"]) == 1
    assert "les dernières entrées" in capsys.readouterr().err


def test_portfolio_db_may_name_the_server(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PORTFOLIO_DB=postgresql://… serves every command without --db, as the preferences' server does."""
    open_portfolio(pg_url).close()
    monkeypatch.setenv("PORTFOLIO_DB", pg_url)
    assert cli.main(["check"]) == 0


@pytest.fixture(scope="module")
def demos(postgres: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The demo portfolio written on the server and in a file (the same records, the same uuids)."""
    url, file = postgres.database(), tmp_path_factory.mktemp("demos") / "demo.sqlite"
    for location in (url, str(file)):
        with open_portfolio(location) as db:
            write_demo(db)
    return url, file


@pytest.mark.parametrize("kind", ["scdl", "360giving", "france2030"])
def test_the_standard_exports_and_their_round_trip_on_the_server(kind: str, demos: tuple[str, Path],
                                                                  tmp_path: Path) -> None:
    """Issue #17 on a team database: each standard export holds what the file's holds, and taken back into the
    server's portfolio it changes nothing."""
    from tests.unit.test_standards import export, import_file

    url, file = demos
    suffix = ".csv" if kind == "scdl" else ".xlsx"
    served, local = tmp_path / f"serveur{suffix}", tmp_path / f"fichier{suffix}"
    from_server, from_file = export(kind, url, served), export(kind, file, local)  # type: ignore[arg-type]
    assert (from_server.rows, from_server.withheld) == (from_file.rows, from_file.withheld)
    if kind == "scdl":
        assert served.read_bytes() == local.read_bytes()
    else:
        def cells(path: Path) -> list[list[object]]:
            from openpyxl import load_workbook

            book = load_workbook(path)
            return [[c for c in row if not (isinstance(c, str) and c.startswith(("2026-12", "Liste des")))]
                    for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
        assert cells(served) == cells(local)
    taken = import_file(url, kind, served, tmp_path, dry_run=True)  # type: ignore[arg-type]
    assert (taken["created"], taken["updated"], taken["rejected"]) == ({}, {}, [])
    assert taken["unchanged"] == taken["rows"] > 0
