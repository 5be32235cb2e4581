"""What each entity's fields are and which values they accept: the rules the one door enforces.

The schema (``info`` on each column of db.models) is the single source: label, kind, required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Column, Table

from portfolio.db.models import ENTITIES, Record
from portfolio.domain.dates import as_date
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import language, tr
from portfolio.domain.identifiers import parse_org_id, parse_rna, parse_siren, parse_siret
from portfolio.domain.money import to_cents
from portfolio.domain.programme import AID_PARTS, PARTNER_ROLES

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[+0-9 ().\-\u00a0]{6,25}$")
MAX_TEXT = 10_000


class UnknownField(PortfolioError):
    """An entity or field name that the schema does not have."""


@dataclass(frozen=True)
class FieldSpec:
    """One editable column of an entity."""

    entity: str
    name: str
    label: str
    kind: str  # text, code, int, bool, money, date, siren, siret, rna, org_id, email, phone, role, aid_part,
    #            ref:<entity>, status:<entity>
    required: bool
    nullable: bool
    whole: bool = False  # the value is a whole number as it is (int, ref: and status: kinds)

    @property
    def target(self) -> str | None:
        """For ref:/status: kinds, the entity referred to."""
        if self.kind.startswith("ref:"):
            return self.kind[4:]
        if self.kind.startswith("status:"):
            return "status"
        return None


def model(entity: str) -> type[Record]:
    """The ORM class of an entity name, or UnknownField."""
    try:
        return ENTITIES[entity]
    except KeyError:
        raise UnknownField(tr("Type d'enregistrement inconnu : « {entity} ».", entity=entity)) from None


def entity_label(entity: str) -> str:
    """The French (or chosen language's) name of one record of an entity: "Structure", "Candidature"…"""
    return tr(model(entity).__label__)


def table(entity: str) -> Table:
    """The table of an entity."""
    # SQLAlchemy types a mapped class's __table__ as any FromClause (a join can be mapped); a model's is its Table
    return cast(Table, model(entity).__table__)


_SPECS: dict[tuple[str, str, str], FieldSpec] = {}  # (language, entity, name): an import asks millions of times


def _spec(entity: str, column: Column[Any]) -> FieldSpec:
    key = (language(), entity, column.name)
    spec = _SPECS.get(key)
    if spec is None:
        spec = _SPECS[key] = _make_spec(entity, column)
    return spec


def _make_spec(entity: str, column: Column[Any]) -> FieldSpec:
    info = column.info
    required = bool(info.get("required")) or (not column.nullable and column.default is None
                                               and column.server_default is None)
    kind = str(info["kind"])
    return FieldSpec(entity, column.name, tr(str(info["label"])), kind, required, bool(column.nullable),
                     whole=kind == "int" or kind.startswith(("ref:", "status:")))


def editable_fields(entity: str) -> list[FieldSpec]:
    """The entity's editable fields, in schema order."""
    return [_spec(entity, c) for c in table(entity).columns if "label" in c.info]


def field_spec(entity: str, name: str) -> FieldSpec:
    """One editable field, or UnknownField for a field that does not exist or cannot be edited."""
    column = table(entity).columns.get(name)
    if column is None or "label" not in column.info:
        raise UnknownField(tr("Le champ « {field} » n'existe pas ou n'est pas modifiable pour « {entity} ».",
                              field=name, entity=entity_label(entity)))
    return _spec(entity, column)


def normalise(spec: FieldSpec, value: Any) -> Any:
    """The stored form of ``value`` for a field, or InvalidValue naming the field and what is expected."""
    if spec.whole and type(value) is int:  # the most frequent case by far (ids), answered first
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if spec.required:
            raise InvalidValue(tr("« {label} » est obligatoire.", label=spec.label))
        if not spec.nullable and spec.kind in ("text", "email", "phone"):
            return ""
        if not spec.nullable:
            raise InvalidValue(tr("« {label} » est obligatoire.", label=spec.label))
        return None
    try:
        return _normalise(spec, value)
    except InvalidValue as exc:
        raise InvalidValue(tr("{label} : {reason}", label=spec.label, reason=exc)) from exc


def _normalise(spec: FieldSpec, value: Any) -> Any:
    return _NORMALISERS[spec.kind](spec, value)


def _as_text(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue(tr("un texte est attendu."))
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise InvalidValue(tr("le texte dépasse {n} caractères.", n=MAX_TEXT))
    kind = spec.kind
    if kind == "text":
        return text
    if spec.required and not text:
        raise InvalidValue(tr("une valeur est obligatoire."))
    if kind == "email" and text and not _EMAIL.match(text):
        raise InvalidValue(tr("« {value} » n'est pas une adresse électronique.", value=text))
    if kind == "phone" and text and not _PHONE.match(text):
        raise InvalidValue(tr("« {value} » n'est pas un numéro de téléphone.", value=text))
    if kind == "role" and text not in PARTNER_ROLES:
        raise InvalidValue(tr("le rôle doit être l'un de : {roles}.", roles=", ".join(PARTNER_ROLES)))
    if kind == "aid_part" and text not in AID_PARTS:
        raise InvalidValue(tr("la part versée doit être l'une de : {parts}.", parts=", ".join(AID_PARTS)))
    if kind == "code" and not text:
        raise InvalidValue(tr("un code est obligatoire."))
    return text


def _as_money(_spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise InvalidValue(tr("un montant en centimes (entier) est attendu."))
    cents = value if isinstance(value, int) else to_cents(value)
    if cents < 0:
        raise InvalidValue(tr("un montant ne peut pas être négatif."))
    return cents


def _as_date(_spec: FieldSpec, value: Any) -> date:
    if not isinstance(value, date | datetime | str):
        raise InvalidValue(tr("une date est attendue."))
    return as_date(value)


def _as_bool(_spec: FieldSpec, value: Any) -> bool:
    if type(value) is int and value in (0, 1):  # as SQLite stores it
        return bool(value)
    if not isinstance(value, bool):
        raise InvalidValue(tr("oui ou non est attendu."))
    return value


def _as_int(_spec: FieldSpec, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(tr("un nombre entier est attendu."))
    return value


class _Normalisers(dict[str, Any]):
    """Each kind of field's normaliser, looked up once per value (an import normalises millions): ref:<entity>
    and status:<entity> kinds are whole numbers, filled in on first sight."""

    def __missing__(self, kind: str) -> Any:
        if not kind.startswith(("ref:", "status:")):
            raise AssertionError(f"unknown field kind {kind!r}")  # pragma: no cover - a schema error
        self[kind] = _as_int
        return _as_int


_NORMALISERS = _Normalisers({
    "text": _as_text, "code": _as_text, "email": _as_text, "phone": _as_text, "role": _as_text, "aid_part": _as_text,
    "siren": lambda _spec, value: parse_siren(str(value)), "siret": lambda _spec, value: parse_siret(str(value)),
    "rna": lambda _spec, value: parse_rna(str(value)), "org_id": lambda _spec, value: parse_org_id(str(value)),
    "money": _as_money, "date": _as_date, "bool": _as_bool, "int": _as_int,
})


def to_json(value: Any) -> Any:
    """A stored value as a JSON-ready value (dates as ISO text)."""
    if isinstance(value, date):
        return value.isoformat()
    return value


def from_json(spec: FieldSpec, value: Any) -> Any:
    """The inverse of to_json for a field."""
    if value is not None and spec.kind == "date":
        return date.fromisoformat(value)
    return value
