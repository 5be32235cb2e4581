"""Aide: the user guide (shipped with the application, shown in the window: no browser, no network) and À
propos (the version, and the licences of the libraries and data the application ships)."""

from __future__ import annotations

import contextlib
import html
import os
import platform
import re
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any, NamedTuple

from PySide6.QtCore import QUrl
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from portfolio import APP_NAME, __version__
from portfolio.domain.i18n import N_, tr

# What the application's own dependencies do here; their dependencies are "used by" them. The list itself, the
# versions and the licences come from the installed distributions' metadata (libraries()), so that it cannot drift.
ROLES = {
    "pyside6-essentials": N_("Qt 6 pour Python : fenêtres, graphiques, impression PDF"),
    "shiboken6": N_("le lien entre Qt et Python"),
    "sqlalchemy": N_("l'accès à la base SQLite"),
    "alembic": N_("les migrations du schéma de la base"),
    "platformdirs": N_("les dossiers de l'utilisateur"),
    "python-calamine": N_("la lecture rapide des classeurs"),
    "openpyxl": N_("l'écriture des classeurs Excel"),
    "defusedxml": N_("la lecture sûre du XML des fichiers reçus"),
    "pyqtgraph": N_("les graphiques du tableau de bord"),
    "numpy": N_("les calculs des indicateurs"),
    "cryptography": N_("la signature des instantanés (Ed25519)"),
    "psycopg": N_("le mode équipe : la connexion au serveur PostgreSQL"),
    "psycopg-binary": N_("psycopg compilé, avec libpq (rien à installer sur le poste)"),
    "pyinstaller": N_("l'application installée (son lanceur)"),
}
# The distribution whose metadata lists the application's dependencies (pyproject.toml's [project] dependencies).
APPLICATION = "portfolio"
# Libraries shipped inside a distribution's wheel, without metadata of their own: (inside, name, role, licence).
# libpq's licence is the PostgreSQL Licence (SPDX "PostgreSQL"), stated by the PostgreSQL project, not by psycopg.
BUNDLED = [
    ("pyside6-essentials", "Qt", N_("la bibliothèque Qt elle-même, livrée avec PySide6"), None),
    ("psycopg-binary", "libpq", N_("le client PostgreSQL, livré avec psycopg-binary"), "PostgreSQL"),
]


class Library(NamedTuple):
    """One row of À propos: what ships, its version, why, and its licence as its own metadata states it."""

    name: str
    version: str
    role: str  # already in the language in force
    licence: str


def __getattr__(name: str) -> list[tuple[str, str, str]]:
    """LIBRARIES, (name, role, licence) of every library shipped, computed when first asked for (reading the
    metadata takes tens of milliseconds, which the start-up, importing this module for the icon, must not pay)."""
    if name == "LIBRARIES":
        return [(library.name, library.role, library.licence) for library in libraries()]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        super().__init__(tr("À propos"), parent, 900, 680)
        self.setObjectName("about")
        e = html.escape
        rows = "".join(f"<tr><td>{e(row.name)}</td><td>{e(row.version)}</td><td>{e(row.role)}</td>"
                       f"<td>{e(row.licence)}</td></tr>" for row in libraries())
        heads = "".join(f"<th>{e(tr(h))}</th>" for h in (N_("Bibliothèque"), N_("Version"), N_("Rôle"),
                                                           N_("Licence")))
        purpose = tr("Le portefeuille d'innovation de la Stratégie d'accélération Santé numérique (France 2030), "
                     "hors ligne.")
        running = tr("Python {python}, Qt {qt}, sur {system}.", python=platform.python_version(), qt=_qt_version(),
                     system=platform.system())
        replaceable = tr("Qt et PySide6 restent des bibliothèques partagées distinctes dans l'application installée "
                         ": elles peuvent être remplacées (LGPL v3).")
        origin = tr("Versions et licences telles que les déclarent les bibliothèques installées.")
        self.browser.setHtml(
            f"<h2>{e(APP_NAME)} {e(__version__)}</h2><p>{e(purpose)}</p><p>{e(running)}</p>"
            f"<h3>{e(tr('Bibliothèques et licences'))}</h3><p>{e(origin)}</p>"
            f"<table cellspacing='0' cellpadding='3' border='1' width='100%'><tr>{heads}</tr>{rows}</table>"
            f"<p>{e(replaceable)}</p><h3>{e(tr('Données'))}</h3><p>{e(tr(MAP_DATA))}</p>")


