"""The frozen application's entry point (PyInstaller needs a script): the `portfolio` command itself.

Windows' Start-menu executable has no console: Python then has no stdout/stderr, and a warning printed would
raise. They go to a log file in the user's folder instead."""

import sys


def _without_console() -> None:
    if sys.stdout is not None and sys.stderr is not None:
        return
    from portfolio.services.app_paths import window_log_file

    path = window_log_file()  # (PORTFOLIO_LOG_DIR, else the user's log folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the run)
    sys.stdout = sys.stdout or log
    sys.stderr = sys.stderr or log


if __name__ == "__main__":
    _without_console()
    from portfolio.launcher import main

    sys.exit(main())
