"""The command line, over the same services as the window.

Every command takes ``--db PATH`` (else PORTFOLIO_DB, else the user data directory). With ``--json``,
stdout holds one JSON object and nothing else. An error is one clear line on stderr and exit code 1,
never a traceback (the traceback of an unexpected error goes to a log file, whose path the line gives).

This package holds `main`, the table of commands and the last line of defence against errors; the grammar is in
`parser`, what the commands share in `common`, and each group of commands in its own module (`demo`, `reports`,
`snapshots`, `integrity`, `server`, `backups`, `exchange`, `imports`, `gdpr`, `desk`). Those modules import `common`
(and `parser` imports it too), never this package nor each other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from portfolio.cli.backups import cmd_backup, cmd_backups, cmd_restore
from portfolio.cli.common import UsageError, _db_path
from portfolio.cli.demo import cmd_demo
from portfolio.cli.desk import cmd_attach, cmd_dossier, cmd_note, cmd_officer, cmd_remind, cmd_suivi
from portfolio.cli.exchange import cmd_conflicts, cmd_export, cmd_sync
from portfolio.cli.gdpr import cmd_gdpr
from portfolio.cli.imports import cmd_import
from portfolio.cli.integrity import cmd_check
from portfolio.cli.parser import build_parser
from portfolio.cli.replicas import cmd_replica
from portfolio.cli.reports import cmd_kpi, cmd_stats
from portfolio.cli.server import cmd_server
from portfolio.cli.snapshots import cmd_diff, cmd_keys, cmd_snapshot, cmd_verify
from portfolio.db.protected import owner_only_by_default
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services.error_log import log_unexpected

# The services import SQLAlchemy: each command imports what it uses, inside its function, so that `portfolio` (the
# window) paints its first page before SQLAlchemy is loaded.

__all__ = ["COMMANDS", "GuiRunner", "UsageError", "build_parser", "main"]

GuiRunner = Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": cmd_demo, "stats": cmd_stats, "kpi": cmd_kpi,
                                                          "snapshot": cmd_snapshot, "verify": cmd_verify,
                                                          "diff": cmd_diff,
                                                          "keys": cmd_keys, "check": cmd_check, "server": cmd_server,
                                                          "backups": cmd_backups, "backup": cmd_backup,
                                                          "restore": cmd_restore, "gdpr": cmd_gdpr,
                                                          "export": cmd_export, "sync": cmd_sync,
                                                          "conflicts": cmd_conflicts,
                                                          "import": cmd_import, "dossier": cmd_dossier,
                                                          "suivi": cmd_suivi, "note": cmd_note,
                                                          "attach": cmd_attach, "remind": cmd_remind,
                                                          "officer": cmd_officer, "replica": cmd_replica}


def _refused_by_server(exc: BaseException) -> str | None:
    """The message for what a team's server refused to this role (its rights, or the trail's triggers), in words
    that say what to do, rather than "erreur inattendue"."""
    seen = 0
    cause: BaseException | None = exc  # the error, then what caused it
    while cause is not None and seen < 5:
        name = type(getattr(cause, "orig", None) or cause).__name__
        detail = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0] if str(cause).strip() else name
        if name == "InsufficientPrivilege":
            return tr("le serveur refuse cette opération à votre rôle ({detail}) : demandez au propriétaire de la "
                      "base les droits qu'il faut (« portfolio server grant », docs/team-mode.md).", detail=detail)
        if name == "RaiseException" and "audit_entry" in detail:
            return tr("le serveur refuse d'écrire ce journal d'audit ({detail}).", detail=detail)
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return None


def _one_line(exc: BaseException) -> str:
    """An error as one line (SQLAlchemy's messages carry a second line with a web address)."""
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


def main(argv: Sequence[str] | None = None, gui: GuiRunner | None = None, report: GuiRunner | None = None,
         snapshot: GuiRunner | None = None, self_test: GuiRunner | None = None) -> int:
    """Runs one command; returns the exit code (0 success, 1 any error). ``gui`` and ``report`` run the commands
    that need Qt (the window, the PDF report): the launcher gives them, the core never imports Qt."""
    owner_only_by_default()  # contacts' names and e-mails: no file this process creates is readable by others
    try:
        args = build_parser(with_gui=None not in (gui, report, snapshot, self_test)).parse_args(argv)
        if getattr(args, "self_test", False):
            assert self_test is not None
            return self_test(args)
        command = args.command or ("gui" if gui else None)
        if command is None:
            raise UsageError(tr("précisez une commande (voir « portfolio --help »)"))
        if command == "open":
            assert snapshot is not None
            return snapshot(args)
        if command == "report":
            assert report is not None
            args.db_path = _db_path(args)
            return report(args)
        if command == "gui":
            assert gui is not None
            for option in ("screenshot", "read_only"):  # `portfolio` without a command: the defaults
                if not hasattr(args, option):
                    setattr(args, option, None)
            return gui(args)
        return COMMANDS[command](args)
    except PortfolioError as exc:
        print(f"portfolio : {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(tr("portfolio : interrompu."), file=sys.stderr)
        return 1
    except BrokenPipeError:  # the output's reader stopped reading (`| head`): nothing to say, nothing more to flush
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(tr("portfolio : {file} : {error}", file=exc.filename or "", error=exc.strerror or exc), file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: one line, the details in a log file
        refused = _refused_by_server(exc)
        if refused:
            print(f"portfolio : {refused}", file=sys.stderr)
            return 1
        log = log_unexpected(exc, "portfolio " + " ".join(sys.argv[1:2]))
        where = tr(" (détails dans {log})", log=log) if log else ""
        print(tr("portfolio : erreur inattendue : {error}{where}", error=_one_line(exc), where=where), file=sys.stderr)
        return 1
