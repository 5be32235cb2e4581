"""`portfolio --self-test`: a complete offline check of an installed application, in a temporary folder.

It creates the demo portfolio, opens every screen and dialog off screen, imports a small workbook (read in
the separate reading process, as any file from outside), exports an agency's working workbook and takes it
back, writes the steering committee's PDF report, and makes a signed snapshot and verifies it. Every step is
said with its result; the exit code is 0 only when all passed. Nothing outside the temporary folder is read
or written (settings, keys and Qt's settings included), so it can run on an officer's laptop as it is.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_int


@dataclass
class _Context:
    folder: Path
    demo: Path = field(init=False)
    app: Any = None
    workspace: Any = None
    window: Any = None

    def __post_init__(self) -> None:
        self.demo = self.folder / "demo.sqlite"


def run_self_test(out: TextIO | None = None) -> int:
    """Runs every step; prints one line per step; returns 0 when all passed, 1 otherwise."""
    stream = out or sys.stdout
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="portfolio-autotest-") as name:
        folder = Path(name)
        _isolate(folder)
        context = _Context(folder)
        failures = []
        print(tr("Auto-test de l'application, dans {folder} :", folder=folder), file=stream, flush=True)
        try:
            for label, step in STEPS:
                begun = time.perf_counter()
                try:
                    detail = step(context)
                except Exception as error:  # every failure is reported, and the next steps still run
                    failures.append(tr(label))
                    where = traceback.extract_tb(error.__traceback__)[-1]
                    print(f"  ✗ {tr(label)} : {type(error).__name__} : {error} ({Path(where.filename).name}:"
                          f"{where.lineno})", file=stream, flush=True)
                    continue
                seconds = _seconds(time.perf_counter() - begun)
                print(f"  ✓ {tr(label)}{' — ' + detail if detail else ''} ({seconds} s)", file=stream, flush=True)
        finally:
            _close(context)
    total = time.perf_counter() - started
    if failures:
        print(tr("Auto-test : {n} étape(s) en échec : {steps}.", n=len(failures), steps=", ".join(failures)),
              file=stream)
        return 1
    print(tr("Auto-test réussi : {n} étapes en {seconds} s.", n=len(STEPS), seconds=_seconds(total)), file=stream)
    return 0


def _seconds(value: float) -> str:
    """Seconds the French way: 6,9."""
    return f"{value:.1f}".replace(".", ",")


def _isolate(folder: Path) -> None:
    """Every setting, key, log and Qt setting in the temporary folder; Qt off screen."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    for variable, sub in (("PORTFOLIO_CONFIG_DIR", "config"), ("PORTFOLIO_KEYS_DIR", "cles"),
                          ("PORTFOLIO_LOG_DIR", "journaux"), ("PORTFOLIO_DATA_DIR", "donnees"),
                          ("XDG_CONFIG_HOME", "xdg-config"), ("XDG_DATA_HOME", "xdg-data"),
                          ("XDG_CACHE_HOME", "xdg-cache"), ("XDG_STATE_HOME", "xdg-state")):
        os.environ[variable] = str(folder / sub)


def _close(context: _Context) -> None:
    if context.window is not None:
        context.window.close()
    elif context.workspace is not None:
        context.workspace.close()


# --- the steps -------------------------------------------------------------------------------------------


def _resources(_context: _Context) -> str:
    """The files shipped beside the code: translations, the regions map, the icon, the user guide."""
    from importlib import resources

    from portfolio.domain import i18n

    names = []
    for package, parts in (("portfolio.domain", ("locale", "en.json")), ("portfolio.ui", ("data", "regions.json")),
                           ("portfolio.ui", ("data", "portfolio.svg")), ("portfolio.ui", ("guide", "index.html"))):
        entry = resources.files(package).joinpath(*parts)
        if not entry.is_file() or not entry.read_bytes():
            raise FileNotFoundError(tr("ressource absente : {name}", name="/".join(parts)))
        names.append(parts[-1])
    i18n.set_language("en")
    try:
        if tr("Tableau de bord") != "Dashboard":
            raise RuntimeError(tr("les traductions ne sont pas chargées"))
    finally:
        i18n.set_language("fr")
    return ", ".join(names)


def _demo(context: _Context) -> str:
    from portfolio.services.demo import write_demo
    from portfolio.services.portfolio import open_portfolio

    with open_portfolio(context.demo) as db:
        count = write_demo(db)
    return tr("{n} fiches", n=format_int(count))


def _screens(context: _Context) -> str:
    """The window and every page, then every dialog, painted off screen."""
    from PySide6.QtCore import QCoreApplication, qInstallMessageHandler

    from portfolio.services.portfolio import open_portfolio

    from .application import make_application
    from .main_window import NAVIGATION, MainWindow
    from .workspace import Workspace

    context.app = make_application()  # (Qt's settings in PORTFOLIO_CONFIG_DIR: see _isolate)
    qInstallMessageHandler(_quiet_offscreen)
    context.workspace = Workspace(open_portfolio(context.demo))
    context.window = window = MainWindow(context.workspace, "")
    window.resize(1366, 768)
    window.show()
    painted = 0
    for key, _label in NAVIGATION:
        window.show_page(key)
        def shown(key: str = key) -> bool:  # the dashboard's figures arrive from a background task
            return key != "dashboard" or getattr(window.pages["dashboard"], "kpis", None) is not None

        _settle(shown)
        _painted(window, tr("la page « {page} »", page=key))
        painted += 1
    for make in _dialogs(window):
        dialog = make()
        dialog.show()
        QCoreApplication.processEvents()
        _painted(dialog, type(dialog).__name__)
        dialog.close()
        painted += 1
    return tr("{n} écrans", n=painted)


