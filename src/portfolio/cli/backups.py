"""`portfolio backups`, `backup` and `restore`: a database file's automatic backups (a server keeps its own)."""

from __future__ import annotations

import argparse

from portfolio.cli.common import UsageError, _file_only, _print_json
from portfolio.domain.dates import format_datetime
from portfolio.domain.i18n import tr
from portfolio.services.portfolio import open_portfolio


def cmd_backups(args: argparse.Namespace) -> int:
    from portfolio.services.backups import backups_kept, list_backups, set_backups_kept

    path = _file_only(args, "backups")  # (refused for a server before any setting changes)
    if args.keep is not None:
        if not 1 <= args.keep <= 100:
            raise UsageError(tr("--keep : un nombre de 1 à 100 est attendu"))
        set_backups_kept(args.keep)
    found = list_backups(path)
    if args.json:
        _print_json({"kept": backups_kept(), "backups": [backup.as_json() for backup in found]})
        return 0
    for backup in found:
        print(f"{format_datetime(backup.taken_at)}  {backup.reason_label():32}  {backup.path}")
    if not found:
        print(tr("Aucune sauvegarde automatique de « {file} ».", file=path))
    print(tr("{n} sauvegarde(s) gardée(s) par base (réglage : portfolio backups --keep N).", n=backups_kept()))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from portfolio.services.backups import take_backup

    path = _file_only(args, "backup")
    with open_portfolio(path, readonly=True, must_exist=True):
        pass  # checked first: a damaged file is not copied over a sound backup's place in the rotation
    print(tr("Sauvegarde écrite : {file}", file=take_backup(path, "manuelle").path))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from portfolio.services.backups import list_backups, restore_backup

    path = _file_only(args, "restore")
    chosen = args.backup.expanduser() if args.backup else None
    if chosen is None:
        found = list_backups(path)
        if not found:
            raise UsageError(tr("aucune sauvegarde de « {file} » : rien à restaurer", file=str(path)))
        chosen = found[0].path
    if not chosen.is_file():
        raise UsageError(tr("« {file} » n'existe pas", file=str(chosen)))
    from portfolio.db.database import Database

    Database.check_header(chosen)  # a portfolio (of any version up to this one); restore_backup checks the rest
    aside = restore_backup(path, chosen, "remplacee")
    print(tr("« {backup} » restaurée à la place de « {file} ».", backup=chosen.name, file=str(path)))
    if aside:
        print(tr("La base remplacée est gardée sous « {file} ».", file=str(aside)))
    return 0
