"""The two halves of a sync between a replica and its origin (issue #22), each one write transaction on its side.

The origin takes a replica's changes (``take_changes``): the entries its trail wrote since the origin last took them,
added up record by record (services.replica_records), merged field by field against the origin's values now with
the replica's old values as the base, the same rules as an agency's workbook (exchange.sync):

- a field the replica changed and the origin did not is taken; changed on both to the same value, nothing;
- changed on both to different values: a conflict. The origin's value stays and the replica's waits in the origin's
  queue of conflicts (the agencies' queue, one export per replica), with both values and who typed each;
- a record the replica created is created (two laptops creating "the same" organisation make two records: the
  uuid is the identity); one that would break a uniqueness rule (the same beneficiary twice on an aid) or whose
  referred record was deleted here is not created, and waits in the queue;
- a record deleted on one side and changed on the other: the origin's side stands (deleted here: the replica's
  edit is queued; changed or newly referred to here: the record stays, the deletion is queued).

Then it answers with its state (``Reply``): the values now of every record either side changed since the replica
last heard from it, of those the replica asked for again, and of the records these refer to. The replica takes
that state (``take_reply``) for every record it has no change of its own still unacknowledged on; those it holds
back are asked for again next time. So whatever the order of the syncs, every side ends with the origin's values,
and every value that lost is in the queue: clocks never decide (the trail's order and the base values do).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Session

from portfolio.db.models import ENTITIES
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.audit import last_seq
from portfolio.services.changes import (
    Change,
    Create,
    FieldChange,
    SideRows,
    apply_in_session,
    session_actor,
    stored_rows,
)
from portfolio.services.dependents import deletions
from portfolio.services.documents import CONTENT_TABLE, contents_of
from portfolio.services.replica_chains import (
    ENTRY_COLUMNS,
    FROM_ORIGIN,
    FROM_REPLICA,
    ReplicaError,
    origin_source,
    own_identity,
    parse_origin,
    segment_problem,
)

from .merge import FieldMerge, MergeState, canonical
from .plan.apply import next_ids
from .replica_records import (
    REFERENCE_ENTITIES,
    Ids,
    NetChange,
    Origin,
    UnknownReference,
    chunks,
    entity_order,
    net_changes,
    portable,
    references,
    referrers,
    same,
    stored,
)


@dataclass
class Reply:
    """The origin's answer to a replica: its trail's head (``head``), the replica's last entry it has applied
    (``ack``), and the state of the records concerned (``states``: entity, uuid, portable values or None for a record
    that is no more), with the bytes of the documents among them the replica may not have."""

    origin: str
    replica: str
    head: int
    ack: int
    states: list[tuple[str, str, dict[str, Any] | None]]
    contents: dict[str, bytes] = field(default_factory=dict)
    taken: dict[str, int] = field(default_factory=dict)  # created, updated, deleted here, conflicts queued
    conflicts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outgoing:
    """A replica's changes for its origin: its trail's entries since the origin acknowledged them, with the uuids of
    the records their ids name, the bytes of the documents they create, the origin's head the replica last took
    (``origin_seq``), and the records it held back and asks for again."""

    replica: str
    origin: str
    name: str
    origin_seq: int
    entries: list[list[Any]]
    refs: dict[str, dict[str, str]]
    contents: dict[str, bytes]
    want: list[tuple[str, str]]


# --- the origin takes a replica's changes -------------------------------------------------------------------------


class _Plan:
    """The changes and conflicts of one merge, built record by record."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids = Ids(session)
        self.changes: dict[str, list[Change]] = {"create": [], "update": [], "delete": []}
        self.sources: dict[tuple[str, str, str | None], str] = {}
        # entity, uuid, field, base, mine, theirs, why, who typed theirs
        self.conflicts: list[tuple[str, str, str, Any, Any, Any, str, str]] = []
        self.next_id: dict[str, int] = {}
        self.counts = {"created": 0, "updated": 0, "deleted": 0, "conflicts": 0}
        self.kept: set[tuple[str, str]] = set()  # records whose deletion was refused: kept, with what they name

    def new_id(self, entity: str) -> int:
        if entity not in self.next_id:
            self.next_id[entity] = next_ids(raw_connection(self.session), [entity])[entity]
        self.next_id[entity] += 1
        return self.next_id[entity] - 1

    def conflict(self, entity: str, uuid: str, name: str, base: Any, mine: Any, theirs: Any, why: str,
                 by: str = "") -> None:
        self.conflicts.append((entity, uuid, name, base, mine, theirs, why, by))
        self.counts["conflicts"] += 1


