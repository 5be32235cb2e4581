"""Workbooks out and back: `portfolio export` (an agency's working workbook, or an open-data layout), `sync` and
`conflicts`."""

from __future__ import annotations

import argparse
from typing import Any

from portfolio.cli.common import UsageError, _db_path, _print_json
from portfolio.domain.i18n import tr
from portfolio.services.portfolio import open_portfolio


def cmd_export(args: argparse.Namespace) -> int:
    from portfolio.exchange.working_workbook import (
        DEFAULT_ENTITIES,
        EXCHANGED_ENTITIES,
        Selection,
        export_working_workbook,
    )

    if args.format in ("scdl", "france2030", "360giving"):
        from portfolio.exchange.france2030 import write_france2030
        from portfolio.exchange.giving360 import write_360giving
        from portfolio.exchange.scdl import write_scdl

        if args.region or args.entities or args.personal or args.view:
            raise UsageError(tr("--format {format} écrit tout le portefeuille, une ligne par bénéficiaire : --region, "
                                "--view, --entities et --personal ne s'y appliquent pas", format=args.format))
        if (args.incomplete and args.format == "france2030") or (
                (args.prefix or args.operator) and args.format != "360giving"):
            raise UsageError(tr("--incomplete vaut pour scdl et 360giving, --prefix et --operator pour 360giving"))
        options: dict[str, Any] = {"incomplete": args.incomplete} if args.format != "france2030" else {}
        if args.prefix:
            options["prefix"] = args.prefix.rstrip("-")
        if args.operator:
            options["operator"] = args.operator
        writer = {"scdl": write_scdl, "france2030": write_france2030, "360giving": write_360giving}[args.format]
        with open_portfolio(_db_path(args), readonly=True, must_exist=True) as db:
            result = writer(db, args.output.expanduser(), **options)
        if args.json:
            _print_json(result.as_json(str(args.output)))
        else:
            print(tr("{layout} écrit dans {file} : {n} ligne(s).", file=args.output, n=result.rows,
                     layout={"scdl": tr("Fichier SCDL subventions 2.1.1"), "360giving": tr("Classeur 360Giving"),
                             "france2030": tr("Liste des bénéficiaires France 2030")}[args.format]))
            for line in result.summary():
                print(line)
        return 0

    entities = tuple(e.strip() for e in args.entities.split(",") if e.strip()) if args.entities else DEFAULT_ENTITIES
    unknown = [e for e in entities if e not in EXCHANGED_ENTITIES]
    if unknown:
        raise UsageError(tr("--entities : type(s) inconnu(s) {names} ; possibles : {known}", names=", ".join(unknown),
                            known=",".join(EXCHANGED_ENTITIES)))
    selection = Selection(entities, args.region, args.personal, args.recipient, args.view, args.documents)
    with open_portfolio(_db_path(args), must_exist=True) as db:
        exported = export_working_workbook(db, selection, args.output.expanduser())
    if args.json:
        _print_json({"export_id": exported.export_id, "file": str(exported.path), "rows": exported.rows,
                     "documents": [str(path) for path in exported.documents]})
        return 0
    counts = ", ".join(f"{n} {entity}" for entity, n in exported.rows.items())
    print(tr("Classeur écrit dans {file} ({counts}) ; export n° {id}.", file=exported.path, counts=counts,
             id=exported.export_id))
    if exported.documents:
        print(tr("{n} document(s) écrit(s) dans {folder}.", n=len(exported.documents),
                 folder=exported.documents[0].parent))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from portfolio.exchange.reading import check_xml_defences
    from portfolio.exchange.sync import apply_sync, plan_sync, summary

    check_xml_defences()
    with open_portfolio(_db_path(args), must_exist=True) as db:
        plan = plan_sync(db, args.file.expanduser(), take=args.take)
        result = None if args.dry_run else apply_sync(db, plan)  # (a copy of the file first, as the window's)
        report = summary(plan, result, db)
    if args.json:
        _print_json(report)
        return 0
    verb = tr("à prendre") if args.dry_run else tr("pris")
    print(tr("Export {id} ({recipient}) : {taken} champ(s) {verb} de l'agence, {kept} gardé(s) d'ici, {same} "
             "identique(s) des deux côtés, {conflicts} conflit(s) à régler, {new} ligne(s) nouvelle(s) dont {created} "
             "structure(s) {created_verb}, {missing} fiche(s) absente(s) du classeur (non supprimées).",
             id=plan.export_id, recipient=plan.recipient or "?", taken=len(plan.taken), verb=verb, kept=plan.kept,
             same=plan.same, conflicts=len(plan.conflicts), new=len(plan.new_rows), created=len(plan.created),
             created_verb=tr("à créer") if args.dry_run else tr("créée(s)"), missing=len(plan.missing)))
    for conflict in report["conflicts"][:50]:
        print(tr("  conflit : {entity} n° {id}, {field} : envoyé « {base} », ici « {mine} », agence « {theirs} »",
                 **{k: conflict[k] for k in ("entity", "id", "field", "base", "mine", "theirs")}))
    for flag in plan.flags[:50]:
        print("  " + flag)
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    from portfolio.exchange.conflicts import KEEP_MINE, TAKE_THEIRS, TYPED, Decision, pending, settle

    if bool(args.settle) != bool(args.take or args.value is not None):
        raise UsageError(tr("--settle ID… va avec --take theirs|mine ou --value VALEUR"))
    with open_portfolio(_db_path(args), must_exist=True) as db:
        waiting = pending(db)
        batch = None
        if args.settle:
            args.settle = list(dict.fromkeys(args.settle))  # a number given twice is one conflict
            by_id = {c.id: c for c in waiting}
            unknown = [str(i) for i in args.settle if i not in by_id]
            if unknown:
                raise UsageError(tr("conflit(s) inconnu(s) ou déjà réglé(s) : {ids}", ids=", ".join(unknown)))
            choice = TYPED if args.value is not None else {"theirs": TAKE_THEIRS, "mine": KEEP_MINE}[args.take]
            result = settle(db, [Decision(by_id[i], choice, args.value) for i in args.settle])
            batch = result.batch if result is not None and result.audit_entries else None
            waiting = pending(db)
    if args.json:
        _print_json({"conflicts": [c.as_json() for c in waiting], "batch_id": batch})
        return 0
    if args.settle:
        print(tr("{n} conflit(s) réglé(s).", n=len(args.settle)))
    print(tr("{n} conflit(s) en attente.", n=len(waiting)))
    for conflict in waiting[:200]:
        shown = conflict.as_json()
        print(tr("  n° {id} — {file} ({recipient}) : {entity} {uuid}, {field} : envoyé « {base} », ici « {mine} », "
                 "agence « {theirs} »", **{k: shown[k] for k in ("id", "file", "recipient", "entity", "uuid", "field",
                                                                 "base", "mine", "theirs")}))
    return 0
