"""The command line, over the same services as the window.

Every command takes ``--db PATH`` (else PORTFOLIO_DB, else the user data directory). With ``--json``,
stdout holds one JSON object and nothing else. An error is one clear line on stderr and exit code 1,
never a traceback (the traceback of an unexpected error goes to a log file, whose path the line gives).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from portfolio import APP_NAME, __version__
from portfolio.db.locations import is_other_address, is_url, without_password
from portfolio.db.protected import owner_only_by_default
from portfolio.domain.dates import format_datetime
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_percent
from portfolio.services import app_paths
from portfolio.services.error_log import log_unexpected
from portfolio.services.portfolio import open_portfolio, shared_location

# The services below import SQLAlchemy: each command imports what it uses, so that `portfolio` (the window)
# paints its first page before SQLAlchemy is loaded.

GuiRunner = Callable[[argparse.Namespace], int]


class UsageError(PortfolioError):
    """The command line's words are off."""


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
                          "(organisation,project,aid,disbursement,milestone,application,contact)")
    exported.add_argument("--personal", action="store_true", help="inclure les données personnelles (contacts)")
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


def cmd_demo(args: argparse.Namespace) -> int:
    if not args.db:
        raise UsageError(tr("« portfolio demo » écrit dans le fichier donné par --db, jamais dans votre base : "
                            "précisez --db CHEMIN."))
    from portfolio.services.demo import write_demo  # not needed by the other commands nor the window's start

    started = time.perf_counter()
    with open_portfolio(args.db) as db:
        written = write_demo(db, seed=args.seed, scale=args.scale)
    seconds = time.perf_counter() - started
    shared = is_url(args.db)  # team mode: a server's database has no file size to tell, nor a password to show
    size = 0 if shared else Path(args.db).stat().st_size
    where = db.path if shared else args.db
    if args.json:
        _print_json({"db": where if shared else str(Path(args.db).resolve()), "records": written,
                     "seconds": round(seconds, 3), "bytes": size, "seed": args.seed, "scale": args.scale})
    else:
        print(tr("Portefeuille de démonstration écrit dans {path} : {n} enregistrements en {s} s ({mb} Mo).",
                 path=where, n=format_int(written), s=f"{seconds:.1f}".replace(".", ","),
                 mb=f"{size / 1e6:.1f}".replace(".", ",")))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from portfolio.services.stats import key_figures

    with open_portfolio(_db_path(args), must_exist=True) as db, db.read() as session:
        figures = key_figures(session)
    if args.json:
        _print_json(figures.as_json())
        return 0
    n = format_int
    lines = [
        (tr("Porteurs (candidats)"), n(figures.applicants)),
        (tr("Candidatures"), n(figures.applications)),
        (tr("Projets lauréats"), n(figures.laureates)),
        (tr("Aide engagée"), format_eur(figures.committed_cents)),
        (tr("  dont subventions"), format_eur(figures.committed_grant_cents)),
        (tr("  dont avances remboursables"), format_eur(figures.committed_advance_cents)),
        (tr("Aide décaissée"), format_eur(figures.disbursed_cents)),
        (tr("Part décaissée"), format_percent(figures.disbursed_share)),
        (tr("Régions"), n(figures.regions)),
        (tr("Axes / actions / appels"), f"{figures.axes} / {figures.actions} / {figures.calls}"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}")
    print()
    for entity, count in figures.counts.items():
        print(f"{entity.ljust(width)}  {n(count)}")
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    from portfolio.services.kpi import compute, filters_of, key_figures

    filters = filters_of(args)
    with open_portfolio(_db_path(args), must_exist=True) as db, db.read() as session:
        kpis = compute(session, filters)
    if args.xlsx is not None:
        from portfolio.exchange.kpi_workbook import write_kpi_workbook

        write_kpi_workbook(kpis, args.xlsx)
    if args.json:
        _print_json(kpis.as_json())
        return 0
    n = format_int
    lines = key_figures(kpis)
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}")
    for name, title in (("axis", tr("Par axe")), ("region", tr("Par région")), ("typology", tr("Par typologie"))):
        print()
        print(f"{title} — {tr('candidatures, lauréats, engagé, décaissé')}")
        for group in kpis.breakdowns[name]:
            print(f"  {group.label[:60].ljust(60)}  {n(group.applications).rjust(7)}  {n(group.laureates).rjust(6)}  "
                  f"{format_eur(group.committed_cents).rjust(16)}  {format_eur(group.disbursed_cents).rjust(16)}")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from portfolio.services.checkpoints import trust_key, trusted_keys
    from portfolio.services.signing_keys import init_keys, key_paths

    folder = app_paths.keys_folder()
    if args.action == "trust":
        if not args.key or not args.name:
            raise UsageError(tr("« portfolio keys trust » demande la clé (FICHIER.pub ou son texte) et --name NOM"))
        given = Path(args.key).expanduser()
        text = given.read_text(encoding="ascii", errors="replace") if given.is_file() else args.key
        print(tr("Clé de confiance ajoutée : {key} ({name}).", key=trust_key(text, args.name), name=args.name))
        return 0
    if args.action == "list":
        for key, name in trusted_keys().items():
            print(f"{key}  {name}")
        return 0
    public_path = key_paths(folder)[1]
    if args.action == "init" and not public_path.is_file():
        public = init_keys(folder)
        print(tr("Clé privée : {file} (gardez-la pour vous).", file=key_paths(folder)[0]))
    else:  # (a key made at the first seal counts: init shows it rather than replace it)
        if not public_path.is_file():
            raise UsageError(tr("aucune clé dans « {folder} » : créez-la avec « portfolio keys init »",
                                folder=str(folder)))
        public = public_path.read_text(encoding="ascii").strip()
        if args.action == "init":
            print(tr("Une paire de clés existe déjà dans « {folder} » : elle est gardée (ce qu'elle a signé reste "
                     "vérifiable).", folder=str(folder)))
    print(tr("Clé publique (à donner aux auditeurs) : {key}", key=public))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from portfolio.services.checkpoints import officer_key
    from portfolio.services.signing_keys import key_paths
    from portfolio.services.snapshot import write_snapshot

    source = _db_path(args)
    with open_portfolio(source, readonly=True, must_exist=True):
        pass  # the file is checked (a portfolio, this version, not damaged) before it is copied, never written
    if args.sign:
        officer_key()  # made at the first signature when `keys init` was never run (as at the first seal)
    with tempfile.TemporaryDirectory(prefix="portfolio-instantane-") as folder:
        if is_url(source):  # team mode: the server's rows in a portfolio file first, then its snapshot as usual
            from portfolio.services.snapshot import copy_from_server

            source = copy_from_server(source, Path(folder) / "serveur.sqlite")
        manifest = write_snapshot(source, args.output.expanduser(),
                                  private_key=key_paths(app_paths.keys_folder())[0] if args.sign else None)
    if args.json:
        _print_json(manifest)
        return 0
    signed = tr(", signé") if "signature" in manifest else ""
    print(tr("Instantané écrit dans {file}{signed} : empreinte {digest}, journal d'audit jusqu'à l'entrée {seq}.",
             file=args.output, signed=signed, digest=manifest["digest"][:16] + "…",
             seq=manifest["audit_head"]["seq"]))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from portfolio.services.snapshot import signature_words, verify_snapshot

    expected = None
    if args.public_key is not None:
        key = Path(args.public_key).expanduser()
        try:
            expected = key.read_text(encoding="ascii").strip() if key.is_file() else str(args.public_key)
        except UnicodeDecodeError:
            raise UsageError(tr("« {file} » n'est pas une clé publique (le fichier .pub de « portfolio keys "
                                "init »)", file=str(key))) from None
    result = verify_snapshot(args.snapshot.expanduser(), expected)
    if args.json:
        _print_json(result.as_json())
    elif result.intact:
        print(tr("Instantané {what} — écrit le {at} par {author}.", what=signature_words(result),
                 at=str(result.manifest.get("created_utc", "?")), author=result.manifest.get("author", "?")))
    else:
        for problem in result.problems:
            print(problem, file=sys.stderr)
    return 0 if result.intact else 1


