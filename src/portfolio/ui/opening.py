"""Opening databases off the UI thread (migrations and the demo can take a while)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from portfolio.db.store import Store
from portfolio.domain.i18n import tr
from portfolio.services.app_paths import demo_database
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio
from portfolio.services.stats import has_no_organisations

from .tasks import run_task
from .workspace import Workspace

if TYPE_CHECKING:
    from .main_window import MainWindow


def open_in_background(window: MainWindow, path: Path, read_only: bool = False) -> None:
    from .messages import report

    def work(_progress, _cancelled) -> Store:
        return open_portfolio(path, readonly=read_only)

    def failed(exc: BaseException) -> None:
        from portfolio.db.database import DamagedDatabaseError

        from .recovery import offer_recovery

        if isinstance(exc, DamagedDatabaseError) and not read_only:
            if offer_recovery(window, exc):  # restored: the damaged file is aside, the copy in its place
                open_in_background(window, path, read_only)
        else:
            report(window, exc)

    run_task(window, tr("Ouverture de {name}", name=path.name), work,
             lambda db: window.replace_workspace(Workspace(db, read_only)), failed, cancellable=False)


def open_demo_portfolio(window: MainWindow) -> None:
    """Opens the demo portfolio, writing it first (in the background, with progress) if it is not there."""
    from .messages import report

    path = demo_database()

    def work(progress, cancelled) -> Store:
        db = open_portfolio(path)
        try:
            with db.read() as session:
                empty = has_no_organisations(session)
            if empty:
                write_demo(db, progress=progress, cancelled=cancelled)
        except BaseException:
            db.close()
            raise
        return db

    run_task(window, tr("Portefeuille de démonstration"), work,
             lambda db: window.replace_workspace(Workspace(db)), lambda exc: report(window, exc))
