"""`portfolio import`: a workbook or CSV file imported in one transaction, an import undone, the imports listed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from portfolio.cli.common import UsageError, _db_path, _print_json
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int
from portfolio.services.portfolio import open_portfolio


def cmd_import(args: argparse.Namespace) -> int:
    reading = None
    if args.file and not (args.undo or args.history):
        # the file's read starts first, in its child process: the database layer is imported and the portfolio
        # opened meanwhile (a third of a second, as long as the child takes to start)
        from portfolio.exchange.reading import PendingRead, check_xml_defences  # no SQLAlchemy behind them

        check_xml_defences()
        reading = PendingRead(Path(args.file).expanduser(), args.sheet)
    try:
        return _import(args, reading)
    finally:
        if reading is not None:
            reading.close()  # a read nobody collected (the portfolio could not be opened): its child is stopped


def _import(args: argparse.Namespace, reading: Any) -> int:
    from portfolio.exchange import imports  # the readers and the planner: loaded by this command only
    from portfolio.exchange.plan import apply_plan

    with open_portfolio(_db_path(args), must_exist=bool(args.undo or args.history or args.dry_run)) as db:
        if args.history:
            history = imports.import_history(db)
            if args.json:
                _print_json({"imports": [p.as_json() for p in history]})
            for past in [] if args.json else history:
                state = tr(" (annulé)") if past.undone else ""
                print(f"{past.batch}  {past.at_utc[:19]}  {past.actor}  {past.source}{state}")
            return 0
        if args.undo:
            undone = imports.undo_import(db, args.undo)
            if args.json:
                _print_json({"undone": args.undo, "batch_id": undone.batch, "audit_entries": undone.audit_entries})
            else:
                print(tr("Import {batch} annulé ({n} modifications, lot {undo}).", batch=args.undo,
                         n=format_int(undone.audit_entries), undo=undone.batch))
            return 0
        if not args.file:
            raise UsageError(tr("précisez le fichier à importer (ou --undo BATCH_ID, ou --history)"))
        path = Path(args.file).expanduser()
        plan, _ = imports.run_import(db, path, sheet=args.sheet, profile=args.profile, map_file=args.map,
                                     dry_run=True, reading=reading)
        if args.rejected is not None and plan.rejected:  # before writing: a failure here leaves the base as it was
            imports.write_rejected(plan, args.rejected)
        # no undo step to keep here: `portfolio import --undo` rebuilds it from the audit trail
        result = None if args.dry_run else apply_plan(db, plan, keep_inverse=False)
    batch = result.batch if result is not None else None
    if args.json:
        from portfolio.exchange.plan import summary

        _print_json(summary(plan, batch))
        return 0
    _print_plan(plan, batch, args.dry_run)
    return 0


def _print_plan(plan: Any, batch: str | None, dry_run: bool) -> None:
    print(tr("{file} — feuille « {sheet} », {rows} lignes lues, profil {profile}", file=plan.file_name,
             sheet=plan.sheet, rows=format_int(plan.rows_read), profile=plan.profile or tr("(colonnes reconnues)")))
    created = ", ".join(f"{entity} {format_int(n)}" for entity, n in plan.created_counts().items()) or "—"
    updated = ", ".join(f"{entity} {format_int(n)}" for entity, n in plan.updated_counts().items()) or "—"
    print(tr("  créés : {created}", created=created))
    print(tr("  modifiés : {updated}", updated=updated))
    print(tr("  lignes inchangées : {n}", n=format_int(plan.unchanged)))
    print(tr("  lignes rejetées : {n}", n=format_int(len(plan.rejected))))
    by_reason: dict[tuple[str | None, str], list[int]] = {}
    for rejection in plan.rejected:  # one line per reason, with its rows: a file often has one mistake many times
        by_reason.setdefault((rejection.column, rejection.reason), []).append(rejection.row)
    for (column, reason), rows in list(by_reason.items())[:30]:
        shown = ", ".join(str(r) for r in rows[:8]) + (tr(" et {n} autres", n=len(rows) - 8) if len(rows) > 8 else "")
        where = f"{column}, " if column else ""
        print(f"    {where}{tr('lignes') if len(rows) > 1 else tr('ligne')} {shown} — {reason}")
    if len(by_reason) > 30:
        print(tr("    … et {n} autres motifs (--rejected FICHIER.xlsx pour la liste complète)", n=len(by_reason) - 30))
    for flag in plan.flagged[:20]:
        print(f"  ! {tr('ligne')} {flag.row}, {flag.column} — {flag.reason}")
    if dry_run:
        print(tr("Simulation (--dry-run) : rien n'a été écrit."))
    elif batch:
        print(tr("Écrit en une transaction, lot {batch} (annulable : portfolio import --undo {batch}).", batch=batch))
    else:
        print(tr("Rien à écrire : la base contient déjà ces données."))
