"""The error log: an unexpected error's traceback, written for whoever investigates, never shown to the user.

The command line and the window write the same file (``erreurs.log`` in the user's log folder, readable by its
owner only), so a failure in a slot of the installed application is not lost."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from portfolio import __version__

from .portfolio import APP_DIR_NAME

LOG_ENV = "PORTFOLIO_LOG_DIR"  # where the log goes instead of the user's log folder (tests, a shared machine)


def log_folder() -> Path:
    """The folder of the error log."""
    return Path(os.environ.get(LOG_ENV) or platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False))


def log_unexpected(exc: BaseException, where: str = "portfolio") -> Path | None:
    """Appends the error's traceback to the log, headed by the time, the version and ``where`` it happened;
    the log's path, or None when it cannot be written (a full or read-only disk: the message still shows)."""
    try:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "erreurs.log"
        with open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} {where} {__version__}\n")
            handle.write("".join(traceback.format_exception(exc)))
        return log
    except OSError:
        return None