def libraries() -> list[Library]:
    """Every library the application ships: Python, the application's runtime dependencies as its metadata declares
    them, their own dependencies in turn (for this platform), the C libraries some wheels bring, and PyInstaller's
    launcher in the installed application; each with its version and licence as its metadata states it."""
    rows = [Library("Python", platform.python_version(), tr("le langage"), "PSF-2.0")]
    frozen = bool(getattr(sys, "frozen", False))
    order, parents = _dependencies(_roots(frozen))
    for key in order:
        distribution = _distribution(key)
        if distribution is None:  # declared but without metadata (an installed application built without it)
            rows.append(Library(key, "—", _role(key, parents), "—"))
            continue
        rows.append(Library(distribution.metadata["Name"], distribution.version, _role(key, parents),
                            _licence(distribution)))
        for inside, name, role, licence in BUNDLED:
            if inside == key:
                rows.append(Library(name, _bundled_version(name), tr(role), licence or _licence(distribution)))
    if frozen and (launcher := _distribution("pyinstaller")) is not None:  # only its launcher ships
        rows.append(Library(launcher.metadata["Name"], launcher.version, tr(ROLES["pyinstaller"]),
                            _licence(launcher)))
    return rows


def _key(name: str) -> str:
    """A distribution's name as PEP 503 compares them: "PySide6_Essentials" and "pyside6-essentials" are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _distribution(key: str) -> metadata.Distribution | None:
    try:
        return metadata.distribution(key)
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _roots(frozen: bool) -> list[tuple[str, frozenset[str]]]:
    """The application's runtime dependencies (name, extras asked for), in pyproject's order. The installed
    application carries the metadata of what it ships but not its own: there, every distribution it carries."""
    application = _distribution(APPLICATION)
    if application is not None:
        return _requirements(application, frozenset())
    if not frozen:
        return []
    return [(_key(d.metadata["Name"]), frozenset()) for d in metadata.distributions()
            if d.metadata["Name"] and _key(d.metadata["Name"]) not in (APPLICATION, "pyinstaller")]


def _dependencies(roots: list[tuple[str, frozenset[str]]]) -> tuple[list[str], dict[str, list[str]]]:
    """Every distribution the roots need, recursively, each listed right after the first one that needs it (the
    roots in their order), and who needs each one (the names as their metadata spells them)."""
    order: list[str] = []
    parents: dict[str, list[str]] = {}
    extras_of: dict[str, set[str]] = {}

    def visit(key: str, extras: frozenset[str]) -> None:
        known = extras_of.setdefault(key, set())
        if key in order and extras <= known:
            return
        if key not in order:
            order.append(key)
        known |= extras
        distribution = _distribution(key)
        if distribution is None:
            return
        for child, child_extras in _requirements(distribution, frozenset(known)):
            needed_by = parents.setdefault(child, [])
            if distribution.metadata["Name"] not in needed_by:
                needed_by.append(distribution.metadata["Name"])
            visit(child, child_extras)

    for key, extras in roots:
        visit(key, extras)
    return order, parents


# "name [extras] version-specifiers ; marker" (PEP 508; URLs are never used by these distributions)
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?[^;]*(?:;(.*))?$")


def _requirements(distribution: metadata.Distribution, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """The distributions this one requires here (this Python, this system, the extras asked for)."""
    found = []
    for line in distribution.requires or []:
        match = _REQUIREMENT.match(line)
        if match is None:
            continue
        name, wanted, marker = match.groups()
        if marker and not _Marker(marker, extras).value():
            continue
        found.append((_key(name), frozenset(_key(x) for x in (wanted or "").split(",") if x.strip())))
    return found


class _Marker:
    """A PEP 508 environment marker ("python_version < '3.13' and extra == 'binary'") evaluated here: the few lines
    the standard library lacks (packaging's does not ship in the installed application)."""

    _TOKEN = re.compile(r"\s*(\(|\)|===|==|!=|~=|<=|>=|<|>|not\s+in\b|in\b|and\b|or\b|'[^']*'|\"[^\"]*\""
                        r"|[A-Za-z_][A-Za-z0-9_.]*)")
    _VERSIONS = frozenset({"python_version", "python_full_version", "implementation_version"})

    def __init__(self, text: str, extras: frozenset[str]) -> None:
        self.tokens: list[str] = []
        position = 0
        while position < len(text.rstrip()):
            match = self._TOKEN.match(text, position)
            if match is None:
                raise ValueError(f"marker: {text!r}")
            self.tokens.append(match.group(1))
            position = match.end()
        self.extras = extras
        self.environment = {
            "python_version": "{}.{}".format(*sys.version_info[:2]), "python_full_version": platform.python_version(),
            "implementation_version": platform.python_version(), "os_name": os.name, "sys_platform": sys.platform,
            "platform_system": platform.system(), "platform_machine": platform.machine(),
            "platform_release": platform.release(), "platform_version": platform.version(),
            "platform_python_implementation": platform.python_implementation(),
            "implementation_name": sys.implementation.name,
        }

    def value(self) -> bool:
        result = self._or()
        if self.tokens:
            raise ValueError(f"marker: unexpected {self.tokens[0]!r}")
        return result

    def _or(self) -> bool:
        result = self._and()
        while self.tokens[:1] == ["or"]:
            self.tokens.pop(0)
            result = self._and() or result  # both sides are read whatever the left one says
        return result

    def _and(self) -> bool:
        result = self._comparison()
        while self.tokens[:1] == ["and"]:
            self.tokens.pop(0)
            result = self._comparison() and result
        return result

    def _comparison(self) -> bool:
        if self.tokens[:1] == ["("]:
            self.tokens.pop(0)
            result = self._or()
            self.tokens.pop(0)  # ")"
            return result
        left, operator, right = self.tokens.pop(0), " ".join(self.tokens.pop(0).split()), self.tokens.pop(0)
        variable = left if left[0] not in "'\"" else right
        if variable == "extra":  # true when the extra named is among those asked for
            named = _key((right if variable == left else left).strip("'\""))
            return (named in self.extras) == (operator == "==")
        a, b = (self.environment.get(x, "") if x[0] not in "'\"" else x[1:-1] for x in (left, right))
        if operator in ("in", "not in"):
            return (a in b) == (operator == "in")
        if variable in self._VERSIONS:
            va, vb = _version_tuple(a), _version_tuple(b)
            return {"==": va == vb, "===": a == b, "!=": va != vb, "<": va < vb, "<=": va <= vb, ">": va > vb,
                    ">=": va >= vb, "~=": va >= vb}[operator]
        return {"==": a == b, "===": a == b, "!=": a != b}.get(operator, False)


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _role(key: str, parents: dict[str, list[str]]) -> str:
    if key in ROLES:
        return tr(ROLES[key])
    return tr("utilisé par {names}", names=", ".join(parents.get(key, ())) or "—")


def _licence(distribution: metadata.Distribution) -> str:
    """The licence as the distribution's metadata states it: its SPDX License-Expression, else its one-line
    License field (a field holding the whole licence text is not a name), else its licence classifiers."""
    meta: Any = distribution.metadata  # an email.message.Message (PackageMetadata's protocol names no get())
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and field.upper() != "UNKNOWN":
        return field
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " ; ".join(classifiers) or "—"


def _bundled_version(name: str) -> str:
    """The version of a C library a wheel brings: Qt's from Qt itself, libpq's from psycopg (a number such as
    180006 for 18.6)."""
    if name == "Qt":
        return _qt_version()
    with contextlib.suppress(ImportError, AttributeError):
        import psycopg

        number = int(psycopg.pq.version())
        return f"{number // 10000}.{number % 100}" if number >= 100000 else f"{number // 10000}.{number // 100 % 100}"
    return "—"


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return str(qVersion())
