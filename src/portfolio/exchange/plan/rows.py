"""One row of a table: its values read and parsed by the mapping's parsers (amounts, dates, identifiers,
currencies converted at the mapping's rates), its aid's amounts, and the mapping's checked defaults."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, share_of

from .. import values as parse
from ..mapping import ColumnMapping
from ..table import Table, is_blank
from .model import MAX_CENTS, MONEY_FIELDS


class _RowError(Exception):
    def __init__(self, column: int | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass(slots=True)
class _Row:
    number: int
    raw: list[Any]
    values: dict[str, Any]
    # (made on the first remark or note: most rows have none, and a 100,000-row file's rows are held at once)
    remarks: list[tuple[int | None, str]] | None = None
    notes: list[str] | None = None  # what its records' audit source says beyond its number

    def remark(self, column: int | None, text: str) -> None:
        """Something the user should know of this row (it is imported)."""
        if self.remarks is None:
            self.remarks = []
        self.remarks.append((column, text))

    def note(self, text: str) -> None:
        """What the audit source of this row's records says beyond its number (an amount converted)."""
        if self.notes is None:
            self.notes = []
        self.notes.append(text)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "org.name": parse.parse_text, "org.city": parse.parse_text, "org.typology": parse.parse_text,
    "org.company_id": parse.parse_company_id, "org.siret": parse.parse_siret, "org.siren": parse.parse_siren,
    "org.region": parse.parse_region, "org.department": parse.parse_department, "project.region": parse.parse_region,
    "project.acronym": parse.parse_text, "project.title": parse.parse_text, "project.reference": parse.parse_text,
    "project.call": parse.parse_text, "project.operator": parse.parse_text,
    "project.decision_on": parse.parse_day, "project.agreement_on": parse.parse_day,
    "project.start_on": parse.parse_day, "project.end_on": parse.parse_day, "project.period": parse.parse_period,
    "aid.grant": parse.parse_money, "aid.advance": parse.parse_money, "aid.total": parse.parse_money,
    "payment.amount": parse.parse_money, "payment.paid_on": parse.parse_day, "payment.reference": parse.parse_text,
    "org.rna": parse.parse_rna, "org.identifier": parse.parse_org_identifier,
    "project.identifier": parse.parse_project_identifier, "project.label": parse.parse_text,
    "aid.grant_total": parse.parse_money, "aid.share": parse.parse_share, "aid.part": parse.parse_aid_part,
    "aid.identifier": parse.parse_aid_identifier, "aid.currency": parse.parse_currency,
    "aid.disbursed": parse.parse_money, "aid.emerging": parse.parse_bool,
    "payment.grant": parse.parse_aid_identifier, "payment.identifier": parse.parse_aid_identifier,
    "payment.currency": parse.parse_currency,
}
_IDENTIFIER_PREFIX = re.compile(r"^\s*FR-(?:RCS|SIREN|SIRET)-", re.IGNORECASE)


def _columns(mapping: ColumnMapping) -> list[tuple[int, str, Callable[[Any], Any], bool]]:
    """(column, field, its parser, whether it is an amount) of each mapped column: looked up once per file."""
    return [(column, key, _PARSERS[key], key in MONEY_FIELDS) for column, key in mapping.columns.items()]


def _read_row(table: Table, columns: list[tuple[int, str, Callable[[Any], Any], bool]], number: int,
              raw: list[Any], untrusted: bool, rates: Mapping[str, Decimal] | None = None) -> _Row:
    row = _Row(number, raw, {})
    values = row.values
    formulas = untrusted and bool(table.formula_cells)
    width = len(raw)
    for column, key, parser, money in columns:
        value = raw[column] if column < width else None
        if formulas and (number, column) in table.formula_cells:
            if key == "aid.total":  # recomputed from the grant and the advance below, when the file has them
                values["aid.total_formula"] = column
            else:
                raise _RowError(column, tr("valeur calculée par une formule : la valeur enregistrée dans le fichier "
                                           "n'est pas vérifiable ; demandez le fichier avec des valeurs (collage "
                                           "spécial > valeurs)"))
        if value is None or (type(value) is str and is_blank(value)):
            continue
        if key == "org.company_id" and isinstance(value, str):
            value = _IDENTIFIER_PREFIX.sub("", value)
        try:
            parsed = parser(value)
        except parse.ForeignCurrency as exc:  # "£1,000": converted when the mapping gives the rate, else refused
            if not rates or exc.currency not in rates:
                raise _RowError(column, str(exc)) from None
            parsed = _converted(row, exc.cents, exc.currency, rates[exc.currency], column)
        except InvalidValue as exc:
            raise _RowError(column, str(exc)) from None
        except (ArithmeticError, ValueError, OverflowError):  # a number no parser can hold (a 30-digit amount)
            raise _RowError(column, tr("valeur illisible « {value} »", value=str(value)[:60])) from None
        if parsed is not None:
            if money and abs(parsed) >= MAX_CENTS:
                raise _RowError(column, tr("montant hors limites : {value}", value=str(value)[:60]))
            values[key] = parsed
    currency = values.get("aid.currency") or values.get("payment.currency")
    if currency and currency != "EUR":  # the row's amounts are in that currency: at the mapping's rate, or refused
        currency_column = next((c for c, k, *_ in columns if k in ("aid.currency", "payment.currency")), None)
        if not rates or currency not in rates:
            raise _RowError(currency_column, tr(
                "montants en {currency} : seuls les euros sont importés tels quels ; donnez le taux de change de "
                "cette devise dans la correspondance (« rates »)", currency=currency))
        for column_, key, _parser, money in columns:
            if money and key in values:
                values[key] = _converted(row, values[key], currency, rates[currency], column_)
    return row


