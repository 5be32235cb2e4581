"""`portfolio stats` and `portfolio kpi`: the key figures and the programme's indicators, as text or JSON (the PDF
report needs Qt: the launcher runs it)."""

from __future__ import annotations

import argparse

from portfolio.cli.common import _db_path, _print_json
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_percent
from portfolio.services.portfolio import open_portfolio


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
