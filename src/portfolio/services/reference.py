"""The reference tables' seed values, written through the door when a database is created."""

from __future__ import annotations

import uuid as uuid_module

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portfolio.db.models import Region
from portfolio.db.store import Store
from portfolio.domain import programme as prog
from portfolio.domain.referential import DEPARTMENTS, REGIONS

from .changes import Change, Create, apply_in_session

SEED_SOURCE = "initialisation"
# Reference records get UUIDs derived from their codes, so that every database knows the same region
# or call under the same UUID and agencies' workbooks stay valid across databases.
_NAMESPACE = uuid_module.UUID("6f1d3c2e-5a7b-4c8d-9e0f-53415a4e2021")


def reference_uuid(entity: str, code: str) -> str:
    """The stable UUID of a reference record (same in every database)."""
    return str(uuid_module.uuid5(_NAMESPACE, f"{entity}:{code}"))


def reference_changes() -> list[Change]:
    """Creations of every seed reference record, with fixed ids so that records can refer to them."""
    changes: list[Change] = []

    def add(entity: str, key: str, record_id: int, /, **values: object) -> None:
        changes.append(Create(entity, reference_uuid(entity, key), values, record_id))

    add("programme", prog.PROGRAMME_CODE, 1, code=prog.PROGRAMME_CODE, label=prog.PROGRAMME_LABEL,
        budget_cents=718 * 100_000_000)
    axis_ids = {a.code: i for i, a in enumerate(prog.AXES, start=1)}
    for axis in prog.AXES:
        add("axis", axis.code, axis_ids[axis.code], programme_id=1, code=axis.code, label=axis.label,
            sort_order=axis_ids[axis.code])
    action_ids = {a.code: i for i, a in enumerate(prog.ACTIONS, start=1)}
    for action in prog.ACTIONS:
        add("action", action.code, action_ids[action.code], axis_id=axis_ids[action.axis_code], code=action.code,
            label=action.label, sort_order=action_ids[action.code], f2030_objective=prog.F2030_OBJECTIVE,
            f2030_nomenclature=prog.F2030_NOMENCLATURE)
    operator_ids = {o.code: i for i, o in enumerate(prog.OPERATORS, start=1)}
    for operator in prog.OPERATORS:
        add("operator", operator.code, operator_ids[operator.code], code=operator.code, label=operator.label,
            sort_order=operator_ids[operator.code], siret=operator.siret)
    for index, call in enumerate(prog.CALLS, start=1):
        add("call", call.code, index, code=call.code, label=call.label, kind=call.kind,
            action_id=action_ids[call.action_code], operator_id=operator_ids[call.operator_code], wave=call.wave,
            stage=call.stage, opens_on=call.opens_on, closes_on=call.closes_on, budget_cents=call.budget_cents)
    status_ids = {(s.entity, s.code): i for i, s in enumerate(prog.STATUSES, start=1)}
    for status in prog.STATUSES:
        add("status", f"{status.entity}.{status.code}", status_ids[(status.entity, status.code)],
            entity=status.entity, code=status.code, label=status.label, is_final=status.is_final,
            sort_order=status_ids[(status.entity, status.code)])
    for index, (entity, source, target) in enumerate(prog.TRANSITIONS, start=1):
        add("status_transition", f"{entity}.{source}>{target}", index,
            from_status_id=status_ids[(entity, source)], to_status_id=status_ids[(entity, target)])
    region_ids = {r.code: i for i, r in enumerate(REGIONS, start=1)}
    for region in REGIONS:
        add("region", region.code, region_ids[region.code], code=region.code, iso_code=region.iso,
            name=region.name, abbreviations="; ".join(region.abbreviations), overseas=region.overseas)
    for index, department in enumerate(DEPARTMENTS, start=1):
        add("department", department.code, index, code=department.code, name=department.name,
            region_id=region_ids[department.region_code])
    for index, typology in enumerate(prog.TYPOLOGIES, start=1):
        add("typology", typology.code, index, code=typology.code, label=typology.label,
            is_company=typology.is_company, sort_order=index, list_label=typology.list_label)
    return changes


def seed_if_empty(db: Store) -> bool:
    """Writes the reference tables into a new database (a no-op when they are there). True if it wrote."""
    with db.read() as session:  # the usual case, without taking the write lock another process may hold
        if not needs_seed(session):
            return False
    with db.write() as session:
        if not needs_seed(session):
            return False
        apply_in_session(session, reference_changes(), source=SEED_SOURCE)
        return True


def needs_seed(session: Session) -> bool:
    """True while the reference tables are empty."""
    return session.execute(select(func.count()).select_from(Region)).scalar_one() == 0
