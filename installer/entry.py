"""The frozen application's entry point (PyInstaller needs a script): the `portfolio` command itself.

Windows' Start-menu executable has no console: Python then has no stdout/stderr, and a warning printed would
raise. They go to a log file in the user's folder instead."""

import sys


def _without_console() -> None:
    if sys.stdout is not None and sys.stderr is not None:
        return
    from pathlib import Path

    import platformdirs

    folder = Path(platformdirs.user_log_dir("portefeuille-sasn", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "fenetre.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the run)
    sys.stdout = sys.stdout or log
    sys.stderr = sys.stderr or log


if __name__ == "__main__":
    _without_console()
    from portfolio.launcher import main

    sys.exit(main())