def take_changes(session: Session, outgoing: Outgoing, *, label: str) -> Reply:
    """Merges a replica's changes into this database (its origin) in the caller's write transaction, queues the
    conflicts, and returns the reply. ReplicaError, nothing written, for a replica this database does not know, or
    entries that do not chain on those taken before."""
    connection = raw_connection(session)
    peer = connection.execute("SELECT name, peer_seq, peer_hash, scope FROM replica_peer WHERE uuid = ? AND role = "
                              "'replique'", (outgoing.replica,)).fetchone()
    if peer is None:
        raise ReplicaError(tr("{label} : cette base ne connaît pas la réplique « {name} » ({uuid}) : elle a été faite "
                              "à partir d'une autre base. Rien n'a été enregistré.", label=label, name=outgoing.name,
                              uuid=outgoing.replica))
    name, peer_seq, peer_hash, scope_text = str(peer[0]), int(peer[1]), str(peer[2]), str(peer[3])
    new = [entry for entry in outgoing.entries if int(entry[0]) > peer_seq]
    problem = segment_problem(new, (peer_seq, peer_hash) if peer_hash else None, label)
    if problem:
        raise ReplicaError(problem + tr(" Rien n'a été enregistré."))
    here = own_identity(session)
    nets = net_changes(new, outgoing.refs, FROM_ORIGIN + here)
    plan = _Plan(session)
    _merge(plan, nets, outgoing, name)
    who = session_actor(session)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    changes = [*plan.changes["create"], *plan.changes["update"], *plan.changes["delete"]]
    changes += _queue(session, plan, outgoing.replica, name, who, now)
    if changes:
        apply_in_session(session, changes, source=origin_source(FROM_REPLICA, outgoing.replica, {"nom": name}),
                         field_sources=plan.sources, keep_inverse=False)
    if new:
        connection.executemany("INSERT INTO replica_entry (replica_uuid, seq, hash, entry) VALUES (?, ?, ?, ?)",
                               [(outgoing.replica, int(e[0]), str(e[13]), json.dumps(
                                   dict(zip(ENTRY_COLUMNS, e, strict=True)), ensure_ascii=False)) for e in new])
        peer_seq, peer_hash = int(new[-1][0]), str(new[-1][13])
    connection.execute("UPDATE replica_peer SET peer_seq = ?, peer_hash = ?, synced_utc = ? WHERE uuid = ?",
                       (peer_seq, peer_hash, now, outgoing.replica))
    reply = state_reply(session, outgoing.replica, outgoing.origin_seq, {(n.entity, n.uuid) for n in nets.values()},
                        set(outgoing.want), plan.kept, json.loads(scope_text or "{}"))
    reply.ack, reply.taken = peer_seq, plan.counts
    reply.conflicts = [{"entity": c[0], "uuid": c[1], "field": c[2], "why": c[6]} for c in plan.conflicts]
    return reply


