"""The `portfolio` command: the command line, with the window as its default command.

This module is the only one that knows both the command line and the UI, so that neither imports the
other and the core never imports Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from portfolio import cli


def run_gui(args: argparse.Namespace) -> int:
    """Opens the main window (Qt is imported only here, when a window is wanted)."""
    from portfolio.ui.app import run

    return run(db=args.db, screenshot=args.screenshot, read_only=bool(args.read_only))


def run_open(args: argparse.Namespace) -> int:
    """`portfolio open SNAPSHOT`: the window on an auditor's snapshot, read-only, its banner saying what
    verifying it found."""
    from portfolio.services.snapshot import describe, unsafe_to_open, verify_snapshot
    from portfolio.ui.app import run

    refused = unsafe_to_open(args.snapshot)
    if refused:
        print(f"portfolio : {refused[0]}", file=sys.stderr)
        return 1
    result = verify_snapshot(args.snapshot)
    if not result.manifest:
        print(f"portfolio : {result.problems[0] if result.problems else args.snapshot}", file=sys.stderr)
        return 1
    return run(db=str(args.snapshot), screenshot=args.screenshot, read_only=True, reason=describe(result))


def run_report(args: argparse.Namespace) -> int:
    """Writes the steering committee's PDF report (drawn by Qt, off screen)."""
    from portfolio.ui.report import run_report as write

    return write(args)


def run_self_test(_args: argparse.Namespace) -> int:
    """`portfolio --self-test`: the installed application checked end to end, off screen, in a temporary folder."""
    from portfolio.ui.self_test import run_self_test as run

    return run()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `portfolio` console script."""
    if getattr(sys, "frozen", False):  # an installed, frozen build: the reading child process starts here
        import multiprocessing

        multiprocessing.freeze_support()
    return cli.main(argv, gui=run_gui, report=run_report, snapshot=run_open, self_test=run_self_test)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
