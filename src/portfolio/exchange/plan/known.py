"""What is already there: the records an import matches against, read once, and the planned ones indexed the
same way (``_Known``), with the typologies' folded names."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from portfolio.domain.dates import stored_date
from portfolio.domain.referential import fold

Append = Callable[[list[Any], Any], None]
Put = Callable[[Any, Any, Any], None]


class _Known:
    """The records an import matches against, read once (plain SQL: one pass per table), plus those the plan
    creates as it goes, indexed the same way."""

    def __init__(self, connection: Any) -> None:
        q = connection.execute
        self.regions = {str(code): i for i, code in q("SELECT id, code FROM region")}
        self.departments: dict[str, tuple[int, int]] = {}
        for i, code, region in q("SELECT id, code, region_id FROM department"):
            self.departments[str(code).lstrip("0")] = (i, region)  # '035', '35' and '01', '1' alike
        self.typologies: dict[str, int] = {}
        for i, code, label, list_label in q("SELECT id, code, label, list_label FROM typology"):
            for name in (code, label, list_label):  # the list's wording ("Établissements publics") too
                if name:
                    self.typologies[_typology_key(name)] = i
        self.calls: dict[str, int] = {}
        self.call_rows = q("SELECT id, code, label FROM call").fetchall()
        for i, code, label in self.call_rows:
            self.calls[fold(code)] = i
            self.calls[fold(label)] = i
        for i, scheme in q("SELECT id, aid_scheme_id FROM call WHERE aid_scheme_id <> ''"):
            self.calls.setdefault(fold(scheme), i)  # SCDL's dispositifAide
        self.status = {(e, c): i for i, e, c in q("SELECT id, entity, code FROM status")}
        self.orgs: dict[Any, dict[str, Any]] = {}  # key -> org values with "id"/"uuid"
        self.by_siret: dict[str, list[Any]] = defaultdict(list)
        self.by_siren: dict[str, list[Any]] = defaultdict(list)
        self.by_rna: dict[str, list[Any]] = defaultdict(list)
        self.by_foreign: dict[str, list[Any]] = defaultdict(list)
        self.by_uuid: dict[str, Any] = {}
        self.by_name: dict[tuple[str, Any], list[Any]] = defaultdict(list)
        self.by_name_only: dict[str, list[Any]] = defaultdict(list)
        for row in q("SELECT id, uuid, name, siren, siret, rna, foreign_id, typology_id, region_id, department_id, "
                     "city, name_key FROM organisation"):
            org = dict(zip(("id", "uuid", "name", "siren", "siret", "rna", "foreign_id", "typology_id", "region_id",
                            "department_id", "city", "name_key"), row, strict=True))
            self.add_org(org["id"], org)
        # (call, folded name) and (call, folded reference, folded name) -> application keys
        self.apps: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
        self.app_by_key: dict[Any, dict[str, Any]] = {}
        self.app_of_project: dict[str, Any] = {}  # a project's uuid -> its application's key
        for row in q("SELECT a.id, a.uuid, a.call_id, a.acronym, a.title, a.reference, a.lead_organisation_id, "
                     "p.id, p.uuid, p.decision_on, p.agreement_on, p.start_on, p.end_on FROM application a "
                     "LEFT JOIN project p ON p.application_id = a.id"):
            app = dict(zip(("id", "uuid", "call_id", "acronym", "title", "reference", "lead", "project_id",
                            "project_uuid", "decision_on", "agreement_on", "start_on", "end_on"), row, strict=True))
            for name in ("decision_on", "agreement_on", "start_on", "end_on"):  # SQLite keeps ISO text
                app[name] = stored_date(app[name])
            self.add_app(app["id"], app)
            if app["project_uuid"]:
                self.app_of_project[app["project_uuid"]] = app["id"]
                self.app_of_project[app["project_id"]] = app["id"]  # (by the project's id too)
        self.partners = {(a, o): (i, u, role) for i, u, a, o, role in q(
            "SELECT id, uuid, application_id, organisation_id, role FROM application_partner")}
        self.aids = {(p, o): {"id": i, "uuid": u, "grant_cents": g, "advance_cents": a, "emerging_actor": e}
                     for i, u, p, o, g, a, e in q("SELECT id, uuid, project_id, organisation_id, grant_cents, "
                                                  "advance_cents, emerging_actor FROM aid")}
        for aid in self.aids.values():  # (a boolean column reads back as 0/1 from SQLite)
            if aid["emerging_actor"] is not None:
                aid["emerging_actor"] = bool(aid["emerging_actor"])
        self.aid_by_uuid: dict[str, tuple[Any, Any]] = {a["uuid"]: key for key, a in self.aids.items()}
        self.projects_of_org: dict[Any, set[Any]] = defaultdict(set)
        for p, o in q("SELECT project_id, organisation_id FROM aid"):
            self.projects_of_org[o].add(p)
        self.payments = {(p, o, label, amount, str(paid)) for p, o, label, amount, paid in q(
            "SELECT project_id, organisation_id, label, amount_cents, paid_on FROM disbursement")}
        # paid tranches: by uuid (a 360Giving transaction we wrote) and by (project, organisation) with their part
        self.paid: dict[str, dict[str, Any]] = {}
        self.paid_of: dict[tuple[Any, Any], list[dict[str, Any]]] = defaultdict(list)
        for uuid, p, o, paid, amount, part in q("SELECT uuid, project_id, organisation_id, paid_on, amount_cents, "
                                                "aid_part FROM disbursement WHERE paid_on IS NOT NULL"):
            tranche = {"uuid": uuid, "paid_on": stored_date(paid), "amount_cents": amount, "aid_part": part}
            self.paid[uuid] = tranche
            self.paid_of[(p, o)].append(tranche)

    def add_org(self, key: Any, org: dict[str, Any], append: Append = list.append, put: Put = dict.__setitem__
                ) -> None:
        """Indexes an organisation (``append``/``put``: the planner's journaled operations, for records it plans)."""
        put(self.orgs, key, org)
        for index, value in ((self.by_siret, org.get("siret")), (self.by_siren, org.get("siren")),
                             (self.by_rna, org.get("rna")), (self.by_foreign, org.get("foreign_id"))):
            if value and key not in index[value]:
                append(index[value], key)
        if org.get("uuid"):
            put(self.by_uuid, org["uuid"], key)
        name = fold(org["name"] or "")  # (folded once: both indexes hold the same string)
        append(self.by_name[(name, org.get("department_id"))], key)
        append(self.by_name_only[name], key)

    def add_app(self, key: Any, app: dict[str, Any], append: Append = list.append, put: Put = dict.__setitem__
                ) -> None:
        """Indexes an application by call and name, and by call, reference and name."""
        reference = _folded(app.get("reference") or "")  # (each text folded once, the references shared)
        for text in (app.get("acronym"), app.get("title")):
            if text:
                name = fold(text)
                append(self.apps[(app["call_id"], name)], key)
                append(self.apps[(app["call_id"], reference, name)], key)
                if app.get("reference"):  # found by its reference and name in any call (a file that names none)
                    append(self.apps[(None, reference, name)], key)
        put(self.app_by_key, key, app)


@functools.lru_cache(maxsize=4096)
def _folded(reference: str) -> str:
    """A decision's reference folded: many applications share one (a council's decision funds many projects)."""
    return fold(reference)


@functools.lru_cache(maxsize=1024)  # a few typologies, named on every row
def _typology_key(text: str) -> str:
    # plurals and the words files add: "Établissements publics" -> "etablissement public"
    words = [w[:-1] if len(w) > 3 and w.endswith(("s", "x")) else w for w in fold(text).split()]
    return " ".join(w for w in words if w not in ("de", "du", "des", "et", "la", "le", "les", "d", "l"))


_TYPOLOGY_ALIASES = {
    "petite moyenne entreprise": "PME", "pme": "PME", "entreprise taille intermediaire": "ETI", "eti": "ETI",
    "grande entreprise": "GE", "etablissement public": "EPUB", "universite": "ESR", "organisme recherche": "ESR",
    "etablissement enseignement superieur recherche": "ESR", "etablissement sante": "ES", "association": "ASSO",
    "association loi 1901": "ASSO", "fondation": "FOND", "collectivite": "COLL", "collectivite territoriale": "COLL",
    "groupement interet public": "GIP", "gip": "GIP", "autre": "AUTRE",
}