def _merge(plan: _Plan, nets: dict[tuple[str, str], NetChange], outgoing: Outgoing, name: str) -> None:
    order = entity_order()
    by_entity: dict[str, list[NetChange]] = {}
    for net in nets.values():
        by_entity.setdefault(net.entity, []).append(net)
    rows = {entity: stored_rows(plan.session, entity, [n.uuid for n in items]) for entity, items in by_entity.items()}
    mine = {entity: dict(zip(rows[entity], portable(plan.ids, entity, list(rows[entity].values())), strict=True))
            for entity in by_entity}
    for entity, items in by_entity.items():  # the records the replica's values name, looked up at once
        for spec in references(entity):
            named = [values.get(spec.name) for net in items for values in (net.created or {}, net.deleted or {})]
            named += [value for net in items for value in net.fields.get(spec.name, [])]
            plan.ids.load_uuids(str(spec.target), [str(v) for v in named if isinstance(v, str)])

    def source(net: NetChange, key: str | None) -> str:
        origin, author, when = _typed(net, key)
        return origin_source(FROM_REPLICA, outgoing.replica, {"nom": name, "seq": origin.seq, "hash": origin.hash,
                                                             "auteur": author, "le": when})

    for entity in order:  # creations, each after the records it refers to
        for net in by_entity.get(entity, []):
            if net.created is None:
                continue
            if net.uuid in rows[entity]:  # (already here: a replica's file applied before its marks were kept)
                continue
            why = _cannot_create(plan, net, outgoing)
            if why:
                first = fields.editable_fields(entity)[0].name
                plan.conflict(entity, net.uuid, first, None, None, net.created.get(first), why, _author(net, None))
                continue
            values = {spec.name: stored(plan.ids, spec, net.created.get(spec.name))
                      for spec in fields.editable_fields(entity)}
            record_id = plan.new_id(entity)
            plan.ids.give(entity, net.uuid, record_id)
            plan.changes["create"].append(Create(entity, net.uuid, values, record_id))
            if entity == "document":
                plan.changes["create"].append(SideRows(CONTENT_TABLE, (net.uuid,), (),
                                                       ((outgoing.contents[net.uuid],),)))
            plan.sources[(entity, net.uuid, None)] = source(net, None)
            plan.counts["created"] += 1
            twin = _twin(plan, net) if entity == "organisation" else None
            if twin is not None:  # two records, linked in the queue for the officer to tell
                plan.conflict(entity, net.uuid, "name", None, twin, net.created.get("name"),
                              tr("doublon possible : « {name} » a le même SIRET ici", name=twin), _author(net, None))
    for entity in order:  # field changes
        for net in by_entity.get(entity, []):
            if not net.fields:
                continue
            current = mine[entity].get(net.uuid)
            for name_, (base, theirs) in sorted(net.fields.items()):
                spec = fields.field_spec(entity, name_)
                if current is None:
                    plan.conflict(entity, net.uuid, name_, base, None, theirs,
                                  tr("supprimé ici, modifié sur la réplique"), _author(net, name_))
                    continue
                now = current[name_]
                if same(now, theirs):
                    continue
                if not same(now, base):
                    plan.conflict(entity, net.uuid, name_, base, now, theirs, tr("modifié des deux côtés"),
                                  _author(net, name_))
                    continue
                try:
                    new_value = stored(plan.ids, spec, theirs)
                except UnknownReference:
                    plan.conflict(entity, net.uuid, name_, base, now, theirs,
                                  tr("la fiche désignée a été supprimée ici"), _author(net, name_))
                    continue
                plan.changes["update"].append(FieldChange(entity, net.uuid, name_, stored(plan.ids, spec, now),
                                                          new_value))
                plan.sources[(entity, net.uuid, name_)] = source(net, name_)
                plan.counts["updated"] += 1
    _deletions(plan, by_entity, rows, mine, source)


def _typed(net: NetChange, key: str | None) -> tuple[Origin, str, str]:
    """The entry behind a replica's change (of field ``key``, None: its creation or deletion), who typed it and when:
    the entry's author and time, or those an entry from a replica of the replica names."""
    origin = net.origins.get(key) or next(iter(net.origins.values()))
    named = parse_origin(origin.source) or {}
    return origin, str(named.get("auteur") or origin.actor), str(named.get("le") or origin.at_utc)


