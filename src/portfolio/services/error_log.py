"""The error log: an unexpected error's traceback, written for whoever investigates, never shown to the user.

The command line and the window write the same file (``app_paths.error_log_file()``: ``erreurs.log`` in the user's
log folder or PORTFOLIO_LOG_DIR, readable by its owner only), so a failure in a slot of the installed application is
not lost."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path

from portfolio import __version__

from .app_paths import error_log_file


def log_unexpected(exc: BaseException, where: str = "portfolio") -> Path | None:
    """Appends the error's traceback to the log, headed by the time, the version and ``where`` it happened;
    the log's path, or None when it cannot be written (a full or read-only disk: the message still shows)."""
    try:
        log = error_log_file()
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} {where} {__version__}\n")
            handle.write("".join(traceback.format_exception(exc)))
        return log
    except OSError:
        return None
