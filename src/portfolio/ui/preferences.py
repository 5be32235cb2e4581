"""Préférences: the language (French by default, English), kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from portfolio.domain.i18n import tr

LANGUAGES = [("fr", "Français"), ("en", "English")]


def stored_language() -> str:
    """The language chosen in the preferences ("fr" unless changed)."""
    value = str(QSettings().value("language", "fr"))
    return value if value in dict(LANGUAGES) else "fr"


class PreferencesDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Préférences"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.language = QComboBox()
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(self.language.findData(stored_language()))
        form.addRow(tr("Langue"), self.language)
        layout.addLayout(form)
        note = QLabel(tr("La langue choisie s'applique au prochain démarrage de l'application."))
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))  # Qt's own text is English
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        QSettings().setValue("language", self.language.currentData())
        super().accept()
