"""`portfolio replica`: an officer's laptop replica (issue #22): make it, sync it, or exchange change files."""

from __future__ import annotations

import argparse
from typing import Any

from portfolio.cli.common import _db_path, _print_json
from portfolio.domain.i18n import tr


def cmd_replica(args: argparse.Namespace) -> int:
    from portfolio.exchange import replicas
    from portfolio.services.portfolio import open_portfolio

    if args.action == "create":
        made = replicas.create_replica(args.origin, args.target, name=args.name or "", officer=args.officer,
                                       region=args.region)
        if args.json:
            _print_json(made)
        else:
            print(tr("Réplique « {name} » faite dans {path} : {n} fiche(s), à partir de l'entrée n° {seq} du journal "
                     "de la base d'origine. Ouvrez-la pour travailler hors ligne ; « portfolio replica sync --db "
                     "{path} » au retour.", name=made["name"], path=made["path"], n=made["records"],
                     seq=made["origin_seq"]))
        return 0
    location = _db_path(args)
    if args.action == "status":
        with open_portfolio(location, must_exist=True, readonly=True) as db:
            state = replicas.status(db)
        if args.json:
            _print_json(state)
            return 0
        origin = state["origin"]
        if origin:
            print(tr("Réplique de {location} ; dernière synchronisation : {when} ; {n} modification(s) à envoyer.",
                     location=origin["location"], when=origin["synced_utc"] or tr("jamais"), n=state["waiting"]))
        for replica in state["replicas"]:
            print(tr("Réplique « {name} » : dernière synchronisation {when}, {n} conflit(s) en attente.",
                     name=replica["name"], when=replica["synced_utc"] or tr("jamais"), n=replica["conflicts"]))
        if not origin and not state["replicas"]:
            print(tr("Cette base n'est la réplique d'aucune autre et n'a pas de réplique."))
        return 0
    with open_portfolio(location, must_exist=True) as db:
        if args.action == "sync":
            result = replicas.sync(db, args.origin, dry_run=args.dry_run)
            _said(result, args.json, tr("Synchronisation (essai : rien n'a été écrit)") if args.dry_run
                  else tr("Synchronisation faite"))
        elif args.action == "export-changes":
            written = replicas.export_changes(db, args.output)
            if args.json:
                _print_json(written)
            else:
                print(tr("{n} entrée(s) du journal écrites dans {path} ({size} octets), signées avec votre clé. "
                         "Importez-le sur la base d'origine, puis importez ici sa réponse.", n=written["entries"],
                         path=written["path"], size=written["bytes"]))
        else:
            taken = replicas.import_changes(db, args.input, args.reply)
            if args.json:
                _print_json(taken)
            elif taken["kind"] == "changes":
                _said({"sent": taken["taken"], "conflicts": taken["conflicts"]}, False, tr("Modifications prises"))
                print(tr("Réponse écrite dans {path} : à importer sur la réplique.", path=taken["reply"]))
            else:
                _said({"received": taken["received"], "conflicts": taken["conflicts"]}, False,
                      tr("Réponse prise"))
    return 0


def _said(result: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        _print_json(result)
        return
    print(title + " :")
    sent = result.get("sent")
    if sent:
        print(tr("  envoyées et prises par la base d'origine : {c} création(s), {u} modification(s), {d} "
                 "suppression(s) ; {k} conflit(s) mis en attente là-bas", c=sent["created"], u=sent["updated"],
                 d=sent["deleted"], k=sent["conflicts"]))
    received = result.get("received")
    if received:
        print(tr("  reçues : {c} création(s), {u} fiche(s) modifiée(s), {d} suppression(s)", c=received["created"],
                 u=received["updated"], d=received["deleted"]))
        if received["held"]:
            print(tr("  {n} fiche(s) gardée(s) telles qu'ici (modifiées ici depuis) : redemandées à la prochaine "
                     "synchronisation", n=received["held"]))
    for conflict in result.get("conflicts", []):
        print(tr("  conflit : {entity} {uuid}, « {field} » ({why}) — à régler dans la base d'origine (portfolio "
                 "conflicts)", entity=conflict["entity"], uuid=conflict["uuid"], field=conflict["field"],
                 why=conflict["why"]))
