"""What the dashboard's charts show, for its page and the PDF report alike: the series of each chart computed from
the KPIs (services.kpi), and how a breakdown's line is named.

The chart classes come in as ``charts`` (ui.charts, pyqtgraph: imported by the caller when a chart is first drawn),
so that this module costs nothing at start-up; neither the dashboard nor the report is imported here.
"""

from __future__ import annotations

from typing import Any

from portfolio.domain.i18n import tr


def category_name(group: Any) -> str:
    """A breakdown's line as a chart names it: its label in words from the reference tables ("Soutenir la
    recherche et les technologies clés"), its code when it has no label; the code itself goes in the tooltip."""
    return group.label or group.code or "—"


def axis_series(charts: Any, kpis: Any) -> tuple[list[str], list[Any], str]:
    """The bars of committed and disbursed aid by axis (the dashboard's and the report's): the axes' names, the
    two series and what the categories are."""
    axes = kpis.breakdowns["axis"]
    return [category_name(g) for g in axes], [
        charts.Series(tr("Engagé"), charts.BLUE, [g.committed_cents for g in axes]),
        charts.Series(tr("Décaissé"), charts.ORANGE, [g.disbursed_cents for g in axes])], tr("Axe de la stratégie")


def cumulative_series(charts: Any, months: list[Any]) -> tuple[list[str], list[Any]]:
    """The cumulative curves of committed and disbursed aid, month by month."""
    committed = disbursed = 0
    curves: tuple[list[int], list[int]] = ([], [])
    for month in months:
        committed += month.committed_cents
        disbursed += month.disbursed_cents
        curves[0].append(committed)
        curves[1].append(disbursed)
    return [m.month for m in months], [charts.Series(tr("Engagé (cumul)"), charts.BLUE, curves[0]),
                                       charts.Series(tr("Décaissé (cumul)"), charts.ORANGE, curves[1])]


def typologies(kpis: Any) -> list[Any]:
    """The typologies the chart shows: those with a code and some beneficiary or aid."""
    return [g for g in kpis.breakdowns["typology"] if g.code and (g.beneficiaries or g.committed_cents)]


def typology_series(charts: Any, kpis: Any) -> tuple[list[str], list[Any], str]:
    """Each typology's share of the beneficiaries next to its share of the aid: the typologies' names, the two
    series and what the categories are."""
    shown = typologies(kpis)
    return [category_name(g) for g in shown], [
        charts.Series(tr("Part des bénéficiaires"), charts.GREY,
                      [g.beneficiaries / kpis.beneficiaries if kpis.beneficiaries else 0 for g in shown]),
        charts.Series(tr("Part de l'aide"), charts.BLUE,
                      [g.committed_cents / kpis.committed_cents if kpis.committed_cents else 0 for g in shown]),
    ], tr("Typologie du bénéficiaire")
