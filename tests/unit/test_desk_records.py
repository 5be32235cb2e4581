"""The officer's own records (issue #21): officers in charge, notes, reminders and documents, through the one door
(undone in one step, in the trail), in the dossier and the follow-up, on a file and on a team's server; documents
refused with their reason, checked by `portfolio check` and by a snapshot's verification, erased with the person
they concern."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.demo_portfolios import demo_on_both

from portfolio import cli
from portfolio.db.database import Database
from portfolio.domain.errors import PortfolioError
from portfolio.services import desk, documents
from portfolio.services.changes import apply_changes
from portfolio.services.demo import AS_OF
from portfolio.services.dependents import deletions, dependents
from portfolio.services.dossier import read_dossier
from portfolio.services.follow_up import QUIET_DAYS, follow_up
from portfolio.services.history import record_history
from portfolio.services.portfolio import open_portfolio

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    yield from demo_on_both(request, tmp_path_factory)


def _rows(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with db.read() as session:
        return [tuple(row) for row in session.execute(text(sql), params)]


def _project(db: Database, offset: int) -> int:
    """A project no other test of this module touches."""
    return int(_rows(db, "SELECT id FROM project ORDER BY id LIMIT 1 OFFSET :n", n=offset)[0][0])


def test_a_note_and_a_reminder_are_one_undo_step_each_and_show_in_the_dossier(demo: Database) -> None:
    project = _project(demo, 3)
    note = apply_changes(demo, desk.new_note("project", project, "Comité de pilotage : jalon 2 reporté",
                                             written_on=AS_OF, author="Claire Martin"), source="test")
    reminder = apply_changes(demo, desk.new_reminder(project, AS_OF - timedelta(days=2), "Relancer le rapport"),
                             source="test")
    with demo.read() as session:
        dossier = read_dossier(session, project, AS_OF)
    assert [(n.written_on, n.author, n.body) for n in dossier.notes] == [
        (AS_OF, "Claire Martin", "Comité de pilotage : jalon 2 reporté")]
    assert [(r.text, r.days_late, r.done_on) for r in dossier.reminders] == [("Relancer le rapport", 2, None)]
    shown = dossier.as_json()
    assert shown["notes"][0]["text"] == "Comité de pilotage : jalon 2 reporté"
    assert shown["reminders"][0] == {"uuid": dossier.reminders[0].uuid, "due_on": (AS_OF - timedelta(days=2))
                                     .isoformat(), "text": "Relancer le rapport", "owner": "", "done_on": None,
                                     "days_late": 2}
    # done in one click, then undone: the reminder is due again
    uuid = dossier.reminders[0].uuid
    with demo.read() as session:
        changes = desk.reminder_done(session, uuid, AS_OF)
    done = apply_changes(demo, changes, source="test")
    with demo.read() as session:
        assert read_dossier(session, project, AS_OF).reminders[0].done_on == AS_OF
    apply_changes(demo, done.inverse, source="test")
    with demo.read() as session:
        put_off = desk.reminder_postponed(session, uuid, AS_OF)
    postponed = apply_changes(demo, put_off, source="test")
    with demo.read() as session:
        assert read_dossier(session, project, AS_OF).reminders[0].due_on == AS_OF + timedelta(days=desk.POSTPONE_DAYS)
        # each is in the trail, with its author and text
        history = record_history(session, "note", dossier.notes[0].uuid)
        assert "Comité de pilotage : jalon 2 reporté" in history[0].new
    for result in (postponed, reminder, note):  # undone, the latest first: gone
        apply_changes(demo, result.inverse, source="test")
    with demo.read() as session:
        again = read_dossier(session, project, AS_OF)
    assert again.notes == [] and again.reminders == []


def test_a_note_is_about_exactly_one_record(demo: Database) -> None:
    from portfolio.services.changes import ChangeRefused, Create

    project, application = _project(demo, 4), int(_rows(demo, "SELECT min(id) FROM application")[0][0])
    with pytest.raises(ChangeRefused):
        apply_changes(demo, [Create("note", "0191e0a0-0000-7000-8000-00000000a001", {
            "project_id": project, "application_id": application, "written_on": AS_OF, "body": "deux sujets"})],
            source="test")
    assert _rows(demo, "SELECT count(*) FROM note WHERE body = 'deux sujets'") == [(0,)]


def test_a_document_keeps_its_bytes_and_goes_and_comes_back_with_undo(demo: Database) -> None:
    project = _project(demo, 5)
    document = documents.accept("Convention signée.pdf", PDF)
    attached = apply_changes(demo, documents.attach_changes("project", project, document, added_on=AS_OF,
                                                            author="Claire Martin", category="Convention"),
                             source="test")
    with demo.read() as session:
        [line] = read_dossier(session, project, AS_OF).documents
        assert documents.content_of(session, line.uuid) == PDF
        assert documents.document_problems(session) == []
        opened = documents.copy_to_open(session, line.uuid, line.name)
    assert opened.read_bytes() == PDF and opened.name == "Convention signée.pdf"
    assert opened.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert (line.size, line.sha256, line.media_type) == (len(PDF), hashlib.sha256(PDF).hexdigest(), "application/pdf")
    entry = _rows(demo, "SELECT new_value FROM audit_entry WHERE entity = 'document' AND record_uuid = :u",
                  u=line.uuid)[0][0]
    assert {"name": "Convention signée.pdf", "size": len(PDF), "sha256": line.sha256,
            "author": "Claire Martin"}.items() <= json.loads(entry).items()
    # deleting the project's documents along with a record: bytes and record, one step, undone whole
    with demo.read() as session:
        removal = deletions(session, [("document", int(_rows(demo, "SELECT id FROM document WHERE uuid = :u",
                                                                   u=line.uuid)[0][0]))])
    removed = apply_changes(demo, removal, source="test")
    assert _rows(demo, "SELECT count(*) FROM document_content WHERE document_uuid = :u", u=line.uuid) == [(0,)]
    apply_changes(demo, removed.inverse, source="test")
    with demo.read() as session:
        assert documents.content_of(session, line.uuid) == PDF
    apply_changes(demo, attached.inverse, source="test")  # the attachment undone: nothing left of it
    assert _rows(demo, "SELECT count(*) FROM document WHERE uuid = :u", u=line.uuid) == [(0,)]
    assert _rows(demo, "SELECT count(*) FROM document_content WHERE document_uuid = :u", u=line.uuid) == [(0,)]


def test_a_projects_notes_reminders_and_documents_are_deleted_along_with_it(demo: Database) -> None:
    project = _project(demo, 6)
    apply_changes(demo, [*desk.new_note("project", project, "note", written_on=AS_OF, author="x"),
                         *desk.new_reminder(project, AS_OF, "relance"),
                         *documents.attach_changes("project", project, documents.accept("a.pdf", PDF),
                                                   added_on=AS_OF, author="x")], source="test")
    with demo.read() as session:
        found = dependents(session, "project", [project])
    assert {"note", "reminder", "document"} <= set(found.by_entity)
    assert found.taken, "the project's own records may be deleted along with it"


@pytest.mark.parametrize(("name", "content", "words"), [
    ("programme.exe", b"MZ\x90\x00", "format n'est pas accepté"),
    ("faux.pdf", b"MZ\x90\x00 not a pdf", "ne contient pas ce que son extension annonce"),
    ("vide.pdf", b"", "est vide"),
    ("enorme.pdf", b"%PDF-" + b"0" * documents.MAX_BYTES, "au-delà des 20 Mio"),
])
def test_a_document_is_refused_with_its_reason(name: str, content: bytes, words: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(documents.DocumentRefused, match=words) as refused:
        documents.read_document(path)
    assert name in str(refused.value)


def test_the_follow_up_of_one_officer_counts_their_projects_only(demo: Database) -> None:
    project = _project(demo, 7)
    apply_changes(demo, desk.new_officer("Inès Durand", "ines.durand@example.org"), source="test")
    with demo.read() as session:
        officer = desk.find_officer(session, "ines durand")  # case and accents aside
        changes = desk.put_in_charge(session, project, officer)
        with pytest.raises(PortfolioError, match="Inès Durand"):
            desk.find_officer(session, "Personne")
    apply_changes(demo, changes, source="test")
    apply_changes(demo, desk.new_reminder(project, AS_OF - timedelta(days=1), "Appeler le porteur"), source="test")
    with demo.read() as session:
        mine = follow_up(session, AS_OF, 30, officer=officer)
        team = follow_up(session, AS_OF, 30)
        assert read_dossier(session, project, AS_OF).officer == "Inès Durand"
    expected = _rows(demo, "SELECT count(*) FROM milestone m JOIN project p ON p.id = m.project_id WHERE "
                           "p.officer_id = :o AND m.done_on IS NULL AND m.due_on < :d AND m.status_id NOT IN "
                           "(SELECT id FROM status WHERE is_final)", o=officer, d=AS_OF)[0][0]
    assert mine.counts["overdue_milestones"] == expected == len(mine.overdue_milestones)
    assert {line.project_uuid for section in ("overdue_milestones", "tranches_due", "reminders_due")
            for line in getattr(mine, section)} <= {_rows(demo, "SELECT uuid FROM project WHERE id = :p",
                                                          p=project)[0][0]}
    assert [line.item for line in mine.reminders_due] == ["Appeler le porteur"]
    assert mine.officer == "Inès Durand" and mine.as_json()["officer"] == "Inès Durand"
    assert team.counts["reminders_due"] >= 1 and team.counts["overdue_milestones"] >= expected


def _quiet_in_sql(db: Database, day: date) -> int:
    """The running projects decided before ``day``, with no note since nor any change of their own but the demo's
    writing."""
    return int(_rows(db, "SELECT count(*) FROM project p WHERE p.status_id NOT IN (SELECT id FROM status WHERE "
                         "is_final) AND (p.decision_on IS NULL OR p.decision_on < :d) AND p.id NOT IN (SELECT "
                         "project_id FROM note WHERE project_id IS NOT NULL AND written_on >= :d) AND p.uuid NOT IN "
                         "(SELECT record_uuid FROM audit_entry WHERE entity = 'project' AND source <> 'démo' AND "
                         "at_utc >= :t)", d=day, t=day.isoformat())[0][0])


def test_a_project_without_a_note_or_change_for_90_days_is_quiet(demo: Database) -> None:
    """The demo's quiet projects are those its notes left alone for 90 days (its own writing is no change); a note,
    or a change of the project, takes one out; the count agrees with one made here in SQL."""
    with demo.read() as session:
        before = follow_up(session, AS_OF, 30, limit=10)
    assert before.counts["quiet_projects"] == _quiet_in_sql(demo, AS_OF - timedelta(days=QUIET_DAYS)) > 0
    assert len(before.quiet_projects) == 10
    assert all(line.days_late > QUIET_DAYS for line in before.quiet_projects)
    quiet = [line.project_uuid for line in before.quiet_projects]
    ids = {uuid: int(_rows(demo, "SELECT id FROM project WHERE uuid = :u", u=uuid)[0][0]) for uuid in quiet[:2]}
    apply_changes(demo, desk.new_note("project", ids[quiet[0]], "Point d'étape", written_on=AS_OF, author="x"),
                  source="test")
    apply_changes(demo, desk.new_officer("Léa Petit"), source="test")
    with demo.read() as session:
        officer = desk.find_officer(session, "Léa Petit")
        changes = desk.put_in_charge(session, ids[quiet[1]], officer)  # a change of the project itself
    apply_changes(demo, changes, source="test")
    with demo.read() as session:
        after = follow_up(session, AS_OF, 30)
    assert after.counts["quiet_projects"] == before.counts["quiet_projects"] - 2 == len(after.quiet_projects)
    assert not set(quiet[:2]) & {line.project_uuid for line in after.quiet_projects}
    assert after.quiet_projects[:8] == before.quiet_projects[2:]  # the quietest first


def test_the_command_line_notes_attaches_reminds_and_follows_one_officer(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from portfolio.services.demo import write_demo

    location = str(tmp_path / "demo.sqlite")
    with open_portfolio(location) as db:
        write_demo(db)
        acronym = _rows(db, "SELECT a.acronym FROM project p JOIN application a ON a.id = p.application_id "
                            "WHERE a.acronym <> '' GROUP BY a.acronym_key HAVING count(*) = 1 ORDER BY 1 LIMIT 1")[0][0]
    agreement = tmp_path / "convention.pdf"
    agreement.write_bytes(PDF)
    today = AS_OF.isoformat()
    for words in (["officer", "add", "Paul Henry", "--email", "paul.henry@example.org"],
                  ["officer", "assign", "Paul Henry", acronym],
                  ["note", acronym, "Appel du porteur : retard de recrutement", "--date", today],
                  ["remind", acronym, (AS_OF - timedelta(days=1)).isoformat(), "Relancer la convention"],
                  ["attach", acronym, str(agreement), "--category", "Convention signée"]):
        assert cli.main([*words, "--db", location]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert cli.main(["dossier", acronym, "--db", location, "--today", today, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["project"]["officer"] == "Paul Henry"
    assert shown["notes"][0]["text"] == "Appel du porteur : retard de recrutement"  # the latest first
    assert ("convention.pdf", len(PDF), hashlib.sha256(PDF).hexdigest()) in [
        (d["name"], d["size"], d["sha256"]) for d in shown["documents"]]
    assert "Relancer la convention" in [r["text"] for r in shown["reminders"]]
    assert cli.main(["suivi", "--officer", "paul henry", "--db", location, "--today", today, "--json"]) == 0
    follow = json.loads(capsys.readouterr().out)
    assert set(follow) >= {"overdue_milestones", "milestones_due", "tranches_due", "reminders_due", "quiet_projects"}
    assert {line["acronym"] for key in ("overdue_milestones", "tranches_due", "reminders_due")
            for line in follow[key]} == {acronym}
    assert follow["reminders_due"][0]["days_late"] == 1
    assert cli.main(["suivi", "--officer", "Personne", "--db", location]) == 1
    assert "Paul Henry" in capsys.readouterr().err  # the message names the team's officers
    bad = tmp_path / "virus.exe"
    bad.write_bytes(b"MZ")
    assert cli.main(["attach", acronym, str(bad), "--db", location]) == 1
    assert "virus.exe" in capsys.readouterr().err


def _demo_with_a_report(tmp_path: Path) -> Path:
    """A demo portfolio file with "rapport.pdf" (PDF) attached to its first project."""
    from portfolio.services.demo import write_demo

    path = tmp_path / "p.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
        apply_changes(db, documents.attach_changes("project", _project(db, 0), documents.accept("rapport.pdf", PDF),
                                                   added_on=AS_OF, author="x"), source="test")
    return path


def test_check_and_snapshots_see_one_changed_byte_of_a_document(tmp_path: Path) -> None:
    from portfolio.services.integrity import check_file
    from portfolio.services.snapshot import verify_snapshot, write_snapshot

    path = _demo_with_a_report(tmp_path)
    snapshot = tmp_path / "instantane.sqlite"
    write_snapshot(path, snapshot)
    assert verify_snapshot(snapshot).intact
    ours = "document_uuid = (SELECT uuid FROM document WHERE name = 'rapport.pdf')"
    with sqlite3.connect(snapshot) as connection:  # the bytes survive the snapshot
        assert connection.execute(f"SELECT content FROM document_content WHERE {ours}").fetchone()[0] == PDF
        changed = bytearray(PDF)
        changed[20] ^= 1
        connection.execute(f"UPDATE document_content SET content = ? WHERE {ours}", (bytes(changed),))
    connection.close()
    problems = verify_snapshot(snapshot).problems
    assert any("rapport.pdf" in problem and "SHA-256" in problem for problem in problems), problems
    assert not any("Convention" in problem for problem in problems)  # the demo's own documents are whole
    assert check_file(path).sound
    with sqlite3.connect(path) as connection:  # the same byte changed in the portfolio itself
        connection.execute(f"UPDATE document_content SET content = ? WHERE {ours}", (bytes(changed),))
    connection.close()
    report = check_file(path)
    assert not report.sound and any("rapport.pdf" in problem for problem in report.documents)


def test_a_backup_holds_the_documents_bytes(tmp_path: Path) -> None:
    from portfolio.services.backups import take_backup

    backup = take_backup(_demo_with_a_report(tmp_path), "manuelle")
    with sqlite3.connect(backup.path) as connection:
        assert connection.execute("SELECT c.content FROM document_content c JOIN document d ON d.uuid = "
                                  "c.document_uuid WHERE d.name = 'rapport.pdf'").fetchone()[0] == PDF
    connection.close()


def test_erasing_a_person_removes_the_documents_about_them(demo: Database) -> None:
    from portfolio.services.gdpr import erase_person, person_of_contact

    contact, organisation = (int(v) for v in _rows(demo, "SELECT id, organisation_id FROM contact ORDER BY id "
                                                         "LIMIT 1 OFFSET 7")[0])
    cv = documents.accept("CV Jeanne Dupont.pdf", PDF)
    apply_changes(demo, [*documents.attach_changes("organisation", organisation, cv, added_on=AS_OF, author="x",
                                                   contact_id=contact),
                         *documents.attach_changes("organisation", organisation, documents.accept("statuts.pdf", PDF),
                                                   added_on=AS_OF, author="x")], source="test")
    [(uuid,)] = _rows(demo, "SELECT uuid FROM document WHERE contact_id = :c", c=contact)
    with demo.read() as session:
        person = person_of_contact(session, contact)
    assert person.documents == ["CV Jeanne Dupont.pdf"]  # said before the erasure
    erasure = erase_person(demo, person, register=False)
    assert erasure.documents == 1
    assert _rows(demo, "SELECT count(*) FROM document WHERE uuid = :u", u=uuid) == [(0,)]
    assert _rows(demo, "SELECT count(*) FROM document_content WHERE document_uuid = :u", u=uuid) == [(0,)]
    # the organisation's other document stays; the trail no longer holds the erased one's name
    assert _rows(demo, "SELECT name FROM document WHERE organisation_id = :o", o=organisation) == [("statuts.pdf",)]
    values = [v for row in _rows(demo, "SELECT old_value, new_value FROM audit_entry WHERE entity = 'document' "
                                       "AND record_uuid = :u", u=uuid) for v in row if v]
    assert values and not any("Jeanne" in v for v in values)
    with demo.read() as session:
        from portfolio.services.audit import verify_chain

        assert verify_chain(session).ok


def test_notes_reminders_and_officers_travel_in_an_agency_workbook_when_asked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exported with --entities, taken back unchanged: nothing changes; an agency's edit of a note and a reminder
    done come back field by field; documents never travel (their bytes stay in the portfolio)."""
    import openpyxl

    from portfolio.services.demo import write_demo

    location, workbook = str(tmp_path / "demo.sqlite"), tmp_path / "agence.xlsx"
    with open_portfolio(location) as db:
        write_demo(db)
    assert cli.main(["export", str(workbook), "--db", location, "--entities", "officer,project,note,reminder,document",
                     "--json"]) == 1
    assert "document" in capsys.readouterr().err  # documents are not a workbook's
    assert cli.main(["export", str(workbook), "--db", location, "--entities", "officer,project,note,reminder",
                     "--json"]) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(workbook)
    assert {"Chargé(e) de mission", "Note de suivi", "Relance"} <= set(book.sheetnames)
    assert cli.main(["sync", str(workbook), "--db", location, "--json"]) == 0
    unchanged = json.loads(capsys.readouterr().out)
    assert (unchanged["applied"], unchanged["conflicts"], unchanged["new"]) == (0, [], 0)
    notes, reminders = book["Note de suivi"], book["Relance"]
    note_uuid, reminder_uuid = notes.cell(2, 1).value, reminders.cell(2, 1).value
    notes.cell(2, 7).value = "Relu par l'ARS : le calendrier tient."
    reminders.cell(2, 6).value = AS_OF
    book.save(workbook)
    assert cli.main(["sync", str(workbook), "--db", location, "--json"]) == 0
    taken = json.loads(capsys.readouterr().out)
    assert taken["conflicts"] == [] and taken["applied"] == 2
    with open_portfolio(location) as db:
        assert _rows(db, "SELECT body FROM note WHERE uuid = :u", u=note_uuid) == [
            ("Relu par l'ARS : le calendrier tient.",)]
        assert _rows(db, "SELECT done_on FROM reminder WHERE uuid = :u", u=reminder_uuid)[0][0] in (
            AS_OF, AS_OF.isoformat())


