"""`portfolio server`: team mode, for the database's owner (schema, roles' rights, the administrator's signature)."""

from __future__ import annotations

import argparse

from portfolio.cli.common import UsageError, _db_path
from portfolio.db.locations import is_url
from portfolio.domain.i18n import tr
from portfolio.services.portfolio import open_portfolio


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