def _quiet_offscreen(_mode: Any, _context: Any, message: str) -> None:
    """Qt's messages, but the off-screen platform's remark on every dialog (it has no window manager)."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _dialogs(window: Any) -> list[Callable[[], Any]]:
    from .agency_exchange import ConflictQueueDialog, ExportDialog
    from .editor import RecordEditor
    from .import_history import ImportHistoryDialog
    from .import_wizard import ImportWizard
    from .preferences import PreferencesDialog
    from .search_dialog import SearchDialog

    workspace = window.workspace
    first = window.pages["organisation"].model.id_at(0)
    return [lambda: RecordEditor(workspace, "organisation", first, window),
            lambda: RecordEditor(workspace, "project", window.pages["project"].model.id_at(0), window),
            lambda: ImportWizard(workspace, None, window), lambda: ImportHistoryDialog(workspace, window),
            lambda: ExportDialog(window), lambda: ConflictQueueDialog(window, []),
            lambda: PreferencesDialog(window), lambda: SearchDialog(workspace, window)]


def _settle(ready: Callable[[], bool], seconds: float = 60.0) -> None:
    """Lets Qt work (background reads included) until ``ready``."""
    from PySide6.QtCore import QCoreApplication

    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(tr("pas prêt après {n} s", n=int(seconds)))
        QCoreApplication.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        QCoreApplication.processEvents()


def _painted(widget: Any, what: str) -> None:
    image = widget.grab().toImage()
    if image.isNull() or image.width() < 50 or image.height() < 50:
        raise RuntimeError(tr("{what} n'a pas été dessiné", what=what))


def _import(context: _Context) -> str:
    """A partner's small workbook, read in the separate reading process, planned, written, then undone."""
    from portfolio.exchange.cells import new_workbook
    from portfolio.exchange.imports import import_history, run_import, undo_import

    path = context.folder / "partenaire.xlsx"
    book, sheet = new_workbook()
    sheet.append(["Raison sociale", "SIRET", "Ville", "Région"])
    sheet.append(["Structure de l'auto-test A", "73282932000074", "Rennes", "53"])
    sheet.append(["Structure de l'auto-test B", None, "Nantes", "52"])
    book.save(path)
    db = context.workspace.db
    plan, result = run_import(db, path)
    created = plan.created_counts().get("organisation", 0)
    if result is None or created != 2 or plan.rejected:
        raise RuntimeError(tr("import inattendu : {created} créées, {rejected} rejetées", created=created,
                              rejected=len(plan.rejected)))
    undo_import(db, import_history(db)[0].batch)
    return tr("2 structures importées, puis l'import annulé")


def _agency(context: _Context) -> str:
    """An agency's working workbook exported, then taken back unchanged: nothing to take, no conflict."""
    from portfolio.exchange.sync import plan_sync
    from portfolio.exchange.working_workbook import Selection, export_working_workbook

    path = context.folder / "agence.xlsx"
    db = context.workspace.db
    result = export_working_workbook(db, Selection(region="53", recipient="auto-test"), path)
    plan = plan_sync(db, path)
    if plan.taken or plan.conflicts or plan.missing:
        raise RuntimeError(tr("la reprise du classeur inchangé trouve des différences"))
    return tr("{n} lignes envoyées et reprises sans différence", n=sum(result.rows.values()))


def _report(context: _Context) -> str:
    from portfolio.services.kpi import Facts, Filters

    from .report import write_report

    path = context.folder / "rapport.pdf"
    with context.workspace.db.read() as session:
        facts = Facts(session)
    write_report(facts, Filters(), path, scope=tr("Tout le portefeuille"))
    if path.read_bytes()[:5] != b"%PDF-":
        raise RuntimeError(tr("le rapport n'est pas un PDF"))
    return tr("{n} Ko", n=path.stat().st_size // 1024)


def _snapshot(context: _Context) -> str:
    from portfolio.services.app_paths import keys_folder
    from portfolio.services.checkpoints import officer_key, public_text
    from portfolio.services.signing_keys import key_paths
    from portfolio.services.snapshot import verify_snapshot, write_snapshot

    folder = keys_folder()
    key = officer_key()  # (made at the demo's first seal)
    if key is None:
        raise RuntimeError(tr("la clé de signature n'a pas pu être créée dans « {folder} »", folder=str(folder)))
    public = public_text(key)
    private, _public_path = key_paths(folder)
    path = context.folder / "instantane.sqlite"
    write_snapshot(context.demo, path, private_key=private)
    result = verify_snapshot(path, public)
    if not result.intact or not result.signer_checked:
        raise RuntimeError("; ".join(result.problems) or tr("la signature n'est pas celle de la clé créée"))
    return tr("signé et vérifié")


STEPS: list[tuple[str, Callable[[_Context], str]]] = [
    (N_("Ressources installées"), _resources),
    (N_("Portefeuille de démonstration"), _demo),
    (N_("Fenêtre, pages et dialogues"), _screens),
    (N_("Import d'un classeur"), _import),
    (N_("Classeur d'agence exporté et repris"), _agency),
    (N_("Rapport PDF du comité"), _report),
    (N_("Instantané signé et vérifié"), _snapshot),
]
