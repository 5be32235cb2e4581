"""Made tests/data/schema12/portefeuille-schema-12.sql.gz and tests/data/schema12/portefeuille-schema-12.sqlite.gz:
a team database and a portfolio file as the application made them at schema 12 (issue #21's index of unpaid
tranches), each with the same records as the schema-9 ones (the schema-8 set written through the door, an edit and a
deletion, an import kept and one undone, recorded in ``import_batch``), so that the migration to schema 12 (issue
#21's notes, reminders, documents and officers) is tested on both engines from the previous schema.

It was run once, at commit 1f69fd6 (schema 11), from the project's root:

    .venv/bin/python tests/data/schema12/make_schema12_dump.py

It cannot make the same file at a later schema (the models have moved on); it stays as the record of how the
dump was made. The dump is plain SQL from pg_dump --no-owner --no-privileges, gzipped.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.postgres_server import Server  # noqa: E402

from portfolio.db.sqlite_file import SCHEMA_VERSION  # noqa: E402
from portfolio.domain.identifiers import with_luhn_digit  # noqa: E402
from portfolio.services.changes import Create, Delete, FieldChange, apply_changes  # noqa: E402
from portfolio.services.portfolio import open_portfolio  # noqa: E402

assert SCHEMA_VERSION == 12, "this script makes the schema-12 dump: run it at a schema-12 commit"

def fill(location: str) -> None:
    with open_portfolio(location) as db:
        with db.read() as session:
            ids = dict(session.connection().exec_driver_sql(
                "SELECT code, id FROM call UNION ALL SELECT 's:' || entity || ':' || code, id FROM status").all())
        lead, partner = "0191e0a0-0000-7000-8000-000000000001", "0191e0a0-0000-7000-8000-000000000002"
        app, project = "0191e0a0-0000-7000-8000-000000000003", "0191e0a0-0000-7000-8000-000000000004"
        apply_changes(db, [
            Create("organisation", lead, {"name": "Cardiologic SAS", "siret": "73282932000074", "city": "Rennes"}, 901),
            Create("organisation", "0191e0a0-0000-7000-8000-000000000009", {
                "name": "Association Cœur Bretagne", "rna": "W352012345", "city": "Rennes"}, 903),
            Create("organisation", "0191e0a0-0000-7000-8000-000000000010", {
                "name": "Heart Research UK", "foreign_id": "GB-CHC-1044821", "city": "Leeds"}, 904),
            Create("organisation", partner, {"name": "CHU de Rennes", "city": "Rennes",
                                             "siret": with_luhn_digit(with_luhn_digit("26350579") + "0001")}, 902),
            Create("application", app, {"call_id": ids["IA-SANTE"], "lead_organisation_id": 901,
                                        "title": "Télésuivi cardiaque", "acronym": "TELECARD", "reference": "Z1",
                                        "status_id": ids["s:application:laureate"]}, 901),
            Create("project", project, {"application_id": 901, "status_id": ids["s:project:conventionne"],
                                        "decision_on": date(2023, 3, 15), "agreement_on": date(2023, 6, 1)}, 901),
            Create("aid", "0191e0a0-0000-7000-8000-000000000005", {"project_id": 901, "organisation_id": 901,
                                                                   "grant_cents": 70_000_000,
                                                                   "advance_cents": 30_000_000,
                                                                   "emerging_actor": True}, 901),
            Create("aid", "0191e0a0-0000-7000-8000-000000000006", {"project_id": 901, "organisation_id": 902,
                                                                   "grant_cents": 25_000_050, "advance_cents": 0},
                   902),
            Create("disbursement", "0191e0a0-0000-7000-8000-000000000007", {
                "project_id": 901, "organisation_id": 901, "label": "Avance à la signature",
                "planned_on": date(2023, 7, 1), "paid_on": date(2023, 7, 12), "amount_cents": 30_000_000,
                "aid_part": "avance"}, 901),
            Create("milestone", "0191e0a0-0000-7000-8000-000000000008", {
                "project_id": 901, "title": "Rapport intermédiaire", "due_on": date(2024, 6, 30),
                "status_id": ids["s:milestone:a_venir"]}, 901),
        ], source="jeu de test (schéma 10)")
        apply_changes(db, [FieldChange("organisation", lead, "city", "Rennes", "Brest")], source="écran")
        officer = "0191e0a0-0000-7000-8000-000000000011"
        apply_changes(db, [
            Create("officer", officer, {"name": "Claire Martin", "email": "claire.martin@example.org"}, 901),
            Create("note", "0191e0a0-0000-7000-8000-000000000012", {
                "project_id": 901, "written_on": date(2026, 11, 2), "author": "Claire Martin",
                "body": "Comité de suivi : convention signée."}, 901),
            Create("reminder", "0191e0a0-0000-7000-8000-000000000013", {
                "project_id": 901, "due_on": date(2026, 12, 15), "text": "Relancer le rapport", "officer_id": 901},
                   901),
        ], source="écran")
        apply_changes(db, [FieldChange("project", project, "officer_id", None, 901)], source="écran")
        from portfolio.services.documents import attach_changes, read_document

        with tempfile.TemporaryDirectory() as folder:
            pdf = Path(folder) / "convention.pdf"
            pdf.write_bytes(b"%PDF-1.4\n% convention de test\n%%EOF\n")
            apply_changes(db, attach_changes("project", 901, read_document(pdf), added_on=date(2026, 11, 3),
                                             author="Claire Martin", category="Convention"), source="écran")
        apply_changes(db, [Delete("milestone", "0191e0a0-0000-7000-8000-000000000008", {
            "project_id": 901, "title": "Rapport intermédiaire", "due_on": date(2024, 6, 30),
            "status_id": ids["s:milestone:a_venir"]})], source="écran")
    from bench.workbooks import write_beneficiaries

    from portfolio.exchange.imports import run_import, undo_import

    with tempfile.TemporaryDirectory() as folder:  # an import kept, a second one (other rows) undone
        for number, (count, seed) in enumerate(((12, 7), (6, 11))):
            workbook = write_beneficiaries(Path(folder) / f"beneficiaires-{number + 1}.xlsx", count, seed)
            with open_portfolio(location) as db:
                plan, result = run_import(db, workbook, untrusted=False)
                assert result is not None and not plan.rejected, plan.rejected
                if number == 1:
                    undo_import(db, result.batch)


with tempfile.TemporaryDirectory() as folder:
    file = Path(folder) / "portefeuille.sqlite"
    fill(str(file))
    (ROOT / "tests" / "data" / "schema12" / "portefeuille-schema-12.sqlite.gz").write_bytes(
        gzip.compress(file.read_bytes(), mtime=0))
server = Server()
try:
    url = server.database()
    fill(url)
    dump = subprocess.run([str(server.binaries / "pg_dump"), "--no-owner", "--no-privileges", url],
                          check=True, capture_output=True).stdout
    (ROOT / "tests" / "data" / "schema12" / "portefeuille-schema-12.sql.gz").write_bytes(
        gzip.compress(dump, mtime=0))
finally:
    server.stop()