def _author(net: NetChange, key: str | None) -> str:
    """Who typed a replica's change."""
    return _typed(net, key)[1]


def _twin(plan: _Plan, net: NetChange) -> str | None:
    """The name of an organisation here with the SIRET of one a replica created (the same beneficiary, entered on
    two computers), or None."""
    siret = (net.created or {}).get("siret")
    if not siret:
        return None
    found = raw_connection(plan.session).execute("SELECT name FROM organisation WHERE siret = ? AND uuid <> ? "
                                                 "ORDER BY id LIMIT 1", (siret, net.uuid)).fetchone()
    return str(found[0]) if found else None


def _cannot_create(plan: _Plan, net: NetChange, outgoing: Outgoing) -> str:
    """Why a replica's new record cannot be created here ("" when it can)."""
    assert net.created is not None
    for spec in references(net.entity):
        value = net.created.get(spec.name)
        if value is not None and plan.ids.id_of(str(spec.target), str(value)) is None:
            return tr("création refusée : la fiche qu'elle désigne a été supprimée ici")
    if net.entity == "document" and net.uuid not in outgoing.contents:
        return tr("création refusée : le contenu du document manque")
    table = fields.table(net.entity)
    groups = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
              if isinstance(constraint, UniqueConstraint)]
    groups += [(column.name,) for column in table.columns if column.unique and column.name not in ("id", "uuid")]
    specs = {s.name: s for s in fields.editable_fields(net.entity)}
    for group in groups:
        if not set(group) <= specs.keys():
            continue
        values = [stored(plan.ids, specs[name], net.created.get(name)) for name in group]
        if any(v is None for v in values):
            continue
        found = raw_connection(plan.session).execute(
            f"SELECT uuid FROM {table.name} WHERE {' AND '.join(f'{n} = ?' for n in group)}",
            tuple(fields.to_json(v) if not isinstance(v, bool) else int(v) for v in values)).fetchone()
        created = any(isinstance(c, Create) and c.entity == net.entity and
                      all(c.values.get(n) == v for n, v in zip(group, values, strict=True))
                      for c in plan.changes["create"])
        if found is not None or created:
            return tr("création refusée : une fiche identique existe déjà ici ({fields})",
                      fields=", ".join(specs[n].label for n in group))
    return ""


def _deletions(plan: _Plan, by_entity: dict[str, list[NetChange]], rows: dict[str, dict[str, dict[str, Any]]],
               mine: dict[str, dict[str, dict[str, Any]]], source: Any) -> None:
    """The replica's deletions: applied unless the record changed here since, or a record that stays refers to it."""
    deleting = {(net.entity, net.uuid): net for items in by_entity.values() for net in items
                if net.deleted is not None and net.uuid in rows[net.entity]}
    kept: dict[tuple[str, str], str] = {}
    for key, net in deleting.items():
        current = mine[net.entity][net.uuid]
        assert net.deleted is not None
        changed = [name for name, value in current.items()
                   if name in net.deleted and not same(value, net.deleted[name])]
        if changed:
            kept[key] = tr("supprimé sur la réplique, modifié ici ({fields})",
                           fields=", ".join(fields.field_spec(net.entity, n).label for n in changed))
    staying = _staying(plan.session, rows, set(deleting), set(kept))
    for key in staying - kept.keys():
        kept[key] = tr("supprimé sur la réplique, mais une fiche d'ici le désigne encore")
    plan.kept |= kept.keys()
    for key, why in kept.items():
        net = deleting[key]
        first = fields.editable_fields(net.entity)[0].name
        plan.conflict(net.entity, net.uuid, first, (net.deleted or {}).get(first), mine[net.entity][net.uuid][first],
                      None, why, _author(net, None))
    gone = _children_first(set(deleting) - staying)
    plan.changes["delete"].extend(deletions(plan.session, [(e, rows[e][u]["id"]) for e, u in gone]))
    for entity, uuid in gone:
        net = deleting[(entity, uuid)]
        plan.sources[(entity, uuid, None)] = source(net, None)
        plan.counts["deleted"] += 1


