"""Data safety in the window (issue #7): backups at open, Fichier > Restaurer une sauvegarde, a damaged file
offered a restore, Fichier > Créer un instantané, the preferences' backup setting, and a contact's GDPR
actions."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QDialog, QFileDialog

from portfolio.services.backups import backups_kept, list_backups, take_backup
from portfolio.services.changes import FieldChange
from portfolio.services.checkpoints import officer_key, public_text
from portfolio.services.portfolio import open_portfolio
from portfolio.services.snapshot import verify_snapshot
from portfolio.ui import gdpr_actions, recovery
from portfolio.ui.app import make_application
from portfolio.ui.editor import RecordEditor
from portfolio.ui.main_window import MainWindow
from portfolio.ui.preferences import PreferencesDialog
from portfolio.ui.workspace import Workspace

from .conftest import sql


def choose_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    def accept(dialog: QDialog) -> int:
        dialog.table.selectRow(0)
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(recovery.BackupsDialog, "exec", accept)


def test_a_copy_is_taken_when_the_window_opens_a_database(qtbot, window: MainWindow, demo_path: Path) -> None:
    qtbot.waitUntil(lambda: [b.reason for b in list_backups(demo_path)] == ["ouverture"], timeout=10_000)
    assert not window.statusBar().currentMessage().startswith("La sauvegarde")


def test_restore_puts_the_copy_back_and_keeps_the_replaced_file(qtbot, window: MainWindow, demo_path: Path,
                                                                 said: list[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    qtbot.waitUntil(lambda: bool(list_backups(demo_path)), timeout=10_000)
    uuid, city = sql(demo_path, "SELECT uuid, city FROM organisation ORDER BY id LIMIT 1")[0]
    window.workspace.apply([FieldChange("organisation", uuid, "city", city, "Après la copie")], "ville")
    choose_newest(monkeypatch)
    old_workspace = window.workspace
    window.restore_backup()
    qtbot.waitUntil(lambda: window.workspace is not old_workspace and window.workspace.ready, timeout=10_000)
    assert sql(demo_path, "SELECT city FROM organisation WHERE uuid = ?", uuid) == [(city,)]
    assert window.workspace.undo_stack.count() == 0
    aside = [p for p in demo_path.parent.glob("demo.remplacee-*.sqlite")]
    assert len(aside) == 1 and sql(aside[0], "SELECT city FROM organisation WHERE uuid = ?", uuid) == [
        ("Après la copie",)]
    assert any("a été restaurée" in text and aside[0].name in text for text in said)


def test_a_damaged_file_is_offered_a_restore_and_kept_aside(qtbot, window: MainWindow, demo_path: Path,
                                                            tmp_path: Path, said: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "autre.sqlite"
    open_portfolio(other).close()  # closed by the application: sealed
    take_backup(other, "manuelle")
    data = bytearray(other.read_bytes())
    data[len(data) - 200] ^= 0x01  # one bit, deep in a page: SQLite alone would not see it
    other.write_bytes(bytes(data))
    damaged = hashlib.sha256(bytes(data)).hexdigest()
    choose_newest(monkeypatch)
    window.switch_to(other)
    qtbot.waitUntil(lambda: window.workspace.db.path == other.resolve() and window.workspace.ready, timeout=10_000)
    aside = list(tmp_path.glob("autre.endommagee-*.sqlite"))
    assert len(aside) == 1 and hashlib.sha256(aside[0].read_bytes()).hexdigest() == damaged


def test_create_snapshot_from_the_menu(qtbot, window: MainWindow, tmp_path: Path, said: list[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "comite.sqlite"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.create_snapshot()
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    assert "signé avec votre clé" in said[0]
    verified = verify_snapshot(target)
    assert verified.intact and verified.signer == public_text(officer_key(create=False))


def test_preferences_set_how_many_backups_are_kept(qtbot) -> None:
    make_application()
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    assert dialog.backups.value() == 10
    dialog.backups.setValue(4)
    dialog.accept()
    assert backups_kept() == 4


def _contact_with_email(path: Path) -> tuple[int, str]:
    return sql(path, "SELECT id, email FROM contact WHERE email <> '' ORDER BY id LIMIT 1")[0]


def test_gdpr_export_from_a_contact(qtbot, workspace: Workspace, demo_path: Path, tmp_path: Path,
                                    said: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    contact_id, email = _contact_with_email(demo_path)
    editor = RecordEditor(workspace, "contact", contact_id)
    qtbot.addWidget(editor)
    assert editor.gdpr_button.isEnabled()
    target = tmp_path / "personne.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    gdpr_actions.export_person(editor)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    rows = list(load_workbook(target)["Fiches"].iter_rows(values_only=True))
    assert email in rows[1]


def test_gdpr_erase_from_a_contact(qtbot, workspace: Workspace, demo_path: Path, said: list[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    contact_id, email = _contact_with_email(demo_path)
    uuid, city = sql(demo_path, "SELECT uuid, city FROM organisation ORDER BY id LIMIT 1")[0]
    workspace.apply([FieldChange("organisation", uuid, "city", city, "Ailleurs")], "ville")
    editor = RecordEditor(workspace, "contact", contact_id)
    qtbot.addWidget(editor)
    monkeypatch.setattr(gdpr_actions, "confirm_erasure", lambda *_a: False)
    assert not gdpr_actions.erase_person(editor)
    assert sql(demo_path, "SELECT count(*) FROM contact WHERE id = ?", contact_id) == [(1,)]
    monkeypatch.setattr(gdpr_actions, "confirm_erasure", lambda *_a: True)
    assert gdpr_actions.erase_person(editor)
    assert workspace.undo_stack.count() == 0, "no undo step may bring the person back"
    assert sql(demo_path, "SELECT count(*) FROM contact WHERE id = ?", contact_id) == [(0,)]
    workspace.db.close()
    assert email.encode() not in demo_path.read_bytes()
    assert any("effacé" in text for text in said)


def test_gdpr_erase_is_refused_read_only(qtbot, read_only_window: MainWindow, demo_path: Path) -> None:
    contact_id, _email = _contact_with_email(demo_path)
    editor = RecordEditor(read_only_window.workspace, "contact", contact_id)
    qtbot.addWidget(editor)
    assert editor.gdpr_button.isEnabled() and not editor.erase_action.isEnabled()


def test_a_file_changed_by_another_program_can_be_kept_as_it_is(qtbot, window: MainWindow, tmp_path: Path,
                                                                said: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program's sound change (SQLite's VACUUM and ANALYZE: the file rewritten, its data, schema and trail
    the same) is refused at open, then kept when asked: checked, sealed again, opened."""
    other = tmp_path / "autre.sqlite"
    open_portfolio(other).close()
    connection = sqlite3.connect(other, isolation_level=None)
    connection.execute("VACUUM")
    connection.execute("ANALYZE")
    connection.close()

    def keep(dialog: QDialog) -> int:
        dialog._keep()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(recovery.BackupsDialog, "exec", keep)
    window.switch_to(other)
    qtbot.waitUntil(lambda: window.workspace.db.path == other.resolve() and window.workspace.ready, timeout=10_000)
    assert not list(tmp_path.glob("autre.endommagee-*"))
    assert said == []


def test_a_damaged_file_that_is_not_sound_cannot_be_kept(tmp_path: Path, said: list[str]) -> None:
    make_application()
    other = tmp_path / "autre.sqlite"
    open_portfolio(other).close()
    data = bytearray(other.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size * 3 + 3:page_size * 3 + 5] = b"\xff\xff"  # a page's cell count: a broken structure
    other.write_bytes(bytes(data))
    assert not recovery.keep_as_is(None, other)
    assert said and "ne peut pas être gardé" in said[0] and "--accept" not in said[0]
