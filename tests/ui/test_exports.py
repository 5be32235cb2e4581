"""The dashboard's exports: each chart as PNG and SVG, the KPI tables as a workbook, the steering committee's
PDF report (from the window and from `portfolio report`), each holding the figures of the filters chosen."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from portfolio.domain.money import format_eur, format_int
from portfolio.services.kpi import Filters, compute
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.main_window import MainWindow
from portfolio.ui.workspace import Workspace


@pytest.fixture
def dashboard(qtbot, workspace: Workspace):
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.resize(1366, 900)
    window.show()
    window.show_page("dashboard")
    page = window.pages["dashboard"]
    qtbot.waitUntil(lambda: page.kpis is not None, timeout=30_000)
    return page


def pdf_text(path: Path) -> str:
    # the PDF's words come back separated by tabs or no-break spaces: compared on single spaces
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def test_each_chart_is_saved_as_png_and_svg(dashboard, tmp_path: Path) -> None:
    for widget, name in ((dashboard.by_axis, "axes"), (dashboard.map, "carte"), (dashboard.timeline, "cumul"),
                         (dashboard.by_typology, "typologies")):
        png = dashboard.export_chart(widget, name, tmp_path / f"{name}.png")
        svg = dashboard.export_chart(widget, name, tmp_path / f"{name}.svg")
        assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert svg is not None and "<svg" in svg.read_text(encoding="utf-8")
    # the map as vectors: one path per region at least
    assert (tmp_path / "carte.svg").read_text(encoding="utf-8").count("<path") >= 18


def test_the_tables_workbook_holds_the_figures_of_the_filters(dashboard, tmp_path: Path, demo_path: Path) -> None:
    dashboard.set_filter("region", "53")
    written = dashboard.export_tables(tmp_path / "indicateurs.xlsx")
    assert written is not None
    book = CalamineWorkbook.from_path(str(written))
    with open_portfolio(demo_path) as db, db.read() as session:
        expected = compute(session, Filters(region="53"))
    figures = {row[0]: row[1] for row in book.get_sheet_by_name("Indicateurs").to_python() if row}
    assert figures["Candidatures"] == expected.applications
    assert round(figures["Aide engagée"] * 100) == expected.committed_cents
    by_region = book.get_sheet_by_name("Par région").to_python()
    assert [row[0] for row in by_region[1:]] == ["53"]
    assert "Filtres : région 53" in figures


def test_the_pdf_report_from_the_window_has_the_key_figures(dashboard, tmp_path: Path, demo_path: Path) -> None:
    dashboard.set_filter("typology", "PME")
    written = dashboard.export_report(tmp_path / "rapport.pdf")
    assert written is not None
    text = pdf_text(written)
    with open_portfolio(demo_path) as db, db.read() as session:
        expected = compute(session, Filters(typology="PME"))
    assert "Rapport au comité de pilotage" in text and "PME" in text
    assert plain(format_eur(expected.committed_cents)) in text
    assert f"Candidatures {plain(format_int(expected.applications))}" in text
    assert f"situation au {date.today().strftime('%d/%m/%Y')}" in text


def test_portfolio_report_writes_the_pdf_from_the_command_line(demo_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "comite.pdf"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-m", "portfolio", "report", str(out), "--db", str(demo_path),
                           "--region", "53"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    with open_portfolio(demo_path) as db, db.read() as session:
        expected = compute(session, Filters(region="53"))
    text = pdf_text(out)
    assert plain(format_eur(expected.disbursed_cents)) in text and "Filtres : région 53" in text
    assert "Par appel à projets" in text and "Par région" in text
    # a folder that does not exist: one line, exit 1, no traceback
    done = subprocess.run([sys.executable, "-m", "portfolio", "report", str(tmp_path / "absent" / "r.pdf"),
                           "--db", str(demo_path)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "n'existe pas" in done.stderr


def test_an_export_that_cannot_be_written_says_so_and_leaves_nothing(dashboard, tmp_path: Path) -> None:
    from portfolio.domain.errors import PortfolioError
    from portfolio.exchange.kpi_workbook import write_kpi_workbook
    from portfolio.ui.charts import export_chart
    from portfolio.ui.report import write_report

    missing = tmp_path / "absent"
    for name in ("carte.svg", "carte.png"):
        with pytest.raises(PortfolioError, match=r"n'a pas pu être écrit .* vérifiez que le dossier existe"):
            export_chart(dashboard.map, missing / name)
    taken = tmp_path / "dossier.xlsx"
    taken.mkdir()  # a folder where the workbook should go: replacing it fails
    with pytest.raises(PortfolioError, match="n'a pas pu être écrit"):
        write_kpi_workbook(dashboard.kpis, taken)
    taken_pdf = tmp_path / "dossier.pdf"
    taken_pdf.mkdir()
    with pytest.raises(PortfolioError, match="n'a pas pu être écrit"):
        write_report(dashboard.facts, dashboard.current_filters(), taken_pdf)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # nothing half-written left


def test_the_report_says_the_filters_even_after_another_export(dashboard, tmp_path: Path) -> None:
    dashboard.set_filter("region", "53")
    dashboard.export_chart(dashboard.map, "carte", tmp_path / "carte.png")
    assert dashboard.scope.text().startswith("Enregistré")
    written = dashboard.export_report(tmp_path / "rapport.pdf")
    assert written is not None and "Filtres : Bretagne" in pdf_text(written)



def test_a_snapshot_opens_read_only_with_its_verification_and_stays_unchanged(qtbot, demo_path: Path,
                                                                            tmp_path: Path) -> None:
    import hashlib

    from PySide6.QtCore import QSettings

    from portfolio.services.snapshot import write_snapshot

    snapshot = tmp_path / "instantane.sqlite"
    write_snapshot(demo_path, snapshot, author="auditrice")
    before = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    window = MainWindow(Workspace(open_portfolio(demo_path)))
    qtbot.addWidget(window)
    window.show()
    window.open_snapshot(snapshot)
    qtbot.waitUntil(lambda: window.workspace.db.path == snapshot.resolve(), timeout=30_000)
    assert window.workspace.read_only and window.banner.isVisible()
    text = window.banner.text()
    assert "instantané du" in text and "auditrice" in text and "vérifié : contenu intact, mais NON SIGNÉ" in text
    assert not window.new_action.isEnabled() and not window.import_action.isEnabled()
    window.show_page("project")
    assert window.pages["project"].model.rowCount() == 350
    window.close()
    window.workspace.close()
    assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == before
    assert not Path(f"{snapshot}-wal").exists() and not Path(f"{snapshot}-shm").exists()
    assert QSettings().value("last_database") != str(snapshot.resolve())  # never reopened writable later
    # an altered snapshot opens with its failure in the banner
    import sqlite3

    with sqlite3.connect(snapshot) as connection:
        connection.execute("UPDATE organisation SET city = 'Brest' WHERE rowid = 1")
    window = MainWindow(Workspace(open_portfolio(demo_path)))
    qtbot.addWidget(window)
    window.show()
    window.open_snapshot(snapshot)
    qtbot.waitUntil(lambda: window.workspace.db.path == snapshot.resolve(), timeout=30_000)
    assert "VÉRIFICATION ÉCHOUÉE" in window.banner.text() and "organisation" in window.banner.text()
    window.workspace.close()


def test_the_journal_exports_every_entry_its_filters_show(qtbot, workspace: Workspace, demo_path: Path,
                                                         tmp_path: Path) -> None:
    # the auditors' export: the journal filtered by author, every row (not only the page on screen), French
    # headers, times as times
    import sqlite3

    from portfolio.ui.table_page import RecordTablePage

    with sqlite3.connect(demo_path) as connection:
        actor, count = connection.execute(
            "SELECT actor, count(*) FROM audit_entry GROUP BY actor ORDER BY count(*) DESC LIMIT 1").fetchone()
    page = RecordTablePage(workspace, "audit")
    qtbot.addWidget(page)
    page.set_filter("actor", (actor,))
    out = tmp_path / "journal.xlsx"
    page.export_list(out)
    qtbot.waitUntil(lambda: page.exported == out, timeout=60_000)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert "Auteur" in rows[0] and "Source" in rows[0]
    assert len(rows) - 1 == count and count > 200  # more than a page
    assert {row[rows[0].index("Auteur")] for row in rows[1:]} == {actor}
    first_seq = page.model.id_at(0)  # the rows in the list's own order
    with sqlite3.connect(demo_path) as connection:
        first_at = connection.execute("SELECT at_utc FROM audit_entry WHERE seq = ?", (first_seq,)).fetchone()[0]
    assert rows[1][0] == first_seq and rows[1][1] == first_at  # the trail's time, to the microsecond


def test_a_list_exports_money_in_euros_and_dates_as_dates(qtbot, workspace: Workspace, tmp_path: Path) -> None:
    from datetime import date, datetime
    from decimal import Decimal

    from portfolio.services import listing
    from portfolio.ui.table_page import RecordTablePage

    page = RecordTablePage(workspace, "disbursement")
    qtbot.addWidget(page)
    out = tmp_path / "versements.xlsx"
    page.export_list(out)
    qtbot.waitUntil(lambda: page.exported == out, timeout=60_000)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    columns = listing.columns("disbursement")
    assert rows[0] == [c.label for c in columns] and len(rows) - 1 == page.model.rowCount()
    with workspace.db.read() as session:
        first = listing.fetch_rows(session, "disbursement", [page.model.id_at(0)])[page.model.id_at(0)]
    for column, stored, written in zip(columns, first, rows[1], strict=True):
        if column.kind == "money" and stored is not None:
            assert Decimal(str(written)) == Decimal(stored) / 100
        if column.kind == "date" and stored is not None:
            assert isinstance(written, date | datetime) and written.strftime("%Y-%m-%d") == stored.isoformat()


def test_the_journal_filters_by_month(workspace: Workspace, demo_path: Path) -> None:
    import sqlite3

    from portfolio.services import listing

    with sqlite3.connect(demo_path) as connection:
        months = dict(connection.execute("SELECT substr(at_utc, 1, 7), count(*) FROM audit_entry GROUP BY 1"))
    with workspace.db.read() as session:
        options = listing.filter_options(session, "audit", "month")
        assert [value for value, _ in options] == sorted(months, reverse=True)
        assert all(label == f"{value[5:7]}/{value[:4]}" for value, label in options)
        for month, count in months.items():
            ids = listing.query_ids(session, listing.ListQuery("audit", filters={"month": (month,)}))
            assert len(ids) == count
        assert listing.query_ids(session, listing.ListQuery("audit", filters={"month": ("1999-01",)})) == []


def test_a_text_starting_with_equals_is_exported_as_that_text(qtbot, workspace: Workspace, tmp_path: Path) -> None:
    # a partner's value such as "=HYPERLINK(...)" reaches the journal: exported as the text it is, never a formula
    from portfolio.services.changes import FieldChange
    from portfolio.ui.table_page import RecordTablePage

    with workspace.db.read() as session:
        from portfolio.db.sqlite_file import raw_connection

        uuid, city = raw_connection(session).execute("SELECT uuid, city FROM organisation LIMIT 1").fetchone()
    workspace.apply([FieldChange("organisation", uuid, "city", city, "=1+1")], "essai")
    page = RecordTablePage(workspace, "organisation")
    qtbot.addWidget(page)
    page.search.setText("1+1")
    page.apply_search()
    out = tmp_path / "structures.xlsx"
    page.export_list(out)
    qtbot.waitUntil(lambda: page.exported == out, timeout=60_000)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert any("=1+1" in row for row in rows[1:])
    import zipfile

    with zipfile.ZipFile(out) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")



def test_the_window_never_writes_over_the_database_or_its_backups(dashboard, demo_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # issue #18: every file the window writes goes through the same guard as the command line
    from PySide6.QtWidgets import QMessageBox

    from portfolio.db.seal import backups_dir

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: said.append(text))
    folder = backups_dir(demo_path)
    folder.mkdir(exist_ok=True)
    before = sorted(folder.iterdir())
    assert dashboard.export_report(folder / "rapport.pdf") is None
    assert dashboard.export_tables(folder / "indicateurs.xlsx") is None
    assert dashboard.export_chart(dashboard.map, "carte", folder / "carte.png") is None
    assert len(said) == 3 and all("dossier des sauvegardes" in text for text in said)
    assert sorted(folder.iterdir()) == before
