"""`portfolio gdpr`: a person's personal data, exported to a workbook or erased."""

from __future__ import annotations

import argparse

from portfolio.cli.common import UsageError, _db_path
from portfolio.db.locations import is_url
from portfolio.domain.i18n import tr
from portfolio.services.portfolio import open_portfolio


def cmd_gdpr(args: argparse.Namespace) -> int:
    from portfolio.db.seal import backups_dir
    from portfolio.services.backups import copies_holding
    from portfolio.services.gdpr import erase_person, find_person

    path = _db_path(args)
    if args.action == "export" and args.output is None:
        raise UsageError(tr("export : précisez le classeur à écrire avec --output"))
    with open_portfolio(path, must_exist=True) as db:  # (an older file is brought to this version first)
        with db.read() as session:
            person = find_person(session, email=args.email, contact_id=args.contact)
        names = person.names()
        if args.action == "export":
            from portfolio.exchange.gdpr_workbook import write_person_workbook

            write_person_workbook(person, args.output.expanduser())
            print(tr("{n} fiche(s) et {m} entrée(s) du journal écrites dans {file} : {names}.",
                     n=len(person.contacts), m=len(person.entries), file=args.output, names=names))
            return 0
        if not args.yes:
            print(tr("À effacer : {names} ({n} fiche(s), {m} entrée(s) du journal). Relancez avec --yes pour "
                     "effacer ; c'est définitif.", names=names, n=len(person.contacts), m=len(person.entries)))
            if person.documents:
                print(tr("Les documents joints qui les concernent sont supprimés aussi ({n}) : {names}.",
                         n=len(person.documents), names=", ".join(person.documents)))
            return 1
        result = erase_person(db, person)
    print(tr("Effacé : {n} fiche(s) et les valeurs de {m} entrée(s) du journal ; la chaîne d'audit reste "
             "vérifiable.", n=result.contacts, m=result.entries))
    if result.documents:
        print(tr("{n} document(s) les concernant supprimé(s).", n=result.documents))
    if is_url(path):  # team mode: the server's own backups hold the erased values until they expire
        print(tr("Les sauvegardes du serveur prises avant l'effacement contiennent encore ces données : signalez "
                 "l'effacement à l'équipe qui les garde."))
        return 0
    if not result.folded:
        print(tr("Attention : une autre fenêtre ou un autre programme lit la base : les anciennes valeurs restent "
                 "dans le fichier de la base lui-même (« {file} », ses pages ne sont réécrites qu'une fois son journal "
                 "d'écriture « {file}-wal » replié), jusqu'à ce que ce lecteur la ferme et que l'application la "
                 "rouvre puis la referme.", file=path.name))
    copies = copies_holding(path)
    if copies:
        print(tr("Attention : {n} copie(s) de la base prise(s) avant l'effacement contiennent encore ces données "
                 "(sauvegardes dans « {folder} », fichiers mis de côté) : les sauvegardes automatiques disparaissent "
                 "avec la rotation, supprimez les autres si elles ne servent plus. Une sauvegarde restaurée est "
                 "effacée de nouveau.", n=len(copies), folder=str(backups_dir(path))))
    return 0
