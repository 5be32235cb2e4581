"""The planner: row after row, each organisation, application, project, aid and payment matched against what is
already there (and what earlier rows planned), or planned as new; a row that fails is taken back whole. Then
``make_plan``, which runs it in one read transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from portfolio.db.models import new_uuid
from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.identifiers import siren_of
from portfolio.domain.money import format_eur
from portfolio.domain.referential import fold
from portfolio.services import fields
from portfolio.services.audit import last_seq

from .. import values as parse
from ..mapping import ColumnMapping
from ..table import Table
from .known import _TYPOLOGY_ALIASES, _Known, _typology_key
from .model import (
    Cancelled,
    ImportCancelled,
    ImportPlan,
    NewRecord,
    Progress,
    Ref,
    Rejection,
    Update,
    few_collections,
)
from .rows import (
    _calls_of,
    _columns,
    _Money,
    _money,
    _names,
    _rates_of,
    _read_row,
    _Row,
    _RowError,
    _untitled,
)

# the import field a record's field comes from (to name the column of a refused value)
_FIELD_COLUMNS: dict[tuple[str, str], tuple[str, ...]] = {
    ("organisation", "name"): ("org.name",), ("organisation", "siret"): ("org.siret", "org.company_id"),
    ("organisation", "siren"): ("org.siren", "org.company_id", "org.siret"), ("organisation", "city"): ("org.city",),
    ("application", "title"): ("project.title", "project.acronym", "project.reference"),
    ("application", "acronym"): ("project.acronym",), ("application", "reference"): ("project.reference",),
    ("aid", "grant_cents"): ("aid.grant", "aid.total"), ("aid", "advance_cents"): ("aid.advance",),
    ("disbursement", "amount_cents"): ("payment.amount",), ("disbursement", "label"): ("payment.reference",),
    ("disbursement", "paid_on"): ("payment.paid_on",),
}


# the records a later row may complete (an organisation's missing values, an aid's other part): the only ones the
# planner looks up by uuid
_COMPLETED = frozenset({"organisation", "aid"})
_CONSUMED: tuple[int, list[Any]] = (0, [])  # a table row already planned (``consume``): its values dropped


class _GroupRowError(Exception):
    """One row of a project group fails: the group is planned again without it."""

    def __init__(self, row: _Row, error: _RowError) -> None:
        super().__init__(error.reason)
        self.row = row
        self.error = error


# --- the planner ---------------------------------------------------------------------------------


class _Planner:
    """Plans row after row. Every change to its state goes through a journal, so that a row (or a project's
    group of rows) that fails is taken back whole: nothing of a rejected row is ever written."""

    def __init__(self, connection: Any, table: Table, mapping: ColumnMapping, plan: ImportPlan,
                 untrusted: bool) -> None:
        self.known = _Known(connection)
        self.table = table
        self.mapping = mapping
        self.plan = plan
        self.untrusted = untrusted
        self.consume = False  # the table's rows are dropped as they are read (make_plan's ``consume``)
        self.rates = _rates_of(mapping.defaults)
        # (project, organisation) -> (part, its row)…
        self.aid_parts: dict[tuple[Any, Any], tuple[tuple[str, int], ...]] = {}
        self.planned_aids: dict[tuple[Any, Any], NewRecord] = {}  # the aids the plan creates
        self.identified: dict[str, tuple[Any, Any]] = {}  # an aid's uuid in the file -> (project, organisation)
        self.disbursed: list[tuple[_Row, Any, Any, str | None, int]] = []  # rows stating an amount paid
        self.paid_planned: dict[tuple[Any, Any, str | None], int] = {}  # payments the file gives, per aid and part
        self.matched_tranches: dict[str, int] = {}  # recorded tranches a transaction of the file found again
        self.grants_table, self.grants_mapping = table, mapping
        self.pending: dict[tuple[str, str], dict[str, Any]] = {}  # updates planned, per record
        self.stated: dict[tuple[str, str, str], tuple[Any, int]] = {}  # what the file says of a field, and where
        self.new: dict[str, NewRecord] = {}  # the organisations and aids planned, by uuid (_COMPLETED)
        self.specs: dict[str, dict[str, fields.FieldSpec]] = {}  # entity -> its fields by name
        self.seen_payments: dict[tuple[Any, ...], int] = {}
        self.journal: list[Callable[[], None]] = []
        self.column = {key: column for column, key in reversed(mapping.columns.items())}.get  # the first one
        self.named_calls: dict[str, int | None] = {}  # a call as the file names it -> its id
        mapped = set(mapping.columns.values())
        self.kind = ("payment" if any(k.startswith("payment.") for k in mapped)
                     else "project" if any(k.startswith(("project.", "aid.")) for k in mapped)
                     else "organisation")

    # --- the journal ---

    def mark(self) -> tuple[int, int, int, int]:
        return len(self.journal), len(self.plan.creates), len(self.plan.updates), len(self.plan.flagged)

    def commit(self, mark: tuple[int, int, int, int]) -> None:
        """The row (or group) planned since ``mark`` stays: its undo entries are dropped (kept, they would hold a
        closure for every value of the file)."""
        del self.journal[mark[0]:]

    def rollback(self, mark: tuple[int, int, int, int]) -> None:
        journal, creates, updates, flagged = mark
        while len(self.journal) > journal:
            self.journal.pop()()
        del self.plan.creates[creates:]
        del self.plan.updates[updates:]
        del self.plan.flagged[flagged:]

    def _set(self, mapping: Any, key: Any, value: Any) -> None:
        if key in mapping:
            old = mapping[key]
            self.journal.append(lambda: mapping.__setitem__(key, old))
        else:
            self.journal.append(lambda: mapping.pop(key, None))
        mapping[key] = value

    def _put(self, record: NewRecord, name: str, value: Any) -> None:
        """``_set`` for a value of a record the plan creates."""
        old = record.put(name, value)
        self.journal.append(lambda: record.put(name, old))

    def _append(self, items: list[Any], item: Any) -> None:
        items.append(item)
        self.journal.append(items.pop)  # taken back in reverse order: the last one appended is popped

    def _index_org(self, key: Any, values: Mapping[str, Any]) -> None:
        """Finds an organisation by identifiers the plan gives it, from the next row on."""
        known = self.known
        for index, value in ((known.by_siret, values.get("siret")), (known.by_siren, values.get("siren")),
                             (known.by_rna, values.get("rna")), (known.by_foreign, values.get("foreign_id"))):
            if value and key not in index[value]:
                self._append(index[value], key)

    # --- helpers ---

    def reject(self, number: int, raw: list[Any], column: int | None, reason: str) -> None:
        header = self.table.headers[column] if column is not None and column < len(self.table.headers) else None
        self.plan.rejected.append(Rejection(self.table.sheet, number, header, reason, list(raw)))

    def remark(self, row: _Row) -> None:
        """Keeps the row's remarks (it is imported, with something the user should know), and what its records'
        audit source says of it beyond its number (an amount converted)."""
        for column, remark in row.remarks or ():
            header = self.table.headers[column] if column is not None else None
            self.plan.flagged.append(Rejection(self.table.sheet, row.number, header, remark))
        if row.notes:
            self._set(self.plan.row_notes, (self.table.sheet, row.number), "; ".join(row.notes))

    def column_of(self, entity: str, name: str) -> int | None:
        for key in _FIELD_COLUMNS.get((entity, name), ()):
            column = self.mapping.column_of(key)
            if column is not None:
                return column
        return None

    def _checked(self, entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values in the form the door stores them (``fields.normalise``), or the row refused now for a
        value the door would refuse (a SIREN failing its check, a text too long): applying a plan must never
        fail on a value. The door trusts these (``Create.checked``) rather than normalising them again."""
        specs = self.specs.get(entity)
        if specs is None:
            specs = self.specs[entity] = {spec.name: spec for spec in fields.editable_fields(entity)}
        checked = {}
        for name, value in values.items():
            if value is not None and type(value) is not Ref:
                spec = specs.get(name) or fields.field_spec(entity, name)  # UnknownField for a name it lacks
                try:
                    value = fields.normalise(spec, value)
                except InvalidValue as exc:
                    raise _RowError(self.column_of(entity, name), str(exc)) from None
            checked[name] = value
        return checked

    def create(self, entity: str, values: dict[str, Any], row: int, uuid: str | None = None) -> Ref:
        """Plans a new record (with ``uuid`` when the file gives the record's own: a file this portfolio wrote)."""
        values = self._checked(entity, values)
        record = NewRecord(entity, uuid or new_uuid(), values, row,
                           tuple(k for k, v in values.items() if type(v) is Ref))
        self.plan.creates.append(record)
        if entity in _COMPLETED:  # (the others are never looked up: not indexed, 200,000 entries fewer)
            self._set(self.new, record.uuid, record)
        return Ref(entity, record.uuid)

    def state(self, entity: str, uuid: str, record: str, name: str, value: Any, row: int) -> None:
        """Notes what this row says of a field; another row of the file saying otherwise is refused (whatever is
        stored: a file contradicting itself would change the data again at each import)."""
        said = self.stated.get((entity, uuid, name))
        if said is None:
            self._set(self.stated, (entity, uuid, name), (value, row))
        elif said[0] != value:
            raise _RowError(None, tr("la ligne {first} du même fichier donne une autre valeur à « {field} » de "
                                     "{record}", first=said[1], field=fields.field_spec(entity, name).label,
                                     record=record))

    def update(self, entity: str, uuid: str, record: str, current: Mapping[str, Any], new: Mapping[str, Any],
               row: int) -> bool:
        """Plans the fields of ``new`` that differ from ``current``; True when something changes."""
        new = self._checked(entity, new)
        changed = False
        for name, value in new.items():
            if value is None:
                continue
            self.state(entity, uuid, record, name, value, row)
            if current.get(name) == value:
                continue
            pending = self.pending.setdefault((entity, uuid), {})
            if name in pending:
                continue  # planned by an earlier row, with the same value (state() refused any other)
            self._set(pending, name, value)
            self.plan.updates.append(Update(entity, uuid, record, name, current.get(name), value))
            if (entity, uuid) not in self.plan.update_rows:
                self._set(self.plan.update_rows, (entity, uuid), row)
            changed = True
        return changed

    # --- organisations ---

    def organisation(self, row: _Row) -> tuple[Any, bool]:
        """The row's organisation: (key, changed). Key: an existing id, or the Ref of a record the plan creates."""
        v = row.values
        identifier: parse.OrgIdentifier = v.get("org.identifier") or parse.OrgIdentifier()
        siren, siret = v.get("org.company_id", (identifier.siren, identifier.siret))
        siret = v.get("org.siret", siret)
        rna = v.get("org.rna", identifier.rna)
        foreign = identifier.foreign_id
        if v.get("org.siren") and siren and v["org.siren"] != siren:
            raise _RowError(self.mapping.column_of("org.siren"), tr(
                "le SIREN {siren} n'est pas celui du SIRET {siret}", siren=v["org.siren"], siret=siret))
        siren = v.get("org.siren", siren) or (siren_of(siret) if siret else None)
        if siren and siret and siren_of(siret) != siren:
            raise _RowError(self.mapping.column_of("org.siret"), tr(
                "le SIRET {siret} n'appartient pas au SIREN {siren}", siren=siren, siret=siret))
        department = region = None
        if "org.department" in v:
            department, region = self.known.departments.get(str(v["org.department"]).lstrip("0"), (None, None))
            if department is None:
                raise _RowError(self.mapping.column_of("org.department"),
                                tr("département inconnu « {value} »", value=v["org.department"]))
        # the organisation's region; or the project's (the France 2030 list: where the project is located), which
        # only completes an organisation without a region: the same company has projects in several regions
        soft = "org.region" not in v and "project.region" in v
        region_key = "project.region" if soft else "org.region"
        if region_key in v:
            of_department = region
            region = self.known.regions.get(v[region_key])
            if region is None:
                raise _RowError(self.mapping.column_of(region_key),
                                tr("région inconnue « {value} »", value=v[region_key]))
            if of_department is not None and of_department != region:
                if soft:
                    row.remark(self.mapping.column_of(region_key), tr(
                        "région du projet différente de celle du département du siège : la structure prend la "
                        "région de son siège, celle du projet n'est pas enregistrée"))
                    region = of_department  # the head office's department says where the organisation is
                else:
                    row.remark(self.mapping.column_of(region_key), tr(
                        "la région du fichier n'est pas celle du département du siège : la région du fichier est "
                        "gardée"))
        typology = None
        if "org.typology" in v:
            key = _typology_key(v["org.typology"])
            typology = self.known.typologies.get(key)
            if typology is None and key in _TYPOLOGY_ALIASES:
                typology = self.known.typologies.get(_typology_key(_TYPOLOGY_ALIASES[key]))
            if typology is None:
                raise _RowError(self.mapping.column_of("org.typology"), tr(
                    "typologie inconnue « {value} » : corrigez-la ou retirez la colonne de la correspondance",
                    value=v["org.typology"]))
        name = v.get("org.name")
        if identifier.uuid is not None and identifier.uuid in self.known.by_uuid:  # a record this portfolio wrote
            candidates = [self.known.by_uuid[identifier.uuid]]
        else:
            candidates = self._match_org(siret, siren, name, department, rna, foreign)
        if len(candidates) > 1:
            names = "; ".join(self._org_label(c) for c in candidates[:5])
            raise _RowError(None, tr("plusieurs structures correspondent ({names}) : rien n'est deviné, "
                                     "complétez le SIRET dans le fichier ou fusionnez les structures", names=names))
        values = {"siren": siren, "siret": siret, "rna": rna, "foreign_id": foreign, "typology_id": typology,
                  "region_id": region, "department_id": department, "city": v.get("org.city")}
        if candidates:
            key = candidates[0]
            org = self.known.orgs[key]
            if soft and org.get("region_id"):
                values["region_id"] = None  # a project's region never changes an organisation's
            if org.get("siret") and siret and org["siret"] != siret:
                # matched by SIREN: another establishment of the same company; the organisation keeps its SIRET
                row.remark(self.mapping.column_of("org.siret") or self.mapping.column_of("org.company_id"),
                                    tr("SIRET {siret} : un autre établissement de « {name} », qui garde son SIRET "
                                       "{kept}", siret=siret, name=org["name"], kept=org["siret"]))
                values["siret"] = None
            if isinstance(key, Ref):  # created by an earlier row: complete it, never contradict it
                values = self._checked("organisation", values)
                for name_, value in values.items():
                    if value is not None and org.get(name_) not in (None, "", value):
                        raise _RowError(None, tr("la structure « {name} » est décrite autrement ligne {row}",
                                                 name=org["name"], row=self.new[key.uuid].source_row))
                for name_, value in values.items():
                    if value is not None and org.get(name_) in (None, ""):
                        self._set(org, name_, value)
                        self._put(self.new[key.uuid], name_, value)
                self._index_org(key, values)
                return key, False
            changed = self.update("organisation", org["uuid"], org["name"], org, values, row.number)
            self._index_org(key, values)
            return key, changed
        if not name:
            raise _RowError(self.mapping.column_of("org.name"), tr(
                "structure introuvable (SIRET {siret}) et sans raison sociale pour la créer",
                siret=siret or siren or "—"))
        created = {k: val for k, val in values.items() if val is not None}
        created["name"] = name
        created.setdefault("city", "")
        ref = self.create("organisation", created, row.number, identifier.uuid)
        self.known.add_org(ref, {**created, "uuid": ref.uuid}, self._append, self._set)
        return ref, True

    def _match_org(self, siret: str | None, siren: str | None, name: str | None, department: Any,
                   rna: str | None = None, foreign: str | None = None) -> list[Any]:
        known = self.known
        if siret and known.by_siret.get(siret):
            return list(dict.fromkeys(known.by_siret[siret]))
        if siren and known.by_siren.get(siren):
            return list(dict.fromkeys(known.by_siren[siren]))
        for index, value in ((known.by_rna, rna), (known.by_foreign, foreign)):
            if value and index.get(value):
                return list(dict.fromkeys(index[value]))
        if name:
            # the same name in the same department, or in an organisation whose department is not known yet
            folded = fold(name)
            found = known.by_name.get((folded, department)) or known.by_name.get((folded, None), [])
            if not found and department is None:  # no department in the file: the name alone, if unique
                found = known.by_name_only.get(folded, [])
            # a name matching an organisation with another SIREN is another organisation (their SIREN or SIRET
            # was checked above: a candidate with one of its own is another company)
            return [k for k in dict.fromkeys(found)
                    if not ((siren and known.orgs[k].get("siren")) or (siret and known.orgs[k].get("siret"))
                            or (rna and known.orgs[k].get("rna")) or (foreign and known.orgs[k].get("foreign_id")))]
        return []

    def _org_label(self, key: Any) -> str:
        org = self.known.orgs[key]
        return f"{org['name']} ({org.get('siret') or org.get('siren') or '—'})"

    # --- projects ---

    def call(self, row: _Row) -> int:
        named = row.values.get("project.call")
        defaults = self.mapping.defaults
        if named:
            if named in self.named_calls:
                call = self.named_calls[named]
            else:
                chosen = _calls_of(defaults).get(named)
                call = self.known.calls.get(fold(chosen)) if chosen else self.known.calls.get(fold(named))
                self.named_calls[named] = call
            if call is None and defaults.get("call"):
                call = self.known.calls.get(fold(str(defaults["call"])))
                if call is not None:
                    row.remark(self.mapping.column_of("project.call"), tr(
                        "appel « {value} » inconnu : rattaché à l'appel par défaut {default}", value=named,
                        default=defaults["call"]))
            if call is None:
                raise _RowError(self.mapping.column_of("project.call"), tr(
                    "appel à projets inconnu « {value} » : associez-le à un appel dans la correspondance "
                    "(ou choisissez un appel par défaut)", value=named))
            return call
        if defaults.get("call"):
            call = self.known.calls.get(fold(str(defaults["call"])))
            if call is not None:
                return call
            raise _RowError(None, tr("l'appel par défaut « {value} » n'existe pas", value=defaults["call"]))
        raise _RowError(None, tr("aucun appel à projets : la correspondance doit indiquer la colonne de l'appel ou "
                                 "un appel par défaut"))

    def _known_app(self, row: _Row) -> Any | None:
        """The application of the project a row's identifiers name (a file this portfolio wrote), if known here."""
        v = row.values
        project = v.get("project.identifier")
        if project and project.startswith("uuid:") and project[5:] in self.known.app_of_project:
            return self.known.app_of_project[project[5:]]
        aid: parse.AidIdentifier | None = v.get("aid.identifier")
        if aid is not None and aid.uuid in self.known.aid_by_uuid:
            return self.known.app_of_project.get(self.known.aid_by_uuid[aid.uuid][0])
        reference = v.get("project.reference")
        if reference and not v.get("project.call"):  # a file that does not name the call (SCDL): its reference
            for text in (v.get("project.acronym"), v.get("project.title")):
                found = set(self.known.apps.get((None, fold(reference), fold(text)), [])) if text else set()
                if len(found) == 1:
                    return found.pop()
        return None

    def project_rows(self, rows: list[_Row], progress: Progress | None, cancelled: Cancelled | None) -> None:
        groups: dict[tuple[Any, ...], list[tuple[_Row, int]]] = {}
        for row in rows:
            _names(row.values)
            app = self._known_app(row)
            try:
                call = self.known.app_by_key[app]["call_id"] if app is not None else self.call(row)
            except _RowError as exc:
                self.reject(row.number, row.raw, exc.column, exc.reason)
                continue
            named = row.values.get("project.acronym") or row.values.get("project.title")
            reference = row.values.get("project.reference")
            project = row.values.get("project.identifier")
            # rows of one project: those its identifiers name (a file this portfolio wrote), or that share the
            # project's identifier, or its name (and its decision's reference when there is one); a row without a
            # project name is a grant of its own, named after its reference and its beneficiary
            if app is not None:
                key: tuple[Any, ...] = ("application", app)
            elif project:
                key = ("project", call, project)
            else:
                key = (call, fold(reference or ""), fold(named or _untitled(row.values)))
            groups.setdefault(key, []).append((row, call))
        total = len(rows)
        rows.clear()  # the groups hold the rows now, and each group's are dropped once planned
        done = 0
        for key in list(groups):
            members = groups.pop(key)
            if cancelled and cancelled():
                raise ImportCancelled(tr("Import annulé : rien n'a été écrit."))
            self.project_group([row for row, _ in members], members[0][1])
            done += len(members)
            if progress and done % 500 < len(members):
                progress(0.5 + 0.5 * done / max(total, 1), tr("Rapprochement des projets…"))

    def project_group(self, rows: list[_Row], call: int) -> None:
        """Plans one project's rows; a row that fails is rejected and the group planned again without it, a
        failure of the group as a whole rejects every row: nothing of a rejected row stays in the plan."""
        while rows:
            mark = self.mark()
            try:
                unchanged = self._plan_group(rows, call)
            except _GroupRowError as failed:
                self.rollback(mark)
                self.reject(failed.row.number, failed.row.raw, failed.error.column, failed.error.reason)
                rows = [row for row in rows if row is not failed.row]
                continue
            except _RowError as exc:
                self.rollback(mark)
                for row in rows:
                    self.reject(row.number, row.raw, exc.column, exc.reason)
                return
            self.commit(mark)
            self.plan.unchanged += unchanged
            return

    def _plan_group(self, rows: list[_Row], call: int) -> int:
        """Plans the group; returns how many of its rows change nothing. _GroupRowError names a failing row."""
        accepted: list[tuple[_Row, Any, _Money, bool]] = []  # row, organisation key, aid, organisation changed
        for row in rows:
            try:
                money = _money(row, self.column)
                key, changed = self.organisation(row)
            except _RowError as exc:
                raise _GroupRowError(row, exc) from None
            accepted.append((row, key, money, changed))
        self._check_shares(accepted)
        first = accepted[0][0]
        acronym = first.values.get("project.acronym") or ""
        title = first.values.get("project.title") or acronym or _untitled(first.values)
        if len(acronym) > 64:
            acronym = ""
        start, end = first.values.get("project.period", (None, None))
        project_values = {"decision_on": first.values.get("project.decision_on"),
                          "agreement_on": first.values.get("project.agreement_on"),
                          "start_on": first.values.get("project.start_on", start),
                          "end_on": first.values.get("project.end_on", end)}
        reference = first.values.get("project.reference") or ""
        app = self._known_app(first)
        project_uuid = first.values.get("project.identifier") or ""
        existing = [app] if app is not None else (
            None if project_uuid.startswith("uuid:") else self._match_app(call, reference, acronym, title))
        if existing is not None and len(existing) > 1:
            raise _RowError(None, tr("plusieurs candidatures de cet appel portent ce nom : rien n'est deviné, "
                                     "précisez l'acronyme"))
        funded = [a for a in accepted if a[2].funded]
        if existing:
            app = self.known.app_by_key[existing[0]]
            lead_key = app.get("lead")  # an existing consortium keeps its lead
        else:
            lead_key = (funded or accepted)[0][1]
        app_id, project_key, changed_rows = self._application(
            accepted, call, lead_key, acronym, title, project_values, existing,
            project_uuid[5:] if project_uuid.startswith("uuid:") else None)
        for row, key, money, _changed in accepted:
            if money.funded or key == lead_key:
                role = "chef_de_file" if key == lead_key else "partenaire"
            else:
                role = "partenaire_non_finance"
            try:
                if money.funded and self._aid(project_key, key, money, row):
                    changed_rows.add(row.number)
            except _RowError as exc:
                raise _GroupRowError(row, exc) from None
            if self._partner(app_id, key, role, row.number):
                changed_rows.add(row.number)
        for row, *_ in accepted:
            self.remark(row)
        return sum(1 for row, *_ in accepted if row.number not in changed_rows)

    def _application(self, accepted: list[tuple[_Row, Any, _Money, bool]], call: int, lead_key: Any, acronym: str,
                     title: str | None, project_values: dict[str, Any], existing: list[Any] | None,
                     project_uuid: str | None = None) -> tuple[Any, Any, set[int]]:
        """The group's application and project, found or planned: (application key, project key, changed rows)."""
        first = accepted[0][0]
        changed_rows: set[int] = {row.number for row, _, _, changed in accepted if changed}
        if existing:
            app = self.known.app_by_key[existing[0]]
            app_id: Any = existing[0]
            if app.get("project_id") is None:
                project = self.create("project", {"application_id": app_id, "status_id": self._status(
                    "project", "laureat"), **{k: v for k, v in project_values.items() if v is not None}},
                    first.number)
                self._set(app, "project_id", project)
                changed_rows.add(first.number)
            elif isinstance(app.get("project_id"), int):
                label = app.get("acronym") or app["title"]  # (an application's title is required)
                if self.update("project", app["project_uuid"], label, app, project_values, first.number):
                    changed_rows.add(first.number)
            reference = first.values.get("project.reference")
            if reference and not app.get("reference") and isinstance(app_id, int):  # recorded without one
                label = app.get("acronym") or app["title"]
                if self.update("application", app["uuid"], label, app, {"reference": reference}, first.number):
                    changed_rows.add(first.number)
            return app_id, app["project_id"], changed_rows
        project_values = self._checked("project", project_values)  # before the application: both or neither
        app_ref = self.create("application", {
            "call_id": call, "lead_organisation_id": lead_key, "title": title, "acronym": acronym,
            "reference": first.values.get("project.reference") or "",
            "requested_cents": sum(money.total for _, _, money, _ in accepted) or None,
            "status_id": self._status("application", "laureate")}, first.number)
        project_key = self.create("project", {"application_id": app_ref, "status_id": self._status(
            "project", "laureat"), **{k: v for k, v in project_values.items() if v is not None}}, first.number,
            project_uuid)
        self.known.add_app(app_ref, {"id": app_ref, "call_id": call, "acronym": acronym, "title": title,
                                     "reference": first.values.get("project.reference") or "",
                                     "lead": lead_key, "project_id": project_key}, self._append, self._set)
        changed_rows |= {row.number for row, *_ in accepted}
        return app_ref, project_key, changed_rows

    def _match_app(self, call: int, reference: str, acronym: str, title: str | None) -> list[Any] | None:
        """Applications of the call with this name, and this reference when the file gives references (one
        council decision funds many projects; one project name may come back in another year's decision)."""
        has_references = self.mapping.column_of("project.reference") is not None
        for text in (acronym, title):
            if text:
                if has_references:  # the same reference; or an application recorded without one, given it now
                    found = self.known.apps.get((call, fold(reference), fold(text))) or (
                        self.known.apps.get((call, "", fold(text))) if reference else None)
                else:
                    found = self.known.apps.get((call, fold(text)))
                if found:
                    return list(dict.fromkeys(found))
        return None

    def _status(self, entity: str, code: str) -> int:
        return self.known.status[(entity, code)]

    def _partner(self, app: Any, org: Any, role: str, row: int) -> bool:
        # the consortium is the officer's: an import adds partners, never changes a role
        if (app, org) in self.known.partners:
            return False
        self._set(self.known.partners, (app, org), (None, None, role))
        self.create("application_partner", {"application_id": app, "organisation_id": org, "role": role}, row)
        return True

    def _aid(self, project: Any, org: Any, money: _Money, row: _Row) -> bool:
        """Plans the aid a row gives a beneficiary of a project (the parts it states: a grant, an advance, or a total
        that does not say which); True when it creates or changes one. A 360Giving grant is one part of an aid: the
        other part comes on another row, under the same aid."""
        v = row.values
        parts = (("grant",) if money.grant is not None else ()) + (("advance",) if money.advance is not None else ())
        parts = parts or ("total",)
        seen = dict(self.aid_parts.get((project, org), ()))
        repeated = next((seen[part] for part in parts if part in seen and seen[part] != row.number), None)
        if repeated is None and "total" in seen and seen["total"] != row.number:
            repeated = seen["total"]
        if repeated is not None:  # one aid per beneficiary and project: a second one cannot be told apart
            raise _RowError(None, tr("ce bénéficiaire figure deux fois dans le même projet (ligne {row})",
                                     row=repeated))
        # held as pairs, a dict per aid cost twice as much (100,000 aids)
        self._set(self.aid_parts, (project, org), tuple({**seen, **dict.fromkeys(parts, row.number)}.items()))
        identifier: parse.AidIdentifier | None = v.get("aid.identifier")
        own = identifier.uuid if identifier is not None else None
        if own is not None:
            found_at = self.known.aid_by_uuid.get(own) or self.identified.get(own)
            if found_at is not None and found_at != (project, org):
                raise _RowError(self.mapping.column_of("aid.identifier"), tr(
                    "l'identifiant {uuid} désigne l'aide d'un autre projet ou d'un autre bénéficiaire", uuid=own))
            self._set(self.identified, own, (project, org))
        if "aid.disbursed" in v:
            self._append(self.disbursed, (row, project, org, identifier.part if identifier else None,
                                          v["aid.disbursed"]))
        stated = {"emerging_actor": v["aid.emerging"]} if "aid.emerging" in v else {}
        found = self.known.aids.get((project, org)) if isinstance(project, int) and isinstance(org, int) else None
        if found is not None:
            label = self.known.orgs[org]["name"]
            if money.grant is None and money.advance is None:  # a total alone
                stored = found["grant_cents"] + found["advance_cents"]
                if stored != money.total and not found["advance_cents"]:  # all grant: the total is the grant
                    return self.update("aid", found["uuid"], label, found, {"grant_cents": money.total, **stated},
                                       row.number)
                if stored != money.total:  # how would it split between grant and advance?
                    raise _RowError(self.mapping.column_of("aid.total"), tr(
                        "le montant ({total}) diffère de l'aide enregistrée ({stored}) et le fichier ne dit pas "
                        "s'il s'agit de subvention ou d'avance", total=format_eur(money.total),
                        stored=format_eur(stored)))
                return self.update("aid", found["uuid"], label, found, stated, row.number) if stated else False
            return self.update("aid", found["uuid"], label, found,
                               {"grant_cents": money.grant, "advance_cents": money.advance, **stated}, row.number)
        planned = self.planned_aids.get((project, org))
        if planned is not None:  # the aid's other part, planned by an earlier row of this file
            for name, amount in (("grant_cents", money.grant), ("advance_cents", money.advance)):
                if amount is not None:
                    self._put(planned, name, amount)
            for name, value in stated.items():
                self._put(planned, name, value)
            return True
        ref = self.create("aid", {"project_id": project, "organisation_id": org,
                                  "grant_cents": money.grant if money.grant is not None else (
                                      money.total if money.advance is None else 0),
                                  "advance_cents": money.advance or 0, **stated}, row.number, own)
        self._set(self.planned_aids, (project, org), self.new[ref.uuid])
        return True

    def _check_shares(self, accepted: list[tuple[_Row, Any, _Money, bool]]) -> None:
        """SCDL: the rows of one grant give the same total, and their shares do not exceed it (a file whose
        "montant" differs from one beneficiary to the next says the beneficiary's amount where the format says
        the grant's total: which to read is not guessed)."""
        totals = {row.values["aid.grant_total"] for row, *_ in accepted if "aid.grant_total" in row.values}
        if len(totals) > 1:
            raise _RowError(self.mapping.column_of("aid.grant_total"), tr(
                "le montant total de la subvention diffère d'une ligne à l'autre ({amounts}) : au format SCDL, "
                "« montant » est le total de la subvention, le même sur la ligne de chaque bénéficiaire",
                amounts=", ".join(format_eur(t) for t in sorted(totals))))
        # each beneficiary once (a row repeating one is refused on its own, below)
        shares = {key: money.grant or 0 for _, key, money, _ in reversed(accepted)}
        if totals and sum(shares.values()) > max(totals):
            raise _RowError(self.mapping.column_of("aid.share"), tr(
                "les parts des bénéficiaires dépassent le montant total de la subvention ({total})",
                total=format_eur(max(totals))))

    # --- payments ---

    def payment_row(self, row: _Row) -> bool:
        """Plans a payment; True when it creates one."""
        v = row.values
        amount, paid_on = v.get("payment.amount"), v.get("payment.paid_on")
        if amount is None:
            raise _RowError(self.mapping.column_of("payment.amount"), tr("montant du paiement absent"))
        siren, siret = v.get("org.company_id", (None, None))
        siret = v.get("org.siret", siret)
        siren = v.get("org.siren", siren) or (siren_of(siret) if siret else None)
        candidates = [k for k in self._match_org(siret, siren, v.get("org.name"), None) if isinstance(k, int)]
        if not candidates:
            raise _RowError(self.mapping.column_of("org.siret") or self.mapping.column_of("org.company_id"), tr(
                "aucune structure du portefeuille n'a ce SIRET ou ce nom ({value}) : un paiement ne crée pas de "
                "structure", value=siret or siren or v.get("org.name") or "—"))
        if len(candidates) > 1:
            raise _RowError(None, tr("plusieurs structures correspondent : rien n'est deviné"))
        org = candidates[0]
        projects = sorted(self.known.projects_of_org.get(org, set()))
        if len(projects) != 1:
            raise _RowError(None, tr(
                "la structure « {name} » a {n} projets aidés : le fichier ne dit pas lequel ce paiement concerne",
                name=self.known.orgs[org]["name"], n=len(projects)))
        label = v.get("payment.reference") or tr("Paiement")
        key = (projects[0], org, label, amount, str(paid_on))
        first = self.seen_payments.get(key)
        if first is not None:
            raise _RowError(None, tr("paiement identique à celui de la ligne {row} : sans référence distincte, les "
                                     "deux ne peuvent pas être distingués", row=first))
        self._set(self.seen_payments, key, row.number)
        if key in self.known.payments:
            return False
        self.create("disbursement", {"project_id": projects[0], "organisation_id": org, "label": label,
                                     "planned_on": paid_on, "paid_on": paid_on, "amount_cents": amount}, row.number)
        return True

    # --- the rows ---

    def run(self, progress: Progress | None, cancelled: Cancelled | None) -> None:
        rows: list[_Row] = []
        total = len(self.table.rows)
        columns = _columns(self.mapping)
        table_rows = self.table.rows
        for index, (number, raw) in enumerate(table_rows):
            if self.consume:  # read once: the row's values are freed as it is planned (a 100,000-row file)
                table_rows[index] = _CONSUMED
            if index % 2000 == 0:
                if cancelled and cancelled():
                    raise ImportCancelled(tr("Import annulé : rien n'a été écrit."))
                if progress:
                    progress(0.5 * index / max(total, 1), tr("Lecture des valeurs…"))
            try:
                row = _read_row(self.table, columns, number, raw, self.untrusted, self.rates)
            except _RowError as exc:
                self.reject(number, raw, exc.column, exc.reason)
                continue
            if not row.values:
                continue  # nothing mapped in this row (a blank or a note): not data
            if self.kind == "project":
                rows.append(row)
                continue
            self.plan_row(row, self.payment_row if self.kind == "payment"
                          else lambda row: self.organisation(row)[1])
        if self.kind == "project":
            self.project_rows(rows, progress, cancelled)

    def plan_row(self, row: _Row, step: Callable[[_Row], bool]) -> None:
        """Plans one row with ``step`` (which says whether it changed anything): a row that fails is rejected and
        nothing of it stays in the plan."""
        mark = self.mark()
        try:
            changed = step(row)
        except _RowError as exc:
            self.rollback(mark)
            self.reject(row.number, row.raw, exc.column, exc.reason)
            return
        self.commit(mark)
        self.remark(row)
        if not changed:
            self.plan.unchanged += 1

    # --- 360Giving's transactions: the tranches paid, each under the grant it pays ---

    def transactions(self, table: Table, mapping: ColumnMapping) -> None:
        """Plans the payments of a 360Giving file's transactions sheet, after its grants: each under the grant it
        pays (this file's, or one of the portfolio's aids), found again by its own identifier when this portfolio
        wrote it, else by its day, amount and part; then checks each grant's "Amount Disbursed" against them."""
        self.table, self.mapping = table, mapping
        self.column = {key: column for column, key in reversed(mapping.columns.items())}.get
        columns = _columns(mapping)
        self.plan.rows_read += len(table.rows)
        self.plan.entity_sheets.setdefault("disbursement", table.sheet)
        for number, raw in table.rows:
            try:
                row = _read_row(table, columns, number, raw, self.untrusted, self.rates)
            except _RowError as exc:
                self.reject(number, raw, exc.column, exc.reason)
                continue
            if not row.values:
                continue
            self.plan_row(row, self._transaction)

    def _transaction(self, row: _Row) -> bool:
        v = row.values
        grant: parse.AidIdentifier | None = v.get("payment.grant")
        target = None
        if grant is not None and grant.uuid is not None:
            target = self.identified.get(grant.uuid) or self.known.aid_by_uuid.get(grant.uuid)
        if target is None:
            raise _RowError(self.mapping.column_of("payment.grant"), tr(
                "ce versement ne désigne aucune subvention du fichier ni du portefeuille ({value})",
                value=(grant.reference or grant.uuid) if grant else "—"))
        day, amount = v.get("payment.paid_on"), v.get("payment.amount")
        if day is None or amount is None:
            raise _RowError(self.mapping.column_of("payment.paid_on" if day is None else "payment.amount"),
                            tr("un versement payé a une date et un montant"))
        if amount <= 0:
            raise _RowError(self.mapping.column_of("payment.amount"), tr("montant de versement nul ou négatif"))
        project, org = target
        part = grant.part if grant is not None else None
        identifier: parse.AidIdentifier | None = v.get("payment.identifier")
        own = identifier.uuid if identifier is not None else None
        self._set(self.paid_planned, (project, org, part), self.paid_planned.get((project, org, part), 0) + amount)
        tranche = self.known.paid.get(own) if own else None
        if tranche is None and isinstance(project, int) and isinstance(org, int):  # the same day, amount and part
            tranche = next((t for t in self.known.paid_of.get((project, org), [])
                            if t["paid_on"] == day and t["amount_cents"] == amount and t["aid_part"] in (part, None)
                            and t["uuid"] not in self.matched_tranches), None)
        # a tranche of an aid of one part only says nothing of its part (it can pay nothing else): left so
        stated_part = part if self._only_part(project, org) is None else None
        if tranche is not None:
            self._set(self.matched_tranches, tranche["uuid"], row.number)
            return self.update("disbursement", tranche["uuid"], tr("Versement du {day}", day=day.isoformat()),
                               tranche, {"paid_on": day, "amount_cents": amount, "aid_part": stated_part},
                               row.number)
        self.create("disbursement", {"project_id": project, "organisation_id": org, "label": tr("Versement"),
                                     "planned_on": day, "paid_on": day, "amount_cents": amount,
                                     "aid_part": stated_part}, row.number,
                    own if own and own not in self.known.paid else None)
        return True

    def _only_part(self, project: Any, org: Any) -> str | None:
        """The part an aid has alone ("subvention" for an aid without advance…), None for an aid of both parts."""
        planned = self.planned_aids.get((project, org))
        aid = planned if planned is not None else self.known.aids.get((project, org), {})  # (.get on both)
        grant, advance = aid.get("grant_cents") or 0, aid.get("advance_cents") or 0
        return "subvention" if not advance else "avance" if not grant else None

    def check_disbursed(self) -> None:
        """Each grant's "Amount Disbursed" against its tranches paid (recorded, and planned from the file): a
        difference is said on the grant's row, never made up as a payment (the amount alone has no date)."""
        for row, project, org, part, stated in self.disbursed:
            recorded = 0
            if isinstance(project, int) and isinstance(org, int):
                aid = self.known.aids.get((project, org), {})
                only = ("subvention" if not aid.get("advance_cents") else "avance" if not aid.get("grant_cents")
                        else None)
                recorded = sum(t["amount_cents"] for t in self.known.paid_of.get((project, org), [])
                               if t["uuid"] not in self.matched_tranches and (part is None or (t["aid_part"] or only)
                                                                               == part))
            paid = recorded + self.paid_planned.get((project, org, part), 0)
            if paid != stated:
                header = self._header("aid.disbursed")
                self.plan.flagged.append(Rejection(self.plan.sheet, row.number, header, tr(
                    "montant versé du fichier ({stated}) différent des versements connus ({paid}) : non repris, le "
                    "fichier ne donne pas la date des versements manquants", stated=format_eur(stated),
                    paid=format_eur(paid))))

    def _header(self, key: str) -> str | None:
        column = self.grants_mapping.column_of(key)
        return self.grants_table.headers[column] if column is not None else None


