"""Préférences: the language (French by default, English), kept in QSettings, and how many automatic backups
are kept, in the settings file the command line reads too (services.backups)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

LANGUAGES = [("fr", "Français"), ("en", "English")]


def stored_language() -> str:
    """The language chosen in the preferences ("fr" unless changed)."""
    value = str(QSettings().value("language", "fr"))
    return value if value in dict(LANGUAGES) else "fr"


OFFICER_SETTING = "officer"  # the officer using this computer (issue #21: "Mon suivi", notes signed, reminders)


def current_officer() -> str:
    """The officer using this computer, as set in Préférences ("" when not set)."""
    return str(QSettings().value(OFFICER_SETTING, "") or "").strip()


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
        self.officer = QLineEdit(current_officer())
        self.officer.setObjectName("current_officer")
        self.officer.setPlaceholderText(tr("Prénom Nom, tel que dans la liste des chargés de mission"))
        self.officer.setToolTip(tr("« Mon suivi » montre d'abord vos projets ; vos notes sont signées de ce nom et "
                                   "vos relances vous reviennent."))
        form.addRow(tr("Chargé(e) de mission (vous)"), self.officer)
        from portfolio.services.backups import KEEP_RANGE, backups_kept  # no SQLAlchemy at start-up

        self.backups = QSpinBox()
        self.backups.setRange(*KEEP_RANGE)
        self.backups.setValue(backups_kept())
        self.backups.setToolTip(tr("Une copie de la base est prise à l'ouverture et avant chaque import ; les plus "
                                   "anciennes au-delà de ce nombre sont supprimées."))
        form.addRow(tr("Sauvegardes automatiques gardées"), self.backups)
        from portfolio.services.portfolio import shared_database

        self.shared = QLineEdit(shared_database() or "")
        self.shared.setObjectName("shared_database")
        self.shared.setPlaceholderText("postgresql://utilisateur@serveur/portefeuille_sasn")
        self.shared.setToolTip(tr("Mode équipe : le portefeuille sur un serveur PostgreSQL partagé, à la place du "
                                  "fichier. Le mot de passe reste dans ~/.pgpass. Vide : le fichier de ce poste."))
        self.shared.setMinimumWidth(380)
        test = QPushButton(tr("Tester"))
        test.clicked.connect(self.test_shared)
        row = QHBoxLayout()
        row.addWidget(self.shared, 1)
        row.addWidget(test)
        form.addRow(tr("Base partagée (mode équipe)"), row)
        layout.addLayout(form)
        note = QLabel(tr("La langue choisie et la base partagée s'appliquent au prochain démarrage de "
                         "l'application."))
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))  # Qt's own text is English
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _url(self) -> str | None:
        """The URL typed, None for none; PortfolioError for text that is not a PostgreSQL URL."""
        from portfolio.db.locations import is_url

        text = self.shared.text().strip()
        if text and not is_url(text):
            from portfolio.db.locations import without_password

            raise PortfolioError(tr("« {text} » n'est pas l'adresse d'une base PostgreSQL : elle commence par "
                                    "postgresql://", text=without_password(text)))
        return text or None

    def test_shared(self) -> bool:
        """Connects to the shared database typed (creating its schema if it has none) and says how it went."""
        from portfolio.services.portfolio import open_portfolio

        try:
            url = self._url()
            if url is None:
                return False
            with open_portfolio(url, readonly=False):
                pass
        except PortfolioError as error:
            QMessageBox.warning(self, tr("Base partagée"), str(error))
            return False
        QMessageBox.information(self, tr("Base partagée"), tr("Connexion réussie : le portefeuille de ce serveur "
                                                              "s'ouvrira au prochain démarrage."))
        return True

    def accept(self) -> None:
        from portfolio.services.backups import set_backups_kept
        from portfolio.services.portfolio import SHARED_SETTING, write_setting

        try:
            url = self._url()
        except PortfolioError as error:
            QMessageBox.warning(self, tr("Préférences"), str(error))
            return
        QSettings().setValue("language", self.language.currentData())
        QSettings().setValue(OFFICER_SETTING, self.officer.text().strip())
        try:
            if url is not None:  # its password, if one was typed, goes to ~/.pgpass, never into the settings
                from portfolio.services.passwords import store_password

                url = store_password(url)
            write_setting(SHARED_SETTING, url)
            set_backups_kept(self.backups.value())
        except OSError as error:
            QMessageBox.warning(self, tr("Préférences"), tr("Le réglage des sauvegardes n'a pas pu être enregistré "
                                                             "({reason}).", reason=error.strerror or str(error)))
            return
        super().accept()