def test_an_organisations_and_an_applications_dossier_add_up(demo: Database) -> None:
    """An organisation's dossier: its own aid and payments per project (a tranche naming no beneficiary is the
    lead's, as the KPIs count it), summed in SQL here; an application's: its consortium and the project's aid."""
    from portfolio.services.dossier import read_application_dossier, read_organisation_dossier

    organisation = int(_rows(demo, "SELECT organisation_id FROM aid GROUP BY organisation_id ORDER BY count(*) DESC, "
                                   "organisation_id LIMIT 1")[0][0])
    application = int(_rows(demo, "SELECT a.id FROM application a JOIN project p ON p.application_id = a.id "
                                  "JOIN application_partner m ON m.application_id = a.id GROUP BY a.id "
                                  "ORDER BY count(*) DESC, a.id LIMIT 1")[0][0])
    apply_changes(demo, desk.new_note("organisation", organisation, "Rencontre avec la direction", written_on=AS_OF,
                                      author="x"), source="test")
    with demo.read() as session:
        mine = read_organisation_dossier(session, organisation)
        theirs = read_application_dossier(session, application)
    committed = _rows(demo, "SELECT sum(grant_cents + advance_cents) FROM aid WHERE organisation_id = :o",
                      o=organisation)[0][0]
    paid = _rows(demo, "SELECT coalesce(sum(d.amount_cents), 0) FROM disbursement d JOIN project p ON p.id = "
                       "d.project_id JOIN application a ON a.id = p.application_id WHERE d.paid_on IS NOT NULL AND "
                       "(d.organisation_id = :o OR (d.organisation_id IS NULL AND a.lead_organisation_id = :o))",
                 o=organisation)[0][0]
    assert (mine.committed_cents, mine.paid_cents) == (committed, paid) and len(mine.projects) > 1
    applications = _rows(demo, "SELECT count(DISTINCT a.id) FROM application a WHERE a.lead_organisation_id = :o "
                               "OR a.id IN (SELECT application_id FROM application_partner WHERE organisation_id = :o)",
                         o=organisation)[0][0]
    assert len(mine.applications) == applications
    assert mine.notes[0].body == "Rencontre avec la direction"
    assert len(theirs.consortium) == _rows(demo, "SELECT count(*) FROM application_partner WHERE application_id = :a",
                                           a=application)[0][0] > 1
    assert theirs.consortium[0].role == "Chef de file" and theirs.project_uuid is not None
    assert theirs.committed_cents == _rows(demo, "SELECT sum(grant_cents + advance_cents) FROM aid WHERE project_id "
                                                 "= (SELECT id FROM project WHERE application_id = :a)",
                                           a=application)[0][0]
    with demo.read() as session, pytest.raises(PortfolioError):
        read_organisation_dossier(session, 10**9)