def _queue(session: Session, plan: _Plan, replica: str, name: str, who: str, now: str) -> list[Change]:
    """The conflicts, in the queue of the agencies' conflicts (one export per replica), in its compared form, each
    saying why and who typed each value."""
    if not plan.conflicts:
        return []
    connection = raw_connection(session)
    if connection.execute("SELECT 1 FROM export_batch WHERE uuid = ?", (replica,)).fetchone() is None:
        connection.execute("INSERT INTO export_batch (uuid, created_utc, actor, recipient, selection, file_name, "
                           "sha256) VALUES (?, ?, ?, ?, ?, ?, '')",
                           (replica, now, who, tr("Réplique « {name} »", name=name),
                            json.dumps({"replique": replica}), name))
    state = MergeState(session, replica)
    merges = []
    for entity, uuid, field_name, base, mine_value, theirs, why, by in plan.conflicts:
        spec = fields.field_spec(entity, field_name)
        merges.append((FieldMerge(entity, uuid, field_name, *(compared(plan.ids, spec, v)
                                                                for v in (base, mine_value, theirs))),
                       _described(connection, name, entity, uuid, field_name, why, by or "—")))
    state.add(merges, now)
    return list(state.changes())


def _described(connection: Any, name: str, entity: str, uuid: str, field_name: str, why: str, theirs_by: str) -> str:
    """Where a conflict comes from, naming who typed each value: the replica's author, and the last here."""
    last = connection.execute("SELECT actor, source FROM audit_entry WHERE entity = ? AND record_uuid = ? AND "
                              "(field = ? OR field IS NULL) ORDER BY seq DESC LIMIT 1",
                              (entity, uuid, field_name)).fetchone()
    here = ""
    if last is not None:
        origin = parse_origin(str(last[1]))
        here = str(origin.get("auteur") or last[0]) if origin and origin.get("auteur") else str(last[0])
    return tr("{why} ; valeur de la réplique saisie par {theirs}, valeur d'ici par {here}", why=why, theirs=theirs_by,
              here=here or "—")


def compared(ids: Ids, spec: fields.FieldSpec, value: Any) -> Any:
    """A portable value in the conflicts queue's compared form (exchange.merge): a reference by the title of the
    record it names (its uuid when this database does not have it)."""
    from portfolio.services.display import TITLE_SQL

    if value is not None and spec.target:
        record_id = ids.id_of(spec.target, str(value))
        if record_id is None:
            return str(value)
        table = fields.table(spec.target).name
        row = ids.connection.execute(f"SELECT {TITLE_SQL[spec.target]} FROM {table} WHERE id = ?",
                                     (record_id,)).fetchone()
        return str(row[0]) if row and row[0] is not None else str(value)
    return canonical(spec, value)


# --- the state the origin sends back ------------------------------------------------------------------------------


