"""Qt's own dialogs speak the application's language (issue #19): the non-native file dialog (offscreen, under Xvfb,
on Linux without a portal), the message boxes' buttons, the input and colour dialogs, the line edits' context menu.

The French words expected are Qt's own, read from PySide6's qtbase_fr.qm (QFileDialog "Look in:" -> "Voir dans :",
"Files of type:" -> "Fichiers de type :", "File &name:" -> "&Nom de fichier :", "Folder" -> "Dossier"), with the
non-breaking space French puts before a colon."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QFileInfo, QSettings, QTranslator
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QDialogButtonBox,
    QFileDialog,
    QFileIconProvider,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from portfolio.ui.app import make_application

NBSP = "\u00a0"


@pytest.fixture
def language(qapp) -> Iterator[object]:
    """Selects Qt's language as the preferences do (then make_application), French again afterwards."""

    def choose(code: str) -> None:
        QSettings().setValue("language", code)
        make_application()

    choose("fr")
    yield choose
    choose("fr")


def _file_dialog(qtbot, folder: Path) -> QFileDialog:
    dialog = QFileDialog(None, "Choisir", str(folder), "Classeur Excel (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's widget dialog, the one its catalogue covers
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _labels(dialog: QWidget) -> dict[str, str]:
    return {name: dialog.findChild(QLabel, name).text() for name in ("lookInLabel", "fileTypeLabel", "fileNameLabel")}


def test_the_file_dialog_is_french_then_english(qtbot, tmp_path: Path, language) -> None:
    (tmp_path / "dossier").mkdir()
    dialog = _file_dialog(qtbot, tmp_path)
    # Qt 6 asks for "&Look in:" and "Files of &type:", which qtbase_fr.qm lacks: its older wording, mnemonic back
    assert _labels(dialog) == {"lookInLabel": f"&Voir dans{NBSP}:", "fileTypeLabel": f"Fichiers de &type{NBSP}:",
                               "fileNameLabel": f"&Nom de fichier{NBSP}:"}
    assert dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open).text() == "&Ouvrir"
    # the list's Type column: Qt 6 asks QAbstractFileIconProvider, the catalogue has it under QFileDialog
    assert QFileIconProvider().type(QFileInfo(str(tmp_path / "dossier"))) == "Dossier"
    dialog.close()

    language("en")
    dialog = _file_dialog(qtbot, tmp_path)
    assert _labels(dialog) == {"lookInLabel": "&Look in:", "fileTypeLabel": "Files of &type:",
                               "fileNameLabel": "File &name:"}
    assert dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Open).text() == "&Open"
    assert QFileIconProvider().type(QFileInfo(str(tmp_path / "dossier"))) == "Folder"


def _standard_words(qtbot) -> dict[str, object]:
    """The words of Qt's standard dialogs and of a line edit's context menu, as shown now."""
    box = QMessageBox(QMessageBox.Icon.Question, "t", "?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    ask = QInputDialog()
    colours = QColorDialog()
    colours.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
    field = QLineEdit("texte")
    for widget in (box, ask, colours, field):
        qtbot.addWidget(widget)
        widget.show()  # the input dialog makes its buttons when first shown
    menu = field.createStandardContextMenu()
    words = {
        "message box": [button.text() for button in box.buttons()],
        "input dialog": sorted(button.text() for button in ask.findChild(QDialogButtonBox).buttons()),
        "colour dialog": {label.text() for label in colours.findChildren(QLabel)},
        "context menu": [action.text().split("\t")[0] for action in menu.actions() if not action.isSeparator()],
    }
    menu.deleteLater()
    return words


def test_the_standard_dialogs_and_context_menus_follow_the_language(qtbot, language) -> None:
    french = _standard_words(qtbot)
    assert sorted(french["message box"]) == ["&Non", "&Oui"]
    assert french["input dialog"] == ["Annuler", "OK"]
    assert {"Couleurs de &base", f"&Rouge{NBSP}:"} <= french["colour dialog"]
    assert french["context menu"] == ["&Annuler", "&Rétablir", "Co&uper", "Cop&ier", "Co&ller", "Supprimer",
                                      "Tout sélectionner"]

    language("en")
    english = _standard_words(qtbot)
    assert sorted(english["message box"]) == ["&No", "&Yes"]
    assert english["input dialog"] == ["Cancel", "OK"]
    assert {"&Basic colors", "&Red:"} <= english["colour dialog"]
    assert english["context menu"] == ["&Undo", "&Redo", "Cu&t", "&Copy", "&Paste", "Delete", "Select All"]


class _Unanswered(QTranslator):
    """Installed before the application's translators, so asked only for what they leave in English."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[tuple[str, str]] = set()

    def isEmpty(self) -> bool:
        return False

    def translate(self, context: str, source: str, disambiguation: str | None = None,  # type: ignore[override]
                  n: int = -1) -> str | None:
        self.asked.add((context, source))
        return None  # a null string: Qt shows the source text


def test_no_word_of_the_standard_dialogs_is_left_in_english(qtbot, tmp_path: Path, language) -> None:
    app = QApplication.instance()
    unanswered = _Unanswered()
    app.installTranslator(unanswered)
    try:
        language("fr")  # the application's translators again, now asked before the recorder
        save = _file_dialog(qtbot, tmp_path)
        save.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        QFileIconProvider().type(QFileInfo(str(tmp_path)))
        _standard_words(qtbot)
        app.processEvents()
    finally:
        app.removeTranslator(unanswered)
    # QT_LAYOUT_DIRECTION is Qt's way of asking for right-to-left: French leaves it untranslated, left to right
    assert unanswered.asked - {("QGuiApplication", "QT_LAYOUT_DIRECTION")} == set()