def _converted(row: _Row, cents: int, currency: str, rate: Decimal, column: int | None) -> int:
    """An amount in another currency converted to euro cents at the mapping's rate (a half cent up); the original
    amount, its currency and the rate go into the row's audit source."""
    euros = share_of(cents, rate)
    note = tr("{amount} {currency} au taux de {rate}", amount=format_eur(cents, decimals=True, symbol=False),
              currency=currency, rate=str(rate))
    row.remark(column, tr("montant converti en euros : {note}", note=note))
    row.note(note)
    return euros


def _untitled(values: Mapping[str, Any]) -> str:
    """The title of a grant the file does not name: its decision's reference (if any) and its beneficiary."""
    siren, siret = values.get("org.company_id", (None, None))
    beneficiary = values.get("org.name") or values.get("org.siret") or siret or siren or ""
    reference = values.get("project.reference")
    if not reference:
        return tr("Aide à {beneficiary}", beneficiary=beneficiary)
    return tr("{reference} — {beneficiary}", reference=reference, beneficiary=beneficiary)


@dataclass(frozen=True)
class _Money:
    """A row's aid: ``grant`` and ``advance`` in cents, None where the file does not say (a column not mapped,
    or a total alone that does not say how it splits)."""

    grant: int | None
    advance: int | None
    total: int

    @property
    def funded(self) -> bool:
        return self.total > 0


def _money(row: _Row, column_of: Callable[[str], int | None]) -> _Money:
    grant = row.values.get("aid.grant")
    advance = row.values.get("aid.advance")
    total = row.values.get("aid.total")
    for key, amount in (("aid.grant", grant), ("aid.advance", advance), ("aid.total", total),
                        ("aid.grant_total", row.values.get("aid.grant_total"))):
        if amount is not None and amount < 0:
            raise _RowError(column_of(key), tr("montant négatif : une aide engagée est positive"))
    if "aid.grant_total" in row.values:  # SCDL: the grant's total and the beneficiary's share of it
        shared = share_of(row.values["aid.grant_total"], row.values.get("aid.share", Decimal(1)))
        return _Money(shared, None, shared)
    if "aid.share" in row.values:
        raise _RowError(column_of("aid.share"), tr("une part sans le montant total de la subvention qu'elle partage"))
    part = row.values.get("aid.part")
    if part is not None and grant is None and advance is None:  # 360Giving: a grant is one part of an aid
        amount = total or 0
        return _Money(amount, None, amount) if part == "subvention" else _Money(None, amount, amount)
    split = column_of("aid.grant") is not None or column_of("aid.advance") is not None
    if grant is None and advance is None:
        if "aid.total_formula" in row.values:
            raise _RowError(row.values["aid.total_formula"], tr(
                "montant calculé par une formule, sans subvention ni avance pour le vérifier"))
        if split:  # the file has grant and advance columns, both empty here: no aid
            return _Money(0, 0, 0)
        return _Money(None, None, total or 0)  # a total alone: a grant when created, compared when it exists
    if column_of("aid.grant") is not None:
        grant = grant or 0
    if column_of("aid.advance") is not None:
        advance = advance or 0
    known = (grant or 0) + (advance or 0)
    if total is not None and total != known and "aid.total_formula" not in row.values:
        raise _RowError(column_of("aid.total"), tr(
            "le montant total ({total}) n'est pas la somme de la subvention et de l'avance ({sum})",
            total=format_eur(total), sum=format_eur(known)))
    if "aid.total_formula" in row.values:
        row.remark(row.values["aid.total_formula"], tr(
            "total calculé par une formule : recalculé (subvention + avance), la valeur du fichier n'est pas lue"))
    return _Money(grant, advance, known)


def _names(values: dict[str, Any]) -> None:
    """A grant's acronym and title from "ACRONYME — Titre" and the title (the 360Giving export writes its title
    that way, the title alone as description); another publisher's title is the title."""
    label = values.get("project.label")
    if not label:
        return
    title = values.get("project.title")
    if title and label.endswith(" — " + title) and len(label) > len(title) + 3:
        values.setdefault("project.acronym", label[:-len(" — " + title)])
    else:
        values["project.title"] = label


def _rates_of(defaults: Mapping[str, Any]) -> dict[str, Decimal]:
    """The mapping's exchange rates ("rates": {"GBP": "1.1650"}: euros for one unit of that currency), checked."""
    rates = defaults.get("rates") or {}
    checked = {}
    for code, rate in rates.items() if isinstance(rates, dict) else [("", "")]:
        try:
            value = Decimal(str(rate))
        except ArithmeticError:
            value = Decimal(0)
        if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code)) or not value.is_finite() or value <= 0:
            raise PortfolioError(tr("La correspondance est invalide : « rates » associe des codes de devise (GBP) "
                                    "à leur taux en euros (\"1.1650\")."))
        checked[code] = value
    return checked


def _calls_of(defaults: Mapping[str, Any]) -> dict[str, str]:
    """The mapping's "calls" (a call named in the file -> the portfolio's call code), checked."""
    calls = defaults.get("calls") or {}
    if not isinstance(calls, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in calls.items()):
        raise PortfolioError(tr("La correspondance est invalide : « calls » doit associer des noms d'appels du "
                                "fichier à des codes d'appels."))
    return calls
