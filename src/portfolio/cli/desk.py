"""`portfolio dossier` and `portfolio suivi`: the officer's desk (issue #21) on the command line, as text or JSON."""

from __future__ import annotations

import argparse
from datetime import date

from portfolio.cli.common import UsageError, _db_path, _print_json
from portfolio.domain.dates import format_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_percent
from portfolio.services.portfolio import open_portfolio


def _today(args: argparse.Namespace) -> date:
    if not args.today:
        return date.today()
    try:
        return date.fromisoformat(args.today)
    except ValueError:
        raise UsageError(tr("--today attend une date AAAA-MM-JJ, pas « {value} »", value=args.today)) from None


def cmd_dossier(args: argparse.Namespace) -> int:
    from portfolio.services.dossier import LATE, find_project, read_dossier

    with open_portfolio(_db_path(args), must_exist=True) as db, db.read() as session:
        dossier = read_dossier(session, find_project(session, args.project), _today(args))
    if args.json:
        _print_json(dossier.as_json())
        return 0
    day = format_date
    print(f"{dossier.acronym} — {dossier.title}" if dossier.acronym else dossier.title)
    for label, value in ((tr("Porteur"), dossier.lead), (tr("Appel"), dossier.call), (tr("Action"), dossier.action),
                         (tr("Axe"), dossier.axis), (tr("Opérateur"), dossier.operator),
                         (tr("Statut"), dossier.status), (tr("Décision"), day(dossier.decision_on)),
                         (tr("Convention"), day(dossier.agreement_on)),
                         (tr("Période"), f"{day(dossier.start_on)} – {day(dossier.end_on)}")):
        print(f"  {label} : {value}")
    print()
    print(tr("Aide par bénéficiaire (subvention, avance, versé, reste à verser)"))
    for line in dossier.aid:
        print(f"  {line.organisation[:44].ljust(44)} {format_eur(line.grant_cents).rjust(15)} "
              f"{format_eur(line.advance_cents).rjust(15)} {format_eur(line.paid_cents).rjust(15)} "
              f"{format_eur(line.remaining_cents).rjust(15)}")
    share = dossier.paid_cents / dossier.committed_cents if dossier.committed_cents else None
    print(tr("  Total engagé {committed}, versé {paid} ({share})", committed=format_eur(dossier.committed_cents),
             paid=format_eur(dossier.paid_cents), share=format_percent(share) if share is not None else "—"))
    print()
    print(tr("Tranches"))
    for tranche in dossier.tranches:
        when = (tr("versée le {day}", day=day(tranche.paid_on)) if tranche.paid_on else
                tr("prévue le {day}, en retard de {n} j", day=day(tranche.planned_on), n=tranche.days)
                if tranche.state == LATE else tr("prévue le {day}", day=day(tranche.planned_on)))
        print(f"  {tranche.label[:30].ljust(30)} {tranche.organisation[:30].ljust(30)} "
              f"{format_eur(tranche.amount_cents).rjust(15)}  {when}")
    print()
    print(tr("Jalons"))
    for milestone in dossier.milestones:
        late = tr(" ({n} j de retard)", n=milestone.late_days) if milestone.late_days is not None else ""
        print(f"  {day(milestone.due_on).ljust(10)}  {milestone.title[:50].ljust(50)} {milestone.status}{late}")
    print()
    print(tr("Contacts"))
    for contact in dossier.contacts:
        print(f"  {contact.name} ({contact.organisation}) {contact.email} {contact.phone}".rstrip())
    return 0


def cmd_suivi(args: argparse.Namespace) -> int:
    from portfolio.services.follow_up import follow_up, lateness

    if args.days < 0:
        raise UsageError(tr("--days attend un nombre de jours positif"))
    with open_portfolio(_db_path(args), must_exist=True) as db, db.read() as session:
        result = follow_up(session, _today(args), args.days)
    if args.json:
        _print_json(result.as_json())
        return 0
    for title, section in ((tr("Jalons en retard"), "overdue_milestones"),
                           (tr("Jalons à venir dans les {n} jours", n=result.days), "milestones_due"),
                           (tr("Tranches à verser (en retard, ou dans les {n} jours)", n=result.days),
                            "tranches_due")):
        lines = getattr(result, section)
        print(f"{title} : {result.counts[section]}")
        for line in lines:
            amount = f" {format_eur(line.amount_cents)}" if line.amount_cents is not None else ""
            print(f"  {format_date(line.day)}  {line.acronym[:24].ljust(24)} {line.item[:44]}{amount} "
                  f"({lateness(line.days_late)})")
        print()
    return 0