def scope_ids(connection: Any, scope: dict[str, Any]) -> dict[str, set[int]] | None:
    """The ids of the records in a replica's part of the portfolio (None: the whole portfolio): the projects of an
    officer (``officer``: their name) and/or of a region (``region``: its INSEE code, the lead's region), with
    everything they refer to and what belongs to them; the reference records are always whole."""
    officer, region = scope.get("officer"), scope.get("region")
    if not officer and not region:
        return None
    sql = "SELECT p.id FROM project p"
    conditions, parameters = [], []
    if officer:
        sql += " JOIN officer o ON o.id = p.officer_id"
        conditions.append("o.name = ?")
        parameters.append(officer)
    if region:
        sql += (" JOIN application a ON a.id = p.application_id JOIN organisation lo ON lo.id = a.lead_organisation_id"
                " JOIN region r ON r.id = lo.region_id")
        conditions.append("r.code = ?")
        parameters.append(region)
    projects = {int(r[0]) for r in connection.execute(sql + " WHERE " + " AND ".join(conditions), tuple(parameters))}

    def ids(query: str, among: set[int]) -> set[int]:
        return {int(r[0]) for part in chunks(sorted(among))
                for r in connection.execute(query.format(", ".join("?" * len(part))), tuple(part)) if r[0] is not None}

    out: dict[str, set[int]] = {"project": projects}
    out["application"] = ids("SELECT application_id FROM project WHERE id IN ({})", projects)
    for entity in ("aid", "disbursement", "milestone", "reminder"):
        out[entity] = ids(f"SELECT id FROM {entity} WHERE project_id IN ({{}})", projects)
    out["application_partner"] = ids("SELECT id FROM application_partner WHERE application_id IN ({})",
                                     out["application"])
    out["organisation"] = (ids("SELECT lead_organisation_id FROM application WHERE id IN ({})", out["application"])
                           | ids("SELECT organisation_id FROM application_partner WHERE id IN ({})",
                                 out["application_partner"])
                           | ids("SELECT organisation_id FROM aid WHERE id IN ({})", out["aid"])
                           | ids("SELECT organisation_id FROM disbursement WHERE id IN ({})", out["disbursement"]))
    out["contact"] = ids("SELECT id FROM contact WHERE organisation_id IN ({})", out["organisation"])
    for entity in ("note", "document"):
        out[entity] = (ids(f"SELECT id FROM {entity} WHERE project_id IN ({{}})", projects)
                       | ids(f"SELECT id FROM {entity} WHERE application_id IN ({{}})", out["application"])
                       | ids(f"SELECT id FROM {entity} WHERE organisation_id IN ({{}})", out["organisation"]))
    out["contact"] |= ids("SELECT contact_id FROM document WHERE id IN ({})", out["document"])
    return out


def state_reply(session: Session, replica: str, since: int, sent: set[tuple[str, str]], asked: set[tuple[str, str]],
                kept: set[tuple[str, str]], scope: dict[str, Any]) -> Reply:
    """The state of every record changed here since entry ``since``, sent by the replica (``sent``) or asked for
    again (``asked``), within the replica's part of the portfolio; with the records they refer to for those the
    replica may lack them for (a part of the portfolio, whose projects come and go; records created here; records
    asked for; records whose deletion was refused, ``kept``), so that it can create them in order."""
    connection = raw_connection(session)
    head = last_seq(connection)
    touched = sent | asked
    created_here: set[tuple[str, str]] = set()
    for entity, uuid, operation, _source in changes_after(connection, since):
        if entity in ENTITIES:
            touched.add((entity, uuid))
            if operation == "create":
                created_here.add((entity, uuid))
    allowed = scope_ids(connection, scope)
    closure = None if allowed is not None else created_here | asked | kept
    documents = {u for e, u in created_here | asked if e == "document"}
    return states_of(session, replica, head, touched, allowed, documents, closure)


def changes_after(connection: Any, after: int) -> Iterator[tuple[str, str, str, str]]:
    """(entity, record uuid, operation, source) of each entry after entry ``after`` that changed a record (not an
    entry about the trail itself)."""
    for entity, uuid, operation, source in connection.execute(
            "SELECT entity, record_uuid, operation, source FROM audit_entry WHERE seq > ? AND (field IS NULL OR "
            "substr(field, 1, 1) <> '_')", (after,)):
        yield str(entity), str(uuid), str(operation), str(source)


