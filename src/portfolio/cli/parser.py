"""The command line's grammar: every command, its arguments and their help texts, in the order `--help` lists them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from portfolio import APP_NAME, __version__
from portfolio.cli.common import UsageError
from portfolio.domain.i18n import tr


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit 1, like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(tr("{message} (voir « portfolio --help »)", message=message))


def _add_db(parser: argparse.ArgumentParser, top: bool) -> None:
    parser.add_argument("--db", metavar="PATH", default=None if top else argparse.SUPPRESS,
                        help="fichier de la base (défaut : PORTFOLIO_DB, sinon le dossier de données de l'utilisateur)")
    parser.add_argument("--db-url", dest="db", metavar="URL", default=None if top else argparse.SUPPRESS,
                        help="mode équipe : la base sur un serveur PostgreSQL partagé "
                             "(postgresql://utilisateur@serveur/base ; le mot de passe dans ~/.pgpass)")


def build_parser(with_gui: bool) -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = _Parser(prog="portfolio", description=f"{APP_NAME} : le portefeuille d'innovation en santé numérique.")
    parser.add_argument("--version", action="version", version=f"portfolio {__version__}")
    if with_gui:
        parser.add_argument("--self-test", action="store_true", help="vérifier l'application installée, hors ligne, "
                            "dans un dossier temporaire (démonstration, écrans, import, export, rapport, instantané) ; "
                            "code de sortie 0 si tout passe")
    _add_db(parser, top=True)
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = commands.add_parser("demo", help="écrire le portefeuille de démonstration (synthétique) dans une base vide")
    _add_db(demo, top=False)
    demo.add_argument("--seed", type=int, default=2030, help="graine : la même graine donne le même contenu")
    demo.add_argument("--scale", type=int, default=1, help="multiplie le volume (500 : 500 000 structures)")
    demo.add_argument("--json", action="store_true", help="résultat en JSON sur la sortie standard")

    stats = commands.add_parser("stats", help="effectifs et chiffres clés")
    _add_db(stats, top=False)
    stats.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")

    kpi = commands.add_parser("kpi", help="indicateurs du programme (candidatures, lauréats, montants engagés et "
                                          "décaissés, répartitions), sous des filtres")
    _add_db(kpi, top=False)
    kpi.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    _add_kpi_filters(kpi)

    snapshot = commands.add_parser("snapshot", help="écrire un instantané pour les auditeurs (un seul fichier, avec "
                                                    "son manifeste, signé avec --sign)")
    _add_db(snapshot, top=False)
    snapshot.add_argument("output", metavar="INSTANTANE.sqlite", type=Path, help="le fichier à écrire")
    snapshot.add_argument("--sign", action="store_true", help="signer le manifeste avec votre clé (portfolio keys "
                                                              "init)")
    snapshot.add_argument("--json", action="store_true", help="le manifeste en JSON sur la sortie standard")
    verify = commands.add_parser("verify", help="vérifier un instantané : intact, et signé par cette clé (code 1 "
                                                "sinon)")
    verify.add_argument("snapshot", metavar="INSTANTANE.sqlite", type=Path, help="l'instantané à vérifier")
    # text, not a Path: a key's base64 may hold "//", which a Path would fold into one "/" (a wrong key)
    verify.add_argument("--public-key", metavar="FICHIER.pub",
                        help="la clé publique attendue (le fichier .pub, ou la clé elle-même)")
    verify.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    compared = commands.add_parser("diff", help="ce qui a changé entre deux instantanés (fiches ajoutées, "
                                                "modifiées, supprimées ; chiffres clés côte à côte)")
    compared.add_argument("old", metavar="ANCIEN.sqlite", type=Path, help="l'instantané de référence")
    compared.add_argument("new", metavar="NOUVEAU.sqlite", type=Path, help="l'instantané à comparer")
    compared.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    keys = commands.add_parser("keys", help="la paire de clés qui signe vos instantanés et vos sceaux, et les clés "
                                            "de confiance")
    keys.add_argument("action", choices=["init", "show", "trust", "list"],
                      help="init : la créer ; show : afficher la clé publique ; trust FICHIER.pub : faire confiance à "
                           "la clé d'un collègue ou d'un serveur ; list : les clés de confiance")
    keys.add_argument("key", nargs="?", metavar="FICHIER.pub", help="trust : la clé publique (son fichier .pub, ou son "
                      "texte en base64)")
    keys.add_argument("--name", metavar="NOM", help="trust : à qui est cette clé (montré par check et verify)")

    server = commands.add_parser("server", help="mode équipe, pour le propriétaire de la base : donner leurs droits "
                                                "aux rôles des chargés de mission et des auditeurs, signer la tête du "
                                                "journal avec la clé de l'administrateur")
    server.add_argument("action", choices=["init", "grant", "sign"],
                        help="init : créer le schéma et les données de référence (ou le mettre à jour) ; grant : les "
                             "droits (--officer, --auditor) ; sign : signer la tête du journal (--key)")
    _add_db(server, top=False)
    server.add_argument("--officer", action="append", default=[], metavar="ROLE", help="grant : un rôle de chargé "
                        "de mission (lit et écrit les fiches, ajoute au journal en son nom)")
    server.add_argument("--auditor", action="append", default=[], metavar="ROLE", help="grant : un rôle d'auditeur "
                        "(lit tout, n'écrit rien)")
    server.add_argument("--key", type=Path, metavar="CLE.pem", help="sign : la clé privée de l'administrateur")

    check = commands.add_parser("check", help="intégrité du fichier et de la chaîne d'audit (code 1 si un problème)")
    _add_db(check, top=False)
    check.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    check.add_argument("--accept", action="store_true", help="garder le fichier tel qu'il est quand il a changé "
                       "hors de l'application mais que SQLite et la chaîne d'audit le trouvent sain")
    backups = commands.add_parser("backups", help="les sauvegardes automatiques de la base, de la plus récente à la "
                                                  "plus ancienne")
    _add_db(backups, top=False)
    backups.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    backups.add_argument("--keep", type=int, metavar="N", help="en garder N désormais (réglage commun avec la "
                         "fenêtre, 1 à 100 ; 10 par défaut)")
    backup = commands.add_parser("backup", help="sauvegarder la base maintenant (dans le dossier des sauvegardes "
                                                "automatiques)")
    _add_db(backup, top=False)
    restore = commands.add_parser("restore", help="remettre une sauvegarde à la place de la base (la base remplacée "
                                                  "est mise de côté, intacte)")
    _add_db(restore, top=False)
    restore.add_argument("backup", nargs="?", type=Path, metavar="SAUVEGARDE.sqlite",
                         help="la copie à remettre (par défaut la plus récente de « portfolio backups »)")

    exported = commands.add_parser("export", help="écrire le classeur de travail d'une agence régionale (une feuille "
                                                  "par type de fiche), et l'enregistrer pour la synchronisation")
    exported.add_argument("output", metavar="FICHIER", type=Path, help="le fichier à écrire")
    exported.add_argument("--format", choices=["xlsx", "scdl", "france2030", "360giving"], default="xlsx",
                          help="xlsx : le classeur de travail d'une agence (par défaut) ; scdl : le CSV SCDL "
                               "subventions 2.1.1 ; france2030 : la liste des bénéficiaires au format France 2030 ; "
                               "360giving : le classeur 360Giving (ces trois derniers : tout le portefeuille)")
    _add_db(exported, top=False)
    exported.add_argument("--region", metavar="CODE", help="les fiches des structures d'une région (code INSEE, "
                          "par exemple 53)")
    exported.add_argument("--view", metavar="NOM", help="les fiches d'une vue enregistrée des structures, des "
                          "candidatures ou des projets (« type:nom » si deux types en ont une de ce nom)")
    exported.add_argument("--recipient", default="", metavar="NOM", help="le destinataire (enregistré avec l'export)")
    exported.add_argument("--entities", metavar="TYPES", help="les types de fiches, séparés par des virgules "
                          "(organisation,project,aid,disbursement,milestone,application,contact ; sur demande : "
                          "officer,note,reminder)")
    exported.add_argument("--personal", action="store_true", help="inclure les données personnelles (contacts)")
    exported.add_argument("--documents", action="store_true", help="classeur de travail : joindre les documents du "
                          "paquet, dans un dossier à côté du classeur (« NOM — documents »)")
    exported.add_argument("--incomplete", action="store_true", help="scdl, 360giving : écrire aussi les lignes "
                          "auxquelles manque une valeur obligatoire du format (cellules vides), au lieu de les lister")
    exported.add_argument("--prefix", metavar="360G-…", help="360giving : le préfixe d'éditeur donné par 360Giving "
                          "(par défaut 360G-SASN)")
    exported.add_argument("--operator", metavar="CODE", help="360giving : les aides d'un seul opérateur (BPI, ANR…), "
                          "un financeur par fichier comme 360Giving l'attend")
    exported.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    synced = commands.add_parser("sync", help="reprendre le classeur de travail renvoyé par une agence : fusion champ "
                                             "par champ avec ce qui a été envoyé et ce qui a changé ici")
    synced.add_argument("file", metavar="CLASSEUR.xlsx", type=Path, help="le classeur renvoyé")
    _add_db(synced, top=False)
    synced.add_argument("--dry-run", action="store_true", help="montrer la fusion sans rien écrire")
    synced.add_argument("--take", choices=["theirs", "mine"], help="régler chaque conflit : la valeur de l'agence "
                        "(theirs) ou celle de la base (mine) ; sans cette option, les conflits restent à régler")
    synced.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    queued = commands.add_parser("conflicts", help="les conflits des classeurs d'agences en attente, et leur "
                                                   "règlement (garder la valeur d'ici, prendre celle de l'agence, "
                                                   "ou en saisir une autre)")
    _add_db(queued, top=False)
    queued.add_argument("--settle", metavar="ID", type=int, nargs="+", help="les conflits à régler (leur numéro)")
    settled = queued.add_mutually_exclusive_group()
    settled.add_argument("--take", choices=["theirs", "mine"], help="avec --settle : la valeur de l'agence (theirs) "
                         "ou celle de la base (mine)")
    settled.add_argument("--value", metavar="VALEUR", help="avec --settle : une autre valeur, tapée comme dans une "
                         "cellule (1 234,50 ; 28/11/2026 ; un nom des listes)")
    queued.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    gdpr = commands.add_parser("gdpr", help="données personnelles (RGPD) : exporter dans un classeur, ou effacer, "
                                            "tout ce que la base détient sur une personne")
    gdpr.add_argument("action", choices=["export", "erase"], help="export : le classeur des fiches et de leur "
                      "historique ; erase : effacer la personne des fiches et du journal d'audit")
    _add_db(gdpr, top=False)
    who = gdpr.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", help="le courriel de la personne (toutes ses fiches contact)")
    who.add_argument("--contact", type=int, metavar="N", help="le numéro de sa fiche contact")
    gdpr.add_argument("--output", "-o", type=Path, metavar="CLASSEUR.xlsx", help="export : le classeur à écrire")
    gdpr.add_argument("--yes", action="store_true", help="erase : effacer sans autre confirmation")

    imported = commands.add_parser("import", help="importer un classeur (.xlsx, .xlsm, .xls, .ods, .csv) ou annuler "
                                                  "un import (--undo)")
    _add_db(imported, top=False)
    imported.add_argument("file", nargs="?", metavar="FICHIER", help="le classeur ou le fichier CSV à importer")
    imported.add_argument("--profile", metavar="NOM", help="profil de colonnes : france2030, scdl-1, scdl-2, "
                                                         "360giving, chorus-paiements, ou un profil enregistré")
    imported.add_argument("--map", metavar="FICHIER.json", type=Path,
                          help="correspondance des colonnes en JSON : {\"columns\": {\"en-tête\": \"champ\"}, "
                               "\"defaults\": {\"call\": \"CODE\"}}")
    imported.add_argument("--sheet", metavar="NOM", help="la feuille à lire (défaut : la première non vide)")
    imported.add_argument("--dry-run", action="store_true", help="calculer et afficher le plan sans rien écrire")
    imported.add_argument("--rejected", metavar="FICHIER.xlsx", type=Path,
                          help="écrire les lignes rejetées, avec leur motif, dans ce classeur")
    imported.add_argument("--undo", metavar="BATCH_ID", help="annuler un import passé (son batch_id)")
    imported.add_argument("--history", action="store_true", help="lister les imports de cette base")
    imported.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")

    dossier = commands.add_parser("dossier", help="le dossier d'un projet lauréat : son aide par bénéficiaire (versé, "
                                                  "reste à verser), ses tranches, ses jalons, ses contacts")
    dossier.add_argument("project", metavar="ACRONYME_OU_UUID", help="l'acronyme du projet, ou son identifiant")
    follow = commands.add_parser("suivi", help="ce qui demande votre attention : jalons en retard ou à venir, tranches "
                                               "à verser")
    follow.add_argument("--days", type=int, default=30, help="l'horizon, en jours (défaut : 30)")
    follow.add_argument("--officer", metavar="NOM", help="les projets de ce chargé de mission seulement")
    for desk in (dossier, follow):
        _add_db(desk, top=False)
        desk.add_argument("--today", metavar="AAAA-MM-JJ", help="la date du jour (défaut : aujourd'hui)")
        desk.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    note = commands.add_parser("note", help="ajouter une note de suivi à un projet lauréat (un appel, une réunion, "
                                            "une décision)")
    note.add_argument("project", metavar="ACRONYME_OU_UUID", help="l'acronyme du projet, ou son identifiant")
    note.add_argument("text", metavar="TEXTE", help="la note, entre guillemets")
    note.add_argument("--date", metavar="AAAA-MM-JJ", help="sa date (défaut : aujourd'hui)")
    note.add_argument("--author", metavar="NOM", help="son auteur (défaut : vous)")
    attach = commands.add_parser("attach", help="joindre un document à un projet lauréat (convention signée, "
                                                "rapport, avenant : PDF, bureautique, image ; 20 Mio au plus)")
    attach.add_argument("project", metavar="ACRONYME_OU_UUID", help="l'acronyme du projet, ou son identifiant")
    attach.add_argument("file", metavar="FICHIER", type=Path, help="le fichier à joindre")
    attach.add_argument("--category", metavar="NATURE", help="sa nature (« Convention signée », « Rapport »…)")
    attach.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    remind = commands.add_parser("remind", help="prévoir une relance sur un projet lauréat (« à relancer le … »)")
    remind.add_argument("project", metavar="ACRONYME_OU_UUID", help="l'acronyme du projet, ou son identifiant")
    remind.add_argument("date", metavar="AAAA-MM-JJ", help="la date de la relance")
    remind.add_argument("text", metavar="TEXTE", help="ce qu'il faudra faire, entre guillemets")
    remind.add_argument("--officer", metavar="NOM", help="qui relance (défaut : le chargé de mission du projet)")
    officer = commands.add_parser("officer", help="les chargés de mission de l'équipe : list, add NOM, assign NOM "
                                                  "ACRONYME…")
    officer_actions = officer.add_subparsers(dest="action", required=True, metavar="ACTION")
    officer_list = officer_actions.add_parser("list", help="les chargés de mission et leur nombre de projets")
    officer_list.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
    officer_add = officer_actions.add_parser("add", help="ajouter un chargé de mission")
    officer_add.add_argument("name", metavar="NOM")
    officer_add.add_argument("--email", metavar="COURRIEL")
    officer_assign = officer_actions.add_parser("assign", help="le charger du suivi de projets lauréats")
    officer_assign.add_argument("name", metavar="NOM")
    officer_assign.add_argument("projects", metavar="ACRONYME_OU_UUID", nargs="+")
    for desk in (note, attach, remind, officer_list, officer_add, officer_assign):
        _add_db(desk, top=False)
    replica = commands.add_parser("replica", help="travailler hors ligne : une réplique du portefeuille sur le "
                                                  "portable, synchronisée avec la base partagée ou par fichiers")
    replica_actions = replica.add_subparsers(dest="action", required=True, metavar="ACTION")
    replica_create = replica_actions.add_parser("create", help="faire une réplique (toute la base, ou la part d'un "
                                                               "chargé de mission ou d'une région)")
    replica_create.add_argument("target", metavar="PORTABLE.sqlite", type=Path, help="le fichier de la réplique "
                                                                                     "(nouveau)")
    replica_create.add_argument("--from", dest="origin", required=True, metavar="BASE",
                                help="la base d'origine : un fichier, ou postgresql://utilisateur@serveur/base")
    replica_create.add_argument("--officer", metavar="NOM", help="les projets de ce chargé de mission seulement, "
                                                                 "avec tout ce qu'ils désignent")
    replica_create.add_argument("--region", metavar="CODE", help="les projets dont le porteur est dans cette région "
                                                                 "(code INSEE : 53 pour la Bretagne)")
    replica_create.add_argument("--name", metavar="NOM", help="le nom de la réplique (défaut : le chargé de mission, "
                                                              "la région ou le nom du fichier)")
    replica_sync = replica_actions.add_parser("sync", help="envoyer les modifications faites ici et recevoir celles "
                                                           "faites ailleurs (la base d'origine doit être joignable)")
    replica_sync.add_argument("--origin", metavar="BASE", help="l'adresse de la base d'origine, si elle a changé")
    replica_sync.add_argument("--dry-run", action="store_true", help="dire ce qui serait fait, sans rien écrire")
    replica_export = replica_actions.add_parser("export-changes", help="écrire les modifications faites ici dans un "
                                                                      "fichier signé (.sasn)")
    replica_export.add_argument("output", metavar="SORTIE.sasn", type=Path)
    replica_import = replica_actions.add_parser("import-changes", help="prendre un fichier de modifications (sur la "
                                                                      "base d'origine : écrit le fichier réponse)")
    replica_import.add_argument("input", metavar="ENTREE.sasn", type=Path)
    replica_import.add_argument("--reply", metavar="REPONSE.sasn", type=Path, help="où écrire la réponse (défaut : "
                                                                                  "à côté, « ….reponse.sasn »)")
    replica_status = replica_actions.add_parser("status", help="l'origine de cette base, ses répliques, ce qui "
                                                               "attend d'être envoyé")
    for action in (replica_create, replica_sync, replica_export, replica_import, replica_status):
        action.add_argument("--json", action="store_true", help="un objet JSON sur la sortie standard")
        if action is not replica_create:
            _add_db(action, top=False)

    if with_gui:
        report = commands.add_parser("report", help="écrire le rapport du comité de pilotage en PDF (chiffres clés, "
                                                    "graphiques, tableaux par axe, appel et région)")
        _add_db(report, top=False)
        report.add_argument("output", metavar="RAPPORT.pdf", help="le fichier PDF à écrire")
        _add_kpi_filters(report, workbook=False)
        opened = commands.add_parser("open", help="ouvrir un instantané en lecture seule, vérifié")
        opened.add_argument("snapshot", metavar="INSTANTANE.sqlite", type=Path, help="l'instantané à ouvrir")
        opened.add_argument("--screenshot", metavar="PNG", help="enregistrer une capture de la fenêtre puis quitter")
        gui = commands.add_parser("gui", help="ouvrir la fenêtre (commande par défaut)")
        _add_db(gui, top=False)
        gui.add_argument("--read-only", action="store_true", help="ouvrir en lecture seule : aucune modification")
        gui.add_argument("--screenshot", metavar="PNG", help="enregistrer une capture de la fenêtre puis quitter")
    return parser


def _add_kpi_filters(command: argparse.ArgumentParser, workbook: bool = True) -> None:
    command.add_argument("--call", metavar="CODE", help="un appel à projets (son code)")
    command.add_argument("--axis", metavar="CODE", help="un axe de la stratégie (son code)")
    command.add_argument("--region", metavar="CODE", help="une région (code INSEE, ex. 53 pour la Bretagne)")
    command.add_argument("--typology", metavar="CODE", help="une typologie de structure (PME, ETI, ESR…)")
    command.add_argument("--from", dest="start", metavar="DATE", help="début de la période (JJ/MM/AAAA ou AAAA-MM-JJ)")
    command.add_argument("--to", dest="end", metavar="DATE", help="fin de la période, incluse")
    if workbook:
        command.add_argument("--xlsx", metavar="FICHIER.xlsx", type=Path, help="écrire aussi les tableaux dans ce "
                                                                               "classeur")
