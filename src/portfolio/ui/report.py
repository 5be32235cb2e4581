"""The steering committee's report as a PDF (Fichier > Rapport PDF…, `portfolio report OUT.pdf`): dated, in
French, with the key figures, the dashboard's charts and the tables by axis, call and region, under the same
filters as the dashboard. Drawn by Qt (QTextDocument printed by QPdfWriter): this is the UI layer's job, the
command line reaches it through the launcher.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QMarginsF, QSizeF, Qt, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_percent

CHART_SIZE = (1000, 430)  # pixels of each chart image; drawn at about 17 cm wide on A4

STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9pt; color: #1a202c; }
h1 { font-size: 17pt; color: #1b3a6b; margin-bottom: 2px; }
h2 { font-size: 12pt; color: #1b3a6b; margin-top: 16px; }
p.scope { color: #4a5568; }
table { border-collapse: collapse; }
th { background: #e8eef8; text-align: left; padding: 3px 6px; }
td { padding: 3px 6px; border-bottom: 1px solid #e2e8f0; }
td.n { text-align: right; }
"""


def write_report(facts: Any, filters: Any, destination: Path, *, today: date | None = None,
                 scope: str = "") -> Path:
    """Writes the report of ``facts`` (services.kpi.Facts) under ``filters`` to ``destination`` (a PDF replaced
    whole or not at all); ``scope`` says the filters in words."""
    from . import charts

    if not destination.parent.is_dir():  # checked first: Qt would only print a warning and write nothing
        raise PortfolioError(tr("Le dossier « {folder} » n'existe pas : choisissez un autre emplacement pour le "
                                "rapport.", folder=str(destination.parent)))
    today = today or date.today()
    kpis = facts.compute(filters, today=today)
    months = facts.timeline(filters)
    document = QTextDocument()
    document.setDefaultStyleSheet(STYLE)
    images = _chart_images(charts, kpis, months)
    for name, image in images.items():
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart://{name}"), image)
    document.setHtml(_html(kpis, today, scope, list(images)))
    from portfolio.services.files import pdf_is_whole, write_whole

    # Qt's PDF writer says nothing when the disk refuses its bytes: the file's end marker tells
    return write_whole(destination, lambda path: _print(document, path), tr("Le rapport"), check=pdf_is_whole)


def _print(document: QTextDocument, path: Path) -> None:
    writer = QPdfWriter(str(path))
    writer.setTitle(tr("Rapport au comité de pilotage"))
    writer.setCreator("portfolio")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    writer.setResolution(150)
    document.setPageSize(QSizeF(writer.width(), writer.height()))
    document.print_(writer)
    del writer  # the file is complete once the writer is gone


def _chart_images(charts: Any, kpis: Any, months: list[Any]) -> dict[str, QImage]:
    """The dashboard's charts drawn off screen, as images."""
    from .chart_series import axis_series, cumulative_series, typology_series

    width, height = CHART_SIZE
    images: dict[str, QImage] = {}
    bars = charts.BarChart()
    bars.resize(width, height)
    bars.set_data(*axis_series(charts, kpis))
    images["axes"] = _drawn(bars)
    cumulative = charts.CumulativeChart()
    cumulative.resize(width, height)
    cumulative.set_data(*cumulative_series(charts, months))
    images["cumul"] = _drawn(cumulative)
    region_map = charts.RegionMap()
    region_map.resize(width, int(height * 1.3))
    region_map.set_values({g.code: g.committed_cents for g in kpis.breakdowns["region"] if g.code}, lambda _c: "")
    images["carte"] = _drawn(region_map)
    typology = charts.BarChart(percent=True)
    typology.resize(width, height)
    typology.set_data(*typology_series(charts, kpis))
    images["typologies"] = _drawn(typology)
    for widget in (bars, cumulative, region_map, typology):
        widget.deleteLater()
    return images


