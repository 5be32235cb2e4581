"""What the commands share: the database a command works on, its usage error, JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from portfolio.db.locations import is_other_address, is_url, without_password
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import app_paths
from portfolio.services.portfolio import shared_location


class UsageError(PortfolioError):
    """The command line's words are off."""


def _db_path(args: argparse.Namespace) -> Any:
    """The database the command works on: a file's path, or a PostgreSQL URL (team mode)."""
    if is_other_address(args.db):  # never taken for a file (it may hold a password: never shown either)
        raise UsageError(tr("« {address} » n'est ni un fichier ni l'adresse d'une base PostgreSQL "
                            "(postgresql://utilisateur@serveur/base) : rien n'a été ouvert.",
                            address=without_password(str(args.db))))
    shared = shared_location(args.db)  # team mode: --db-url, PORTFOLIO_DB or the preferences
    if shared:
        return shared
    return Path(args.db).expanduser() if args.db else app_paths.default_database()


def _file_only(args: argparse.Namespace, command: str) -> Path:
    """The database file of a command about files (backups, restore); refused for a shared server."""
    path = _db_path(args)
    if is_url(path):
        raise UsageError(tr("« portfolio {command} » concerne le fichier d'une base : une base sur un serveur "
                            "PostgreSQL est sauvegardée et restaurée par le serveur (pg_dump, sauvegardes de "
                            "l'équipe qui le gère).", command=command))
    return Path(path)


def _print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
