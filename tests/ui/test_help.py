"""Aide (issue #8): the user guide shipped with the application and opened in the window, and À propos with the
version and every licence; `portfolio --self-test` from the source tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

from portfolio import __version__
from portfolio.ui.help import LIBRARIES, guide_path
from portfolio.ui.main_window import MainWindow


def test_the_guide_is_shipped_whole_and_opens_in_the_window(qtbot, window: MainWindow) -> None:
    page = guide_path()
    text = page.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', text)
    assert len(images) >= 9 and all((page.parent / src).stat().st_size > 1000 for src in images)
    anchors = re.findall(r'href="#([^"]+)"', text)
    assert anchors and all(f'id="{a}"' in text for a in anchors), "every entry of the contents has its section"
    for task in ("Trouver et modifier une fiche", "Importer le classeur d'un partenaire", "Envoyer un classeur à une "
                 "agence et le reprendre", "imprimer le rapport", "Créer et vérifier un instantané"):
        assert task in text
    dialog = window.show_guide()
    qtbot.waitUntil(lambda: "Sommaire" in dialog.browser.toPlainText(), timeout=5_000)
    image = dialog.browser.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl(images[0]))
    assert image is not None and not image.isNull(), "the screenshots are found beside the guide"


def test_about_gives_the_version_and_every_licence(window: MainWindow) -> None:
    about = window.about()
    shown = about.browser.toPlainText()
    assert __version__ in shown and "Licence Ouverte" in shown and "IGN" in shown and "INSEE" in shown
    assert all(name in shown and licence in shown for name, _role, licence in LIBRARIES)


def test_the_self_test_passes_from_the_source_tree(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "portfolio", "--self-test"], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("✓") == 7 and "✗" not in run.stdout and "propagateSizeHints" not in run.stderr


def test_qts_own_buttons_speak_the_chosen_language(qapp) -> None:
    """The standard dialogs' buttons (an input dialog's Cancel…) follow the preferences' language."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialogButtonBox

    from portfolio.ui.app import make_application

    def cancel() -> str:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        return box.button(QDialogButtonBox.StandardButton.Cancel).text()

    try:
        QSettings().setValue("language", "en")
        make_application()
        assert cancel() == "Cancel"
    finally:
        QSettings().setValue("language", "fr")
        make_application()
    assert cancel() == "Annuler"
