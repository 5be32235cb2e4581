"""Préférences: the language (French by default, English), kept in QSettings, and how many automatic backups
are kept, in the settings file the command line reads too (services.backups)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

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
        from portfolio.services.backups import KEEP_RANGE, backups_kept  # no SQLAlchemy at start-up

        self.backups = QSpinBox()
        self.backups.setRange(*KEEP_RANGE)
        self.backups.setValue(backups_kept())
        self.backups.setToolTip(tr("Une copie de la base est prise à l'ouverture et avant chaque import ; les plus "
                                   "anciennes au-delà de ce nombre sont supprimées."))
        form.addRow(tr("Sauvegardes automatiques gardées"), self.backups)
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
        from portfolio.services.backups import set_backups_kept

        QSettings().setValue("language", self.language.currentData())
        try:
            set_backups_kept(self.backups.value())
        except OSError as error:
            QMessageBox.warning(self, tr("Préférences"), tr("Le réglage des sauvegardes n'a pas pu être enregistré "
                                                             "({reason}).", reason=error.strerror or str(error)))
            return
        super().accept()
