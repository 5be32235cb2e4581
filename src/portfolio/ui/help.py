"""Aide: the user guide (shipped with the application, shown in the window: no browser, no network) and À
propos (the version, and the licences of the libraries and data the application ships)."""

from __future__ import annotations

import contextlib
import html
import platform
from importlib import metadata, resources
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from portfolio import APP_NAME, __version__
from portfolio.domain.i18n import N_, tr

# (distribution, what it does here, licence): the libraries the application ships, in an installer too
LIBRARIES = [
    ("Python", N_("le langage"), "PSF-2.0"),
    ("PySide6-Essentials", N_("Qt 6 pour Python : fenêtres, graphiques, impression PDF"), "LGPL-3.0"),
    ("shiboken6", N_("le lien entre Qt et Python"), "LGPL-3.0"),
    ("SQLAlchemy", N_("l'accès à la base SQLite"), "MIT"),
    ("alembic", N_("les migrations du schéma de la base"), "MIT"),
    ("Mako", N_("utilisé par alembic"), "MIT"),
    ("MarkupSafe", N_("utilisé par Mako"), "BSD-3-Clause"),
    ("platformdirs", N_("les dossiers de l'utilisateur"), "MIT"),
    ("python-calamine", N_("la lecture rapide des classeurs"), "MIT"),
    ("openpyxl", N_("l'écriture des classeurs Excel"), "MIT"),
    ("et_xmlfile", N_("utilisé par openpyxl"), "MIT"),
    ("defusedxml", N_("la lecture sûre du XML des fichiers reçus"), "PSF-2.0"),
    ("pyqtgraph", N_("les graphiques du tableau de bord"), "MIT"),
    ("numpy", N_("les calculs des indicateurs"), "BSD-3-Clause"),
    ("cryptography", N_("la signature des instantanés (Ed25519)"), "Apache-2.0 OR BSD-3-Clause"),
    ("cffi", N_("utilisé par cryptography"), "MIT"),
    ("pycparser", N_("utilisé par cffi"), "BSD-3-Clause"),
    ("typing_extensions", N_("utilisé par SQLAlchemy"), "PSF-2.0"),
    ("PyInstaller", N_("l'application installée (son lanceur)"), "GPL-2.0 avec exception pour le lanceur"),
]
MAP_DATA = N_("Carte des régions : contours IGN (GEOFLA) et codes INSEE, publiés par gregoiredavid/france-geojson, "
              "sous Licence Ouverte / Open Licence (Etalab) ; simplifiés pour l'application.")


def icon() -> QIcon:
    """The application's icon (a scalable SVG shipped with the code)."""
    with resources.as_file(resources.files("portfolio.ui").joinpath("data", "portfolio.svg")) as path:
        return QIcon(str(path))


def guide_path() -> Path:
    """The user guide's first page, a file on disk (in the source tree as in an installed application)."""
    entry = resources.files("portfolio.ui").joinpath("guide", "index.html")
    with resources.as_file(entry) as path:  # a real file for a package on disk: the path stays valid
        return Path(path)


class _Reader(QDialog):
    def __init__(self, title: str, parent: QWidget | None, width: int, height: int) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(width, height)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("Fermer"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class GuideDialog(_Reader):
    """Aide > Guide d'utilisation: the guide, its table of contents linked to its sections."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("Guide d'utilisation"), parent, 980, 720)
        self.setObjectName("guide")
        self.browser.setSource(QUrl.fromLocalFile(str(guide_path())))


class AboutDialog(_Reader):
    """Aide > À propos: the version and every licence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("À propos"), parent, 760, 620)
        self.setObjectName("about")
        e = html.escape
        rows = "".join(f"<tr><td>{e(name)}</td><td>{e(_version(name))}</td><td>{e(tr(role))}</td>"
                       f"<td>{e(licence)}</td></tr>" for name, role, licence in LIBRARIES)
        heads = "".join(f"<th>{e(tr(h))}</th>" for h in (N_("Bibliothèque"), N_("Version"), N_("Rôle"),
                                                           N_("Licence")))
        purpose = tr("Le portefeuille d'innovation de la Stratégie d'accélération Santé numérique (France 2030), "
                     "hors ligne.")
        running = tr("Python {python}, Qt {qt}, sur {system}.", python=platform.python_version(), qt=_qt_version(),
                     system=platform.system())
        replaceable = tr("Qt et PySide6 restent des bibliothèques partagées distinctes dans l'application installée "
                         ": elles peuvent être remplacées (LGPL v3).")
        self.browser.setHtml(
            f"<h2>{e(APP_NAME)} {e(__version__)}</h2><p>{e(purpose)}</p><p>{e(running)}</p>"
            f"<h3>{e(tr('Bibliothèques et licences'))}</h3>"
            f"<table cellspacing='0' cellpadding='3' border='1'><tr>{heads}</tr>{rows}</table>"
            f"<h3>{e(tr('Données'))}</h3><p>{e(tr(MAP_DATA))}</p><p>{e(replaceable)}</p>")


def _version(distribution: str) -> str:
    if distribution == "Python":
        return platform.python_version()
    with contextlib.suppress(metadata.PackageNotFoundError, ValueError):
        return metadata.version(distribution)
    return "—"


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return str(qVersion())
