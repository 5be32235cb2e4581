"""Working offline in the window (issue #22): Fichier > Travailler hors ligne… makes a replica of the open portfolio
and offers to open it; on a replica the status bar says its last sync and the changes waiting, and "Synchroniser"
sends them and takes the origin's."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from tests.ui.conftest import sql

from portfolio.services.changes import FieldChange
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui.main_window import MainWindow
from portfolio.ui.replica_actions import WorkOfflineDialog
from portfolio.ui.workspace import Workspace


def test_work_offline_then_sync_from_the_status_bar(qtbot: Any, window: MainWindow, demo_path: Path,
                                                   tmp_path: Path, said: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert not window.sync_bar.isVisible()  # the shared portfolio is no replica
    laptop = tmp_path / "portable.sqlite"

    def choose(dialog: WorkOfflineDialog) -> QDialog.DialogCode:
        dialog.path.setText(str(laptop))
        dialog.by_officer.setChecked(True)
        dialog.officer.setCurrentText("Claire Martin")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(WorkOfflineDialog, "exec", choose)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *a, **k: asked.append(text) or
                        QMessageBox.StandardButton.No)
    window.offline_action.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=60_000)
    assert "Réplique « Claire Martin » faite" in asked[0] and laptop.exists()
    projects = sql(laptop, "SELECT count(*) FROM project")[0][0]
    assert projects == sql(demo_path, "SELECT count(*) FROM project p JOIN officer o ON o.id = p.officer_id "
                                      "WHERE o.name = 'Claire Martin'")[0][0]
    # the replica, opened in a window: its status bar, an edit, and the sync
    make_application()
    replica = MainWindow(Workspace(open_portfolio(laptop)))
    qtbot.addWidget(replica)
    replica.show()
    assert replica.sync_bar.isVisible()
    assert "dernière synchronisation : jamais" in replica.sync_bar.label.text()
    uuid, end = sql(laptop, "SELECT uuid, end_on FROM project WHERE end_on IS NOT NULL ORDER BY id LIMIT 1")[0]
    replica.workspace.apply([FieldChange("project", uuid, "end_on", date.fromisoformat(end), date(2027, 3, 31))],
                            "Fin")
    assert "1 modification(s) à envoyer" in replica.sync_bar.label.text()
    replica.sync_bar.button.click()
    qtbot.waitUntil(lambda: any("Synchronisation faite" in text for text in said), timeout=60_000)
    assert "Envoyé : 0 création(s), 1 modification(s)" in said[-1]
    assert sql(demo_path, "SELECT end_on FROM project WHERE uuid = ?", uuid) == [("2027-03-31",)]
    assert "0 modification(s) à envoyer" in replica.sync_bar.label.text()
    assert "jamais" not in replica.sync_bar.label.text()
    replica.workspace.close()
