"""The QApplication: its names, where Qt keeps the window's settings, its language and Qt's own words in it.

Apart from ui.app (which opens the main window) so that what needs an application without the window (the PDF
report drawn off screen, the self-test) does not import the window that imports it back.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import cast

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from portfolio import APP_NAME, __version__
from portfolio.domain import i18n
from portfolio.services import app_paths

from .preferences import stored_language

ORGANISATION = "DNS"
_earlier_settings_copied = False


def locate_settings() -> None:
    """Qt's settings of the window (layout, last and recent databases, language, the wizard's folder) in the INI
    format under ``app_paths.window_settings_folder()``, the configuration folder: PORTFOLIO_CONFIG_DIR moves them
    with the rest of the configuration (they were in Qt's native place, the registry on Windows, which no
    variable moves). Every ``QSettings()`` made afterwards reads and writes there; the application's names must be
    set first (they name the file: ``DNS/Portefeuille SASN.ini``).

    The first time, in the configuration folder of the platform (not an overridden one: a test's, the
    self-test's), the settings an earlier version kept in Qt's native place are copied there once, so that
    nobody loses their language or layout."""
    global _earlier_settings_copied
    earlier: QSettings | None = None
    if not _earlier_settings_copied and not app_paths.config_overridden():
        # Qt's native place: the registry on Windows, a .plist on macOS, ~/.config/DNS/….conf on Linux
        earlier = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, ORGANISATION, APP_NAME)
        earlier.setFallbacksEnabled(False)  # this application's own settings, not the organisation's
    _earlier_settings_copied = True
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(app_paths.window_settings_folder()))
    if earlier is None:
        return
    settings = QSettings()
    if Path(settings.fileName()).exists() or Path(earlier.fileName()) == Path(settings.fileName()):
        return
    keys = earlier.allKeys()
    for key in keys:
        settings.setValue(key, earlier.value(key))
    if keys:
        settings.sync()


def make_application() -> QApplication:
    """The QApplication with the names QSettings uses, its settings' place (``locate_settings``), and the language
    chosen in the preferences."""
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))  # (a QApplication: ours)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(ORGANISATION)
    app.setOrganizationDomain("esante.gouv.fr")
    QGuiApplication.setDesktopFileName("portefeuille-sasn")
    locate_settings()
    from .help import icon

    app.setWindowIcon(icon())
    language = stored_language()
    i18n.set_language(language)
    _qt_translations(app, language)
    return app


def _qt_translations(app: QCoreApplication, language: str) -> None:
    """Qt's own words in the chosen language (the standard dialogs' Cancel, Yes, No, the file dialog's labels, the
    line edits' context menu…), from the translations PySide6 ships: the source tree and the installed application
    (PyInstaller collects PySide6/Qt/translations) find them in the same place. English is Qt's own language: no
    translator at all."""
    # Qt's own numbers, sizes, dates and day names (the file dialog's "1,96 Kio", the calendar) follow the language
    # too; the application's own values are formatted by domain.money and domain.dates whatever the locale
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France) if language == "fr"
                       else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    for previous in getattr(app, "_portfolio_translators", ()):
        app.removeTranslator(previous)
    app._portfolio_translators = ()  # type: ignore[attr-defined]
    if language == "en":
        return
    catalogue = QTranslator(app)
    if not catalogue.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        return
    gaps = _CatalogueGaps(catalogue, app)
    # Qt asks the translator installed last first: the catalogue answers, the gaps only what it cannot
    app.installTranslator(gaps)
    app.installTranslator(catalogue)
    app._portfolio_translators = (catalogue, gaps)  # type: ignore[attr-defined]


class _CatalogueGaps(QTranslator):
    """The words Qt 6 asks for under a source text its own catalogue no longer has, found in that catalogue under
    the text Qt 5 used.

    PySide6 6.11's qtbase_fr.qm was never updated for two Qt 6 changes, so the non-native file dialog stayed half
    English: (1) its labels gained a mnemonic ("&Look in:", "Files of &type:") while the catalogue only has "Look
    in:" -> "Voir dans :" and "Files of type:" -> "Fichiers de type :"; (2) the file types of the list ("Folder",
    "Drive"…) moved from the QFileDialog context to QAbstractFileIconProvider, which the catalogue lacks entirely.
    Qt's own wording is reused, never ours. Asked only for what the catalogue misses, so rarely."""

    def __init__(self, catalogue: QTranslator, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self._catalogue = catalogue

    def isEmpty(self) -> bool:  # not empty: installing it must send the widgets a LanguageChange
        return False

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        """Qt's wording of the nearest older source text, or None (a null string: Qt keeps looking, then shows the
        source text; an empty string would blank the label). A Python override returning None is what PySide6 6.12
        mishandles on CPython 3.11 (pyproject's pin; tests/ui/test_pyside_pin.py)."""
        if context == "QAbstractFileIconProvider":  # Qt 5 asked these under QFileDialog, without a comment
            found = self._catalogue.translate("QFileDialog", source, None, n)
            if found:
                return found
        if "&" in source:
            plain = _MNEMONIC.sub(r"\1", source)
            found = self._catalogue.translate(context, plain, disambiguation, n)
            if found:
                return _with_mnemonic(found, _mnemonic_letter(source))
        return None


# "&x" marks the mnemonic x; "&&" is a literal ampersand
_MNEMONIC = re.compile(r"&(.)")


def _mnemonic_letter(source: str) -> str:
    """The letter after the single "&" of a Qt text ("&Look in:" -> "L"), "" when there is none."""
    return next((letter for letter in _MNEMONIC.findall(source) if letter != "&"), "")


def _with_mnemonic(text: str, letter: str) -> str:
    """The translation with its own mnemonic back (Alt+letter reaches the field): on a word starting with the
    English letter when there is one ("Fichiers de &type :"), else on its first letter ("&Voir dans :")."""
    text = text.replace("&", "&&")
    words = list(re.finditer(r"\b\w", text))
    chosen = next((m for m in words if letter and m.group().lower() == letter.lower()), words[0] if words else None)
    return text if chosen is None else text[:chosen.start()] + "&" + text[chosen.start():]