def states_of(session: Session, replica: str, head: int, keys: set[tuple[str, str]],
              allowed: dict[str, set[int]] | None, with_content: set[str] | None = None,
              closure: set[tuple[str, str]] | None = None) -> Reply:
    """A reply holding the state of ``keys`` (those in the replica's part, ``allowed``: scope_ids) and of the records
    those in ``closure`` (all, when None) refer to, and so on up; the bytes of the documents in ``with_content``
    (all, when None)."""
    ids = Ids(session)
    states: dict[tuple[str, str], dict[str, Any] | None] = {}
    pending = set(keys)
    closing = set(keys) if closure is None else set(closure)
    while pending:
        by_entity: dict[str, set[str]] = {}
        for entity, uuid in pending:
            by_entity.setdefault(entity, set()).add(uuid)
        pending = set()
        for entity, uuids in by_entity.items():
            rows = stored_rows(session, entity, uuids)
            kept = [row for row in rows.values() if allowed is None or entity in REFERENCE_ENTITIES
                    or row["id"] in allowed.get(entity, set())]
            for row, values in zip(kept, portable(ids, entity, kept), strict=True):
                states[(entity, row["uuid"])] = values
                if (entity, row["uuid"]) not in closing:
                    continue
                for spec in references(entity):
                    target, value = str(spec.target), values[spec.name]
                    if value is not None and target not in REFERENCE_ENTITIES and (target, value) not in states:
                        pending.add((target, str(value)))
                        closing.add((target, str(value)))
            for uuid in uuids - rows.keys():
                states[(entity, uuid)] = None
    contents = contents_of(session, [u for (e, u), v in states.items() if e == "document" and v is not None
                                     and (with_content is None or u in with_content)])
    order = {entity: index for index, entity in enumerate(entity_order())}
    listed = sorted(states.items(), key=lambda item: (order[item[0][0]], item[0][1]))
    return Reply(own_identity(session), replica, head, 0, [(e, u, v) for (e, u), v in listed], contents)


# --- the replica takes its origin's state -------------------------------------------------------------------------