def make_plan(db: Store, table: Table, mapping: ColumnMapping, *, file_name: str, sha256: str,
              untrusted: bool = True, progress: Progress | None = None, cancelled: Cancelled | None = None,
              transactions: tuple[Table, ColumnMapping] | None = None, consume: bool = False) -> ImportPlan:
    """The plan of importing ``table`` with ``mapping`` (and a 360Giving file's ``transactions``, after its
    grants): nothing is written. ``consume``: the table's rows are emptied as they are planned (the command
    line plans once and writes: the file's values and the plan are not held in memory together)."""
    if not any(key.startswith("org.") for key in mapping.columns.values()):
        raise PortfolioError(tr("« {file} » : aucune colonne n'est associée à la structure bénéficiaire (raison "
                                "sociale, SIRET ou SIREN) ; revoyez la correspondance des colonnes.",
                                file=file_name))
    plan = ImportPlan(file_name, sha256, table.sheet, mapping.profile, len(table.rows), list(table.headers),
                      mapping=mapping.as_json(table.headers))
    with db.read() as session, few_collections():
        connection = raw_connection(session)
        plan.base_seq = last_seq(connection)
        planner = _Planner(connection, table, mapping, plan, untrusted)
        planner.consume = consume
        planner.run(progress, cancelled)
        if transactions is not None:
            planner.transactions(*transactions)
        planner.check_disbursed()
    plan.rejected.sort(key=lambda r: (r.sheet != plan.sheet, r.row))
    return plan
