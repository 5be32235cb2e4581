"""The officer's desk (issue #21) on the command line: `portfolio dossier` and `portfolio suivi` (text or JSON),
`portfolio note`, `portfolio attach`, `portfolio remind` and `portfolio officer` (each change through the one door,
one batch in the trail, source "ligne de commande")."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from portfolio.cli.common import UsageError, _db_path, _print_json
from portfolio.domain.dates import format_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_percent
from portfolio.services.portfolio import open_portfolio

if TYPE_CHECKING:
    from portfolio.db.store import Store
    from portfolio.services.changes import Change

COMMAND_SOURCE = "ligne de commande"


def _today(args: argparse.Namespace) -> date:
    return _iso_day(args.today, "--today") if args.today else date.today()


def _iso_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(tr("{what} attend une date AAAA-MM-JJ, pas « {value} »", what=what, value=text)) from None


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
    print()
    print(tr("Relances"))
    for reminder in dossier.reminders:
        state = tr("faite le {day}", day=day(reminder.done_on)) if reminder.done_on else ""
        print(f"  {day(reminder.due_on).ljust(10)}  {reminder.text[:50].ljust(50)} {reminder.owner} {state}".rstrip())
    print()
    print(tr("Notes"))
    for note in dossier.notes:
        print(f"  {day(note.written_on).ljust(10)}  {note.author} : {note.body}")
    print()
    print(tr("Documents"))
    for document in dossier.documents:
        print(f"  {day(document.added_on).ljust(10)}  {document.name} ({format_int(document.size)} octets, "
              f"SHA-256 {document.sha256[:16]}…)")
    return 0


def cmd_suivi(args: argparse.Namespace) -> int:
    from portfolio.services.follow_up import QUIET_DAYS, follow_up, lateness

    if args.days < 0:
        raise UsageError(tr("--days attend un nombre de jours positif"))
    with open_portfolio(_db_path(args), must_exist=True) as db, db.read() as session:
        officer = _officer(session, args.officer) if args.officer else None
        result = follow_up(session, _today(args), args.days, officer=officer)
    if args.json:
        _print_json(result.as_json())
        return 0
    for title, section in ((tr("Jalons en retard"), "overdue_milestones"),
                           (tr("Jalons à venir dans les {n} jours", n=result.days), "milestones_due"),
                           (tr("Tranches à verser (en retard, ou dans les {n} jours)", n=result.days),
                            "tranches_due"), (tr("Relances à faire"), "reminders_due"),
                           (tr("Projets sans note ni changement depuis plus de {n} jours", n=QUIET_DAYS),
                            "quiet_projects")):
        lines = getattr(result, section)
        print(f"{title} : {result.counts[section]}")
        for line in lines:
            amount = f" {format_eur(line.amount_cents)}" if line.amount_cents is not None else ""
            print(f"  {format_date(line.day)}  {line.acronym[:24].ljust(24)} {line.item[:44]}{amount} "
                  f"({lateness(line.days_late)})")
        print()
    return 0


def _officer(session: Any, name: str) -> int:
    from portfolio.services.desk import find_officer

    return find_officer(session, name)


def _apply(db: Store, changes: Sequence[Change]) -> None:
    from portfolio.services.changes import apply_changes

    apply_changes(db, changes, source=COMMAND_SOURCE)


def cmd_note(args: argparse.Namespace) -> int:
    from portfolio.services.changes import current_actor
    from portfolio.services.desk import new_note
    from portfolio.services.dossier import find_project

    text = args.text.strip()
    if not text:
        raise UsageError(tr("La note est vide : donnez son texte entre guillemets."))
    with open_portfolio(_db_path(args), must_exist=True) as db:
        with db.read() as session:
            project = find_project(session, args.project)
        written_on = _iso_day(args.date, "--date") if args.date else date.today()
        _apply(db, new_note("project", project, text, written_on=written_on, author=args.author or current_actor()))
    print(tr("Note ajoutée au projet {project} ({day}).", project=args.project, day=format_date(written_on)))
    return 0


def cmd_attach(args: argparse.Namespace) -> int:
    from portfolio.services.changes import current_actor
    from portfolio.services.documents import attach_changes, read_document
    from portfolio.services.dossier import find_project

    document = read_document(args.file)
    with open_portfolio(_db_path(args), must_exist=True) as db:
        with db.read() as session:
            project = find_project(session, args.project)
        _apply(db, attach_changes("project", project, document, added_on=date.today(), author=current_actor(),
                                  category=args.category or ""))
    if args.json:
        _print_json({"name": document.name, "size": len(document.content), "sha256": document.sha256,
                     "media_type": document.media_type})
    else:
        print(tr("« {name} » joint au projet {project} ({size} octets, SHA-256 {sha}).", name=document.name,
                 project=args.project, size=format_int(len(document.content)), sha=document.sha256))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from portfolio.services.desk import new_reminder
    from portfolio.services.dossier import find_project

    due_on = _iso_day(args.date, tr("la date de relance"))
    text = args.text.strip()
    if not text:
        raise UsageError(tr("La relance est vide : dites ce qu'il faut faire, entre guillemets."))
    with open_portfolio(_db_path(args), must_exist=True) as db:
        with db.read() as session:
            project = find_project(session, args.project)
            officer = _officer(session, args.officer) if args.officer else None
        _apply(db, new_reminder(project, due_on, text, officer))
    print(tr("Relance ajoutée au projet {project} pour le {day}.", project=args.project, day=format_date(due_on)))
    return 0


def cmd_officer(args: argparse.Namespace) -> int:
    from portfolio.services.desk import new_officer, officers, put_in_charge
    from portfolio.services.dossier import find_project

    with open_portfolio(_db_path(args), must_exist=True, readonly=args.action == "list") as db:
        if args.action == "add":
            _apply(db, new_officer(args.name.strip(), args.email or ""))
            print(tr("{name} ajouté(e) à l'équipe.", name=args.name.strip()))
        elif args.action == "assign":
            with db.read() as session:
                officer = _officer(session, args.name)
                changes = [change for project in args.projects
                           for change in put_in_charge(session, find_project(session, project), officer)]
            if changes:
                _apply(db, changes)
            with db.read() as session:
                name = dict(officers(session))[officer]
            print(tr("{name} suit {n} projet(s) de plus.", name=name, n=len(changes)))
        else:
            with db.read() as session:
                team = officers(session)
                counts: dict[int, int] = dict(session.connection().exec_driver_sql(
                    "SELECT officer_id, count(*) FROM project WHERE officer_id IS NOT NULL GROUP BY officer_id").all())
            if args.json:
                _print_json({"officers": [{"name": name, "projects": int(counts.get(i, 0))} for i, name in team]})
            for _i, name in team if not args.json else ():
                print(f"{name} ({tr('{n} projet(s)', n=int(counts.get(_i, 0)))})")
    return 0