def _euros_text(value: Any) -> str:
    from decimal import Decimal

    return format_eur(int(Decimal(str(value)) * 100)) if value is not None else "—"


_SHOW_FIGURE: dict[str, Callable[[Any], str]] = {  # a key figure's format, by its kind (services.snapshot_diff)
    "int": lambda v: format_int(v), "money": _euros_text, "share": lambda v: format_percent(float(v)),
}


def cmd_diff(args: argparse.Namespace) -> int:
    from portfolio.services.fields import field_spec
    from portfolio.services.snapshot_diff import EXAMPLES, FIGURES, describe_change, diff_snapshots

    def field_label(entity: str, name: str) -> str:
        return field_spec(entity, name).label

    result = diff_snapshots(args.old.expanduser(), args.new.expanduser())
    if args.json:
        _print_json(result.as_json())
        return 0
    print(tr("Chiffres clés : {old} → {new}", old=args.old.name, new=args.new.name))
    for name, (old, new) in result.figures.items():
        label, kind = FIGURES.get(name, (name, ""))
        shown = _SHOW_FIGURE.get(kind, str)
        mark = "" if old == new else "  *"
        print(f"  {tr(label).ljust(30)} {shown(old).rjust(20)}  {shown(new).rjust(20)}{mark}")
    changed = [(entity, diff) for entity, diff in result.entities.items() if not diff.empty]
    print()
    if not changed:
        print(tr("Aucune fiche ajoutée, modifiée ni supprimée."))
    for entity, diff in changed:
        print(describe_change(entity, diff))
        for name in diff.added[:EXAMPLES]:
            print(f"  + {name}")
        for name in diff.removed[:EXAMPLES]:
            print(f"  - {name}")
        for name, changes in diff.changed[:EXAMPLES]:
            details = "; ".join(f"{field_label(entity, f)} : {old!s} → {new!s}" for f, old, new in changes[:4])
            print(f"  ~ {name} ({details})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from portfolio.db.seal import accept_as_is, backups_dir
    from portfolio.services.integrity import check_file, check_server, unsigned_entries

    path = _db_path(args)
    if is_url(path) and args.accept:
        raise UsageError(tr("--accept concerne un fichier : une base sur un serveur n'a pas de sceau"))
    report = check_server(path) if is_url(path) else check_file(path)
    if args.accept:
        if not report.sound:  # a trail that no longer explains the data, a schema changed: never accepted
            for problem in report.problems(seal=False):
                print(problem, file=sys.stderr)
            print(tr("Rien n'a été accepté : le fichier n'est pas sain. Restaurez une sauvegarde (« portfolio "
                     "restore »)."), file=sys.stderr)
            return 1
        for line in _accepted(unsigned_entries(path, report)):
            print(line)
        if not accept_as_is(path):  # the file as it is becomes the one the application left
            raise UsageError(tr("le sceau de « {file} » n'a pas pu être écrit : vérifiez que le dossier « {folder} » "
                                "accepte l'écriture et que la base n'est ouverte nulle part ailleurs.",
                                file=str(path), folder=str(backups_dir(path))))
        print(tr("Le fichier est accepté tel qu'il est : il s'ouvrira de nouveau normalement."))
        return 0
    if args.json:
        _print_json(report.as_dict())
    elif report.ok:
        print(tr("Base saine : schéma conforme, chaîne d'audit vérifiée ({n} entrées), chaque fiche conforme au "
                 "journal ({records} fiches) ; le serveur garde la structure et les références.",
                 n=format_int(report.chain.entries), records=format_int(report.replay.records)) if is_url(path) else
              tr("Base saine : intégrité SQLite correcte, schéma conforme, chaîne d'audit vérifiée ({n} entrées), "
                 "chaque fiche conforme au journal ({records} fiches).", n=format_int(report.chain.entries),
                 records=format_int(report.replay.records)))
        print(_signed_line(report))
        for note in report.notes:
            print(note)
    else:
        for problem in report.problems():
            print(problem, file=sys.stderr)
    return 0 if report.ok else 1


def _signed_line(report: Any) -> str:
    heads = report.heads
    if not heads.last_seq:
        unknown = tr(" (signée seulement par des clés inconnues : {keys})",
                     keys=", ".join(k[:16] + "…" for k in heads.unknown_signers)) if heads.unknown_signers else ""
        return tr("Tête du journal : jamais signée par une clé de confiance{unknown}.", unknown=unknown)
    since = report.chain.head_seq - heads.last_seq
    return tr("Tête du journal signée : entrée n° {seq}, le {when}, par {who}{since}.", seq=format_int(heads.last_seq),
              when=f"{heads.last_utc[8:10]}/{heads.last_utc[5:7]}/{heads.last_utc[:4]}", who=heads.last_signer,
              since=tr(" — {n} entrée(s) écrite(s) depuis", n=format_int(since)) if since > 0 else "")


def _accepted(entries: list[dict[str, Any]]) -> list[str]:
    """What `check --accept` keeps, said before it keeps it: the trail's entries written since its last signed
    head (by the application, or by whoever wrote the file), grouped by batch."""
    if not entries:
        return [tr("Aucune entrée du journal depuis sa dernière tête signée : les fiches sont celles que "
                   "l'application a laissées, seul le fichier a changé (réorganisé, copié…).")]
    lines = [tr("Entrées du journal écrites depuis sa dernière tête signée, gardées avec le fichier ({n}) :",
                n=format_int(len(entries)))]
    batches: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        batches.setdefault(entry["batch"], []).append(entry)
    for batch in list(batches.values())[:20]:
        first = batch[0]
        lines.append(tr("  n° {first} à {last}, le {when}, par {actor} ({source}) : {n} changement(s)",
                        first=batch[0]["seq"], last=batch[-1]["seq"], when=first["at_utc"][:19].replace("T", " "),
                        actor=first["actor"], source=first["source"], n=len(batch)))
        for entry in batch[:5]:
            lines.append(f"    {entry['operation']} {entry['entity']} {entry['record_uuid']}"
                         + (f" {entry['field']} : {entry['old_value']} → {entry['new_value']}" if entry["field"]
                            else ""))
    if len(batches) > 20:
        lines.append(tr("  … et {n} autres lots", n=len(batches) - 20))
    return lines


def cmd_server(args: argparse.Namespace) -> int:
    from portfolio.services.server_roles import grant_roles, sign_server_head

    url = _db_path(args)
    if not is_url(url):
        raise UsageError(tr("« portfolio server » concerne une base sur un serveur PostgreSQL : précisez --db-url."))
    if args.action == "init":
        with open_portfolio(url) as db, db.read() as session:  # creates (or upgrades) the schema, seeds it
            version = session.connection().exec_driver_sql("SELECT version FROM portfolio_schema").scalar_one()
        print(tr("Base prête sur le serveur : schéma {version}, données de référence en place.", version=version))
        return 0
    if args.action == "grant":
        if not args.officer and not args.auditor:
            raise UsageError(tr("précisez au moins un rôle : --officer ROLE ou --auditor ROLE"))
        grant_roles(url, args.officer, args.auditor)
        print(tr("Droits donnés : chargés de mission {officers} ; auditeurs {auditors}.",
                 officers=", ".join(args.officer) or "—", auditors=", ".join(args.auditor) or "—"))
        return 0
    if args.key is None:
        raise UsageError(tr("« portfolio server sign » demande la clé privée de l'administrateur : --key CLE.pem"))
    head = sign_server_head(url, args.key.expanduser())
    print(tr("Tête du journal signée par la clé de l'administrateur : entrée n° {seq}.", seq=head["seq"]) if head
          else tr("Le journal est vide : rien à signer."))
    return 0


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


def cmd_export(args: argparse.Namespace) -> int:
    from portfolio.exchange.working_workbook import DEFAULT_ENTITIES, Selection, export_working_workbook

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
    unknown = [e for e in entities if e not in DEFAULT_ENTITIES]
    if unknown:
        raise UsageError(tr("--entities : type(s) inconnu(s) {names} ; possibles : {known}", names=", ".join(unknown),
                            known=",".join(DEFAULT_ENTITIES)))
    selection = Selection(entities, args.region, args.personal, args.recipient, args.view)
    with open_portfolio(_db_path(args), must_exist=True) as db:
        exported = export_working_workbook(db, selection, args.output.expanduser())
    if args.json:
        _print_json({"export_id": exported.export_id, "file": str(exported.path), "rows": exported.rows})
        return 0
    counts = ", ".join(f"{n} {entity}" for entity, n in exported.rows.items())
    print(tr("Classeur écrit dans {file} ({counts}) ; export n° {id}.", file=exported.path, counts=counts,
             id=exported.export_id))
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
            return 1
        result = erase_person(db, person)
    print(tr("Effacé : {n} fiche(s) et les valeurs de {m} entrée(s) du journal ; la chaîne d'audit reste "
             "vérifiable.", n=result.contacts, m=result.entries))
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


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": cmd_demo, "stats": cmd_stats, "kpi": cmd_kpi,
                                                          "snapshot": cmd_snapshot, "verify": cmd_verify,
                                                          "diff": cmd_diff,
                                                          "keys": cmd_keys, "check": cmd_check, "server": cmd_server,
                                                          "backups": cmd_backups, "backup": cmd_backup,
                                                          "restore": cmd_restore, "gdpr": cmd_gdpr,
                                                          "export": cmd_export, "sync": cmd_sync,
                                                          "conflicts": cmd_conflicts,
                                                          "import": cmd_import}


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