def test_a_packages_documents_go_beside_its_workbook_only_when_asked(tmp_path: Path) -> None:
    """Never by default; asked, the documents of the package's projects, whole, named after what they belong to;
    one about a person only with personal data; the workbook taken back is not troubled by them."""
    from portfolio.exchange.package_documents import documents_folder
    from portfolio.exchange.working_workbook import Selection, export_working_workbook
    from portfolio.services.demo import write_demo

    path = tmp_path / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
        contact, organisation = (int(v) for v in _rows(db, "SELECT id, organisation_id FROM contact LIMIT 1")[0])
        apply_changes(db, documents.attach_changes("organisation", organisation, documents.accept("CV.pdf", PDF),
                                                   added_on=AS_OF, author="x", contact_id=contact), source="test")
        plain = export_working_workbook(db, Selection(), tmp_path / "agence.xlsx")
        assert plain.documents == [] and not documents_folder(plain.path).exists()
        asked = export_working_workbook(db, Selection(documents=True), tmp_path / "avec.xlsx")
        stored = dict(_rows(db, "SELECT d.sha256, d.name FROM document d WHERE d.contact_id IS NULL"))
        personal = export_working_workbook(db, Selection(documents=True, personal=True), tmp_path / "tout.xlsx")
    assert len(asked.documents) == len(stored) == 12
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in asked.documents} == set(stored)
    assert all(p.parent == documents_folder(asked.path) and " — " in p.name for p in asked.documents)
    assert len(personal.documents) == 13 and any(p.name.endswith("CV.pdf") for p in personal.documents)