@dataclass
class Taken:
    """What a replica did with its origin's reply."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    held: list[tuple[str, str]] = field(default_factory=list)  # records kept as they are here, asked for again
    stale: bool = False  # an older reply than the last one taken: nothing done

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted, "held": len(self.held),
                "stale": self.stale}


def unacknowledged(connection: Any, after: int, origin: str) -> set[tuple[str, str]]:
    """The records this database changed itself (not taken from ``origin``) after its entry ``after``."""
    return {(entity, uuid) for entity, uuid, _operation, source in changes_after(connection, after)
            if not source.startswith(FROM_ORIGIN + origin)}


def take_reply(session: Session, reply: Reply, *, label: str) -> Taken:
    """Takes the origin's state in the caller's write transaction for every record this replica has no change of its
    own waiting on (those are held back and asked for again), and moves the marks."""
    connection = raw_connection(session)
    peer = connection.execute("SELECT peer_seq, sent_seq, want FROM replica_peer WHERE uuid = ? AND role = 'origine'",
                              (reply.origin,)).fetchone()
    if peer is None or reply.replica != own_identity(session):
        raise ReplicaError(tr("{label} : cette réponse est destinée à une autre base que celle-ci. Rien n'a été "
                              "enregistré.", label=label))
    peer_seq, sent_seq = int(peer[0]), max(int(peer[1]), reply.ack)
    taken = Taken()
    if reply.head < peer_seq:
        taken.stale = True
        connection.execute("UPDATE replica_peer SET sent_seq = ? WHERE uuid = ?", (sent_seq, reply.origin))
        return taken
    held = unacknowledged(connection, sent_seq, reply.origin)
    changes = adopt(session, reply, held, taken)
    if changes:
        apply_in_session(session, changes, source=origin_source(FROM_ORIGIN, reply.origin, {"seq": reply.head}),
                         keep_inverse=False)
    connection.execute("UPDATE replica_peer SET peer_seq = ?, sent_seq = ?, want = ?, synced_utc = ? WHERE uuid = ?",
                       (reply.head, sent_seq, json.dumps(sorted(taken.held)),
                        datetime.now(UTC).isoformat(timespec="seconds"), reply.origin))
    return taken


def adopt(session: Session, reply: Reply, held: set[tuple[str, str]], taken: Taken) -> list[Change]:
    """The door's changes making each record of the reply as the origin has it (but those in ``held``)."""
    ids = Ids(session)
    plan = _Plan(session)
    by_entity: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}
    for entity, uuid, values in reply.states:
        if (entity, uuid) in held:
            taken.held.append((entity, uuid))
        else:
            by_entity.setdefault(entity, []).append((uuid, values))
    rows = {entity: stored_rows(session, entity, [u for u, _ in items]) for entity, items in by_entity.items()}
    here = {entity: dict(zip(rows[entity], portable(ids, entity, list(rows[entity].values())), strict=True))
            for entity in by_entity}
    for entity, items in by_entity.items():  # the records the states name, looked up at once
        for spec in references(entity):
            ids.load_uuids(str(spec.target), [v[spec.name] for _u, v in items if v and v[spec.name] is not None])
    plan.ids = ids
    creates: list[Change] = []
    updates: list[Change] = []
    for entity in entity_order():
        specs = fields.editable_fields(entity)
        for uuid, values in by_entity.get(entity, []):
            if values is None:
                continue
            current = here[entity].get(uuid)
            try:
                if current is None:
                    if entity == "document" and uuid not in reply.contents:
                        raise UnknownReference("document", uuid)
                    new = {s.name: stored(ids, s, values.get(s.name)) for s in specs}
                    record_id = plan.new_id(entity)
                    ids.give(entity, uuid, record_id)
                    creates.append(Create(entity, uuid, new, record_id))
                    if entity == "document":
                        creates.append(SideRows(CONTENT_TABLE, (uuid,), (), ((reply.contents[uuid],),)))
                    taken.created += 1
                    continue
                differing = [s for s in specs if not same(current.get(s.name), values.get(s.name))]
                record = [FieldChange(entity, uuid, s.name, stored(ids, s, current.get(s.name)),
                                      stored(ids, s, values.get(s.name))) for s in differing]
            except UnknownReference:
                taken.held.append((entity, uuid))
                continue
            updates.extend(record)
            taken.updated += bool(record)
    deleting = {(entity, uuid) for entity, items in by_entity.items() for uuid, values in items
                if values is None and uuid in rows[entity]}
    blocked = _staying(session, rows, deleting, set())
    taken.held.extend(sorted(blocked))
    gone = _children_first(deleting - blocked)
    taken.deleted += len(gone)
    deletes = deletions(session, [(e, rows[e][u]["id"]) for e, u in gone])
    return [*creates, *updates, *deletes]


def _staying(session: Session, rows: dict[str, dict[str, dict[str, Any]]], deleting: set[tuple[str, str]],
             staying: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The records among ``deleting`` that stay: those in ``staying``, and any that a record staying (or not being
    deleted) refers to, and so on (the door would refuse a deletion that leaves a reference to nothing)."""
    connection = raw_connection(session)
    referring = {(entity, uuid): {(other, str(child)) for other, name in referrers(entity)
                                  for (child,) in connection.execute(f"SELECT uuid FROM {other} WHERE {name} = ?",
                                                                     (rows[entity][uuid]["id"],))}
                 for entity, uuid in deleting}
    kept = set(staying)
    growing = True
    while growing:
        growing = False
        for key in deleting - kept:
            if any(r not in deleting or r in kept for r in referring[key]):
                kept.add(key)
                growing = True
    return kept


def _children_first(keys: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Records to delete, each before the records it refers to."""
    order = {entity: index for index, entity in enumerate(entity_order())}
    return sorted(keys, key=lambda key: (-order[key[0]], key[1]))