def _drawn(widget: Any) -> QImage:
    """A widget drawn off screen as it would be on screen: shown first, so that its axes measure their labels."""
    from PySide6.QtWidgets import QApplication

    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # laid out and drawn, never flashed on screen
    widget.show()
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    image = widget.grab().toImage()
    widget.hide()
    return image


def _cell(text: str, number: bool = False) -> str:
    return f"<td class='n'>{html.escape(text)}</td>" if number else f"<td>{html.escape(text)}</td>"


def _table(title: str, groups: list[Any], kpis: Any) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (
        title, tr("Candidatures"), tr("Lauréats"), tr("Taux de succès"), tr("Aide engagée"), tr("Aide décaissée"),
        tr("Part décaissée")))
    rows = []
    for group in groups:
        rate = format_percent(group.success_rate) if group.applications else "—"
        share = format_percent(group.disbursed_cents / group.committed_cents) if group.committed_cents else "—"
        rows.append("<tr>" + _cell(group.label) + _cell(format_int(group.applications), True)
                    + _cell(format_int(group.laureates), True) + _cell(rate, True)
                    + _cell(format_eur(group.committed_cents, decimals=False), True)
                    + _cell(format_eur(group.disbursed_cents, decimals=False), True) + _cell(share, True) + "</tr>")
    return f"<table width='100%'><tr>{head}</tr>{''.join(rows)}</table>"


def _html(kpis: Any, today: date, scope: str, charts: list[str]) -> str:
    from portfolio.services.kpi import key_figures

    figures = key_figures(kpis)
    key_rows = "".join(f"<tr>{_cell(label)}{_cell(value, True)}</tr>" for label, value in figures)
    titles = {"axes": tr("Aide engagée et décaissée par axe"), "cumul": tr("Cumul de l'aide engagée et décaissée"),
              "carte": tr("Aide engagée par région (bénéficiaires)"),
              "typologies": tr("Typologies : part des bénéficiaires et part de l'aide")}
    pictures = "".join(f"<h2>{html.escape(titles[name])}</h2><p><img src='chart://{name}' width='640'></p>"
                       for name in charts)
    return (
        f"<h1>{html.escape(tr('Rapport au comité de pilotage'))}</h1>"
        f"<p class='scope'>{html.escape(tr('Stratégie d’accélération Santé numérique (France 2030)'))} — "
        f"{html.escape(tr('situation au {day}', day=today.strftime('%d/%m/%Y')))}<br>"
        f"{html.escape(scope or tr('Tout le portefeuille'))}</p>"
        f"<h2>{html.escape(tr('Chiffres clés'))}</h2><table width='60%'>{key_rows}</table>"
        + pictures
        + f"<h2>{html.escape(tr('Par axe'))}</h2>" + _table(tr("Axe"), kpis.breakdowns["axis"], kpis)
        + f"<h2>{html.escape(tr('Par appel à projets'))}</h2>" + _table(tr("Appel"), kpis.breakdowns["call"], kpis)
        + f"<h2>{html.escape(tr('Par région'))}</h2>" + _table(tr("Région"), kpis.breakdowns["region"], kpis)
        + f"<p class='scope'>{html.escape(tr('Contours des régions : IGN / INSEE (Licence Ouverte), simplifiés.'))}"
          "</p>")


def run_report(args: Any) -> int:
    """`portfolio report OUT.pdf`: the report of the whole portfolio, or under the command's filters, drawn off
    screen (no display needed)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from portfolio.services.kpi import Facts, describe_filters, filters_of
    from portfolio.services.portfolio import open_portfolio

    from .application import make_application

    make_application()
    filters = filters_of(args)
    with open_portfolio(args.db_path, must_exist=True) as db, db.read() as session:
        facts = Facts(session)
    facts.check(filters)
    words = describe_filters(filters)
    scope = tr("Filtres : {filters}", filters=words) if words else tr("Tout le portefeuille")
    path = write_report(facts, filters, Path(args.output), scope=scope)
    print(tr("Rapport écrit dans {path}.", path=path))
    return 0
