"""The record lists (services.listing) on the demo portfolio: every record listed, sorts really sorted,
filters and search equal to independent computations, rows fetched with raw values, the global search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.demo_portfolios import demo_on_both

from portfolio.db.database import Database
from portfolio.domain.referential import fold
from portfolio.services import fields, listing
from portfolio.services.demo import AS_OF
from portfolio.services.listing import ListQuery, fetch_rows, query_ids
from portfolio.services.portfolio import open_portfolio

TABLES = {"call": "call", "application": "application", "project": "project", "organisation": "organisation",
          "contact": "contact", "disbursement": "disbursement", "milestone": "milestone", "audit": "audit_entry"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo portfolio in a file, and on the test server (team mode): every list's sorts, filters and
    searches must give the same records on both."""
    yield from demo_on_both(request, tmp_path_factory)


@pytest.fixture(autouse=True)
def demo_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's "today", so that late disbursements and overdue milestones are the demo's."""
    monkeypatch.setattr(listing, "today", lambda: AS_OF)


def ids(db: Database, entity: str, **query: Any) -> list[int]:
    with db.read() as session:
        return query_ids(session, ListQuery(entity, **query))


def sql_ids(db: Database, sql: str, **params: Any) -> set[int]:
    with db.read() as session:
        return {int(r[0]) for r in session.execute(text(sql), params)}


def rows(db: Database, entity: str, record_ids: list[int]) -> dict[int, tuple]:
    with db.read() as session:
        return fetch_rows(session, entity, record_ids)


def column_index(entity: str, key: str) -> int:
    return [c.key for c in listing.columns(entity)].index(key)


def sort_key(kind: str, value: Any) -> tuple:
    """How a list sorts a value: empty first, text in folded order."""
    if value is None:
        return (0,)
    return (1, fold(value)) if kind == "text" else (1, value)


# --- the API's shape ------------------------------------------------------------------------------------


def test_entities_labels_columns_and_filters() -> None:
    assert listing.entities() == ["call", "application", "project", "organisation", "contact", "disbursement",
                                  "milestone", "audit"]
    assert listing.entity_label("organisation") == "Structures"
    assert listing.entity_label("application") == "Candidatures"
    for entity in listing.entities():
        columns = listing.columns(entity)
        assert columns and len({c.key for c in columns}) == len(columns)
        for column in columns:
            assert column.kind in ("text", "money", "date", "datetime", "int", "bool", "percent")
            assert column.label and column.width > 0
            if column.field:  # the editor's field exists and is editable
                assert fields.field_spec(entity, column.field).label
        assert all(label for _, label in listing.filter_keys(entity))
    assert [c.label for c in listing.columns("organisation")] == [
        "Raison sociale", "SIREN", "SIRET", "Typologie", "Région", "Département", "Ville"]
    assert dict(listing.filter_keys("application")).keys() == {"status", "call", "axis", "region", "year"}
    assert dict(listing.filter_keys("project")).keys() == {"status", "call", "axis", "region", "year", "operator"}
    with pytest.raises(ValueError):
        listing.columns("nope")


def test_unfiltered_lists_hold_every_record(demo: Database) -> None:
    for entity, table in TABLES.items():
        key = "seq" if entity == "audit" else "id"
        listed = ids(demo, entity)
        assert listed == sorted(sql_ids(demo, f"SELECT {key} FROM {table}")), entity
        assert len(listed) > 0


# --- sorting ---------------------------------------------------------------------------------------------

SORTS = [(entity, column.key) for entity in TABLES for column in listing.columns(entity) if column.sortable]


@pytest.mark.parametrize(("entity", "key"), SORTS, ids=[f"{e}.{k}" for e, k in SORTS])
def test_sorts_are_really_sorted_both_ways(demo: Database, entity: str, key: str) -> None:
    position = column_index(entity, key)
    kind = listing.columns(entity)[position].kind
    everything = rows(demo, entity, ids(demo, entity))
    then: dict[int, Any] = {}
    if (entity, key) == ("organisation", "name"):  # names that fold alike: by the rest of their text, then id
        with demo.read() as session:
            then = dict(session.execute(text("SELECT id, search_key FROM organisation")).all())
    for descending in (False, True):
        order = ids(demo, entity, sort=key, descending=descending)
        assert sorted(order) == sorted(everything)
        keys = [(*sort_key(kind, everything[i][position]), then.get(i, "")) for i in order]
        assert keys == sorted(keys, reverse=descending), f"{entity}.{key} descending={descending}"
        for (k1, i1), (k2, i2) in zip(zip(keys, order, strict=True), zip(keys[1:], order[1:], strict=True),
                                      strict=False):
            if k1 == k2:  # ties in id order, the same way round
                assert (i1 < i2) != descending, f"{entity}.{key}: tie between {i1} and {i2}"


def test_empty_values_come_first_ascending_and_last_descending(demo: Database) -> None:
    paid_on = column_index("disbursement", "paid_on")
    order = ids(demo, "disbursement", sort="paid_on")
    values = rows(demo, "disbursement", order)
    assert values[order[0]][paid_on] is None and values[order[-1]][paid_on] is not None
    order = ids(demo, "disbursement", sort="paid_on", descending=True)
    assert values[order[0]][paid_on] is not None and values[order[-1]][paid_on] is None


def test_text_sorts_ignore_accents_and_case(demo: Database) -> None:
    city = column_index("organisation", "city")
    order = ids(demo, "organisation", sort="city")
    cities = [rows(demo, "organisation", order)[i][city] for i in order]
    first = {c[0] for c in cities}
    assert "É" in first  # Évreux, Évry… sort among the e's, not after the z's
    assert cities.index(next(c for c in cities if c.startswith("É"))) < cities.index(
        next(c for c in cities if c.startswith("F")))


@pytest.mark.parametrize(("entity", "key"), [("organisation", "region"), ("organisation", "typology"),
                                             ("organisation", "department"), ("application", "status"),
                                             ("milestone", "status"), ("application", "call")])
def test_a_reference_sort_is_the_same_with_and_without_a_filter(demo: Database, entity: str, key: str) -> None:
    """Unfiltered, a sort by a small reference's label reads the reference's index group by group; filtered,
    it sorts in one query: both give the same order."""
    filter_key = next(k for k, _ in listing.filter_keys(entity))
    with demo.read() as session:
        every_value = tuple(v for v, _ in listing.filter_options(session, entity, filter_key))
    for descending in (False, True):
        plain = ids(demo, entity, sort=key, descending=descending)
        filtered = ids(demo, entity, sort=key, descending=descending, filters={filter_key: every_value})
        assert filtered == plain


def test_unknown_or_unsortable_sorts_are_refused(demo: Database) -> None:
    with pytest.raises(ValueError):
        ids(demo, "organisation", sort="nope")
    with pytest.raises(ValueError):
        ids(demo, "audit", sort="actor")


# --- filters -----------------------------------------------------------------------------------------------


def option_values(db: Database, entity: str, key: str) -> list[Any]:
    with db.read() as session:
        return [value for value, _ in listing.filter_options(session, entity, key)]


def test_application_filters_equal_independent_queries(demo: Database) -> None:
    statuses = option_values(demo, "application", "status")
    laureate = sql_ids(demo, "SELECT id FROM status WHERE entity = 'application' AND code = 'laureate'").pop()
    assert laureate in statuses
    assert set(ids(demo, "application", filters={"status": (laureate,)})) == sql_ids(
        demo, "SELECT id FROM application WHERE status_id = :s", s=laureate)

    regions = option_values(demo, "application", "region")[:2]
    expected = sql_ids(demo, "SELECT a.id FROM application a JOIN organisation o ON o.id = a.lead_organisation_id "
                             "WHERE o.region_id IN (:r1, :r2)", r1=regions[0], r2=regions[1])
    assert set(ids(demo, "application", filters={"region": tuple(regions)})) == expected  # OR within a key

    call = option_values(demo, "application", "call")[3]
    assert set(ids(demo, "application", filters={"call": (call,)})) == sql_ids(
        demo, "SELECT id FROM application WHERE call_id = :c", c=call)

    axis = option_values(demo, "application", "axis")[2]
    assert set(ids(demo, "application", filters={"axis": (axis,)})) == sql_ids(
        demo, "SELECT a.id FROM application a JOIN call c ON c.id = a.call_id JOIN action ac ON ac.id = c.action_id "
              "WHERE ac.axis_id = :x", x=axis)

    with demo.read() as session:
        submitted = dict(session.execute(text("SELECT id, submitted_on FROM application")).all())
    years = option_values(demo, "application", "year")
    assert years == sorted({(d if isinstance(d, date) else date.fromisoformat(d)).year  # (a server gives dates)
                            for d in submitted.values() if d}, reverse=True)
    year = years[1]
    assert set(ids(demo, "application", filters={"year": (year,)})) == {
        i for i, d in submitted.items() if d and (d if isinstance(d, date) else date.fromisoformat(d)).year == year}

    both = set(ids(demo, "application", filters={"status": (laureate,), "region": tuple(regions)}))
    assert both == expected & sql_ids(demo, "SELECT id FROM application WHERE status_id = :s", s=laureate)
    assert ids(demo, "application", filters={"status": ()}) == ids(demo, "application")  # nothing chosen: off


def test_project_filters_equal_independent_queries(demo: Database) -> None:
    base = "SELECT p.id FROM project p JOIN application a ON a.id = p.application_id JOIN call c ON c.id = a.call_id "
    status = option_values(demo, "project", "status")[2]
    assert set(ids(demo, "project", filters={"status": (status,)})) == sql_ids(
        demo, "SELECT id FROM project WHERE status_id = :s", s=status)
    call = option_values(demo, "project", "call")[0]
    assert set(ids(demo, "project", filters={"call": (call,)})) == sql_ids(demo, base + "WHERE c.id = :c", c=call)
    axis = option_values(demo, "project", "axis")[1]
    assert set(ids(demo, "project", filters={"axis": (axis,)})) == sql_ids(
        demo, base + "JOIN action ac ON ac.id = c.action_id WHERE ac.axis_id = :x", x=axis)
    operator = option_values(demo, "project", "operator")[0]
    assert set(ids(demo, "project", filters={"operator": (operator,)})) == sql_ids(
        demo, base + "WHERE c.operator_id = :o", o=operator)
    region = option_values(demo, "project", "region")[7]
    assert set(ids(demo, "project", filters={"region": (region,)})) == sql_ids(
        demo, base + "JOIN organisation o ON o.id = a.lead_organisation_id WHERE o.region_id = :r", r=region)
    year = option_values(demo, "project", "year")[0]
    assert set(ids(demo, "project", filters={"year": (year,)})) == sql_ids(
        demo, "SELECT id FROM project WHERE CAST(decision_on AS TEXT) LIKE :y", y=f"{year}-%")


def test_other_filters_equal_independent_queries(demo: Database) -> None:
    typology = option_values(demo, "organisation", "typology")[0]
    region = option_values(demo, "organisation", "region")[5]
    assert set(ids(demo, "organisation", filters={"typology": (typology,), "region": (region,)})) == sql_ids(
        demo, "SELECT id FROM organisation WHERE typology_id = :t AND region_id = :r", t=typology, r=region)
    assert set(ids(demo, "contact", filters={"region": (region,)})) == sql_ids(
        demo, "SELECT c.id FROM contact c JOIN organisation o ON o.id = c.organisation_id WHERE o.region_id = :r",
        r=region)
    axis, operator = option_values(demo, "call", "axis")[2], option_values(demo, "call", "operator")[0]
    assert set(ids(demo, "call", filters={"axis": (axis,), "operator": (operator,)})) == sql_ids(
        demo, "SELECT c.id FROM call c JOIN action ac ON ac.id = c.action_id WHERE ac.axis_id = :x "
              "AND c.operator_id = :o", x=axis, o=operator)


def test_disbursement_state_and_milestone_overdue_filters(demo: Database) -> None:
    every = ids(demo, "disbursement")
    state = column_index("disbursement", "state")
    values = rows(demo, "disbursement", every)
    paid_on, planned_on = column_index("disbursement", "paid_on"), column_index("disbursement", "planned_on")
    for value, label in [("paid", "Payé"), ("late", "En retard"), ("upcoming", "À venir")]:
        listed = set(ids(demo, "disbursement", filters={"state": (value,)}))
        assert listed == {i for i, r in values.items() if r[state] == label}
        assert listed
    assert {i for i, r in values.items() if r[state] == "En retard"} == {
        i for i, r in values.items() if r[paid_on] is None and r[planned_on] is not None and r[planned_on] < AS_OF}

    milestones = rows(demo, "milestone", ids(demo, "milestone"))
    overdue, status = column_index("milestone", "overdue"), column_index("milestone", "status")
    late = set(ids(demo, "milestone", filters={"overdue": (True,)}))
    assert late == {i for i, r in milestones.items() if r[overdue]}
    assert late and all(milestones[i][status] in ("En retard", "À venir") for i in late)
    assert set(ids(demo, "milestone", filters={"overdue": (False,)})) == set(milestones) - late
    with demo.read() as session:
        options = listing.filter_options(session, "milestone", "status")
    assert [label for _, label in options] == ["À venir", "Atteint", "En retard", "Annulé"]  # lifecycle order
    en_retard = next(v for v, label in options if label == "En retard")
    assert set(ids(demo, "milestone", filters={"status": (en_retard,)})) == sql_ids(
        demo, "SELECT id FROM milestone WHERE status_id = :s", s=en_retard)


def test_audit_filters(demo: Database) -> None:
    with demo.read() as session:
        sources = listing.filter_options(session, "audit", "source")
        actors = listing.filter_options(session, "audit", "actor")
    assert [v for v, _ in sources] == ["démo", "initialisation"]
    assert actors
    assert set(ids(demo, "audit", filters={"source": ("démo",), "entity": ("milestone",)})) == sql_ids(
        demo, "SELECT seq FROM audit_entry WHERE source = 'démo' AND entity = 'milestone'")
    # the demo's only updates: its calls said not notified to the European Commission; it deletes nothing
    assert set(ids(demo, "audit", filters={"operation": ("update", "delete")})) == sql_ids(
        demo, "SELECT seq FROM audit_entry WHERE operation = 'update' AND entity = 'call' AND field = 'eu_notified'")
    assert set(ids(demo, "audit", filters={"actor": (actors[0][0],)})) == sql_ids(
        demo, "SELECT seq FROM audit_entry WHERE actor = :a", a=actors[0][0])


def test_unknown_filters_are_refused(demo: Database) -> None:
    with pytest.raises(ValueError):
        ids(demo, "organisation", filters={"status": (1,)})
    with demo.read() as session, pytest.raises(ValueError):
        listing.filter_options(session, "organisation", "nope")


# --- search --------------------------------------------------------------------------------------------------


def org_texts(db: Database) -> dict[int, str]:
    """Every organisation's searchable text, folded, computed independently of the search key."""
    sql = ("SELECT o.id, o.name, coalesce(o.siren, ''), coalesce(o.siret, ''), coalesce(o.rna, ''), "
           "coalesce(o.foreign_id, ''), coalesce(r.name, ''), coalesce(d.name, ''), o.city FROM organisation o "
           "LEFT JOIN region r ON r.id = o.region_id "
           "LEFT JOIN department d ON d.id = o.department_id")
    with db.read() as session:
        texts = {int(r[0]): " ".join(fold(str(v)) for v in r[1:]) for r in session.execute(text(sql))}
        # the typology and département code the list shows: named by a word's beginning (listing.names_reference)
        references = {int(r[0]): (str(r[1] or ""), str(r[2] or "")) for r in session.execute(text(
            "SELECT o.id, ty.label, d.code FROM organisation o LEFT JOIN typology ty ON ty.id = o.typology_id "
            "LEFT JOIN department d ON d.id = o.department_id"))}
    return _Texts(texts, references)


class _Texts(dict):  # type: ignore[type-arg]
    """Organisation id -> its own folded text, with the labels of the references its list shows."""

    def __init__(self, texts: dict[int, str], references: dict[int, tuple[str, ...]]) -> None:
        super().__init__(texts)
        self.references = references


def matching(texts: dict[int, str], search: str) -> set[int]:
    """Every word is in the record's own text, or names one of the references its list shows."""
    words = fold(search).split()
    references = getattr(texts, "references", {})
    return {i for i, t in texts.items()
            if all(w in t or any(listing.names_reference(w, label) for label in references.get(i, ()))
                   for w in words)}


def test_search_finds_names_with_accents_and_regions(demo: Database) -> None:
    texts = org_texts(demo)
    found = set(ids(demo, "organisation", search="hopital sainte"))
    assert found == matching(texts, "hopital sainte")
    names = rows(demo, "organisation", sorted(found))
    assert found and all("Hôpital" in r[0] or "hopital" in fold(r[0] + " " + r[6]) for r in names.values())
    assert any(r[0].startswith("Hôpital privé Sainte-") for r in names.values())
    idf = sql_ids(demo, "SELECT o.id FROM organisation o JOIN region r ON r.id = o.region_id WHERE r.code = '11'")
    assert idf <= set(ids(demo, "organisation", search="ile"))  # 'ile' finds 'Île-de-France'


@pytest.mark.parametrize("variant", ["HÔPITAL", "hopital", "Hôpital", "  hÔpItAl  "])
def test_search_ignores_case_and_accents(demo: Database, variant: str) -> None:
    assert ids(demo, "organisation", search=variant) == ids(demo, "organisation", search="hopital")


def test_search_words_must_all_match(demo: Database) -> None:
    texts = org_texts(demo)
    one, other = set(ids(demo, "organisation", search="centre")), set(ids(demo, "organisation", search="bretagne"))
    both = set(ids(demo, "organisation", search="bretagne centre"))
    assert both == one & other == matching(texts, "centre bretagne")
    assert both and one - both and other - both


@pytest.mark.parametrize("search", ["%", "_", "'", '"', "\\", "50%", "a_b", "l'ouest", "%' OR 1=1 --",
                                    "'; DROP TABLE organisation; --", "\\%_", "[a-z]*"])
def test_search_with_special_characters(demo: Database, search: str) -> None:
    texts = org_texts(demo)
    found = ids(demo, "organisation", search=search, sort="name")
    assert set(found) == matching(texts, search)
    assert sql_ids(demo, "SELECT count(*) FROM organisation") == {len(texts)}  # the table is still there


def test_search_through_related_records(demo: Database) -> None:
    with demo.read() as session:
        acronym, project_id = session.execute(text(
            "SELECT a.acronym, p.id FROM project p JOIN application a ON a.id = p.application_id "
            "ORDER BY p.id LIMIT 1 OFFSET 7")).one()
    assert project_id in ids(demo, "project", search=acronym.lower())
    milestone_ids = sql_ids(demo, "SELECT id FROM milestone WHERE project_id = :p", p=project_id)
    assert milestone_ids <= set(ids(demo, "milestone", search=acronym))
    disbursement_ids = sql_ids(demo, "SELECT id FROM disbursement WHERE project_id = :p", p=project_id)
    assert disbursement_ids <= set(ids(demo, "disbursement", search=acronym))
    with demo.read() as session:
        contacts = {i: " ".join(fold(v) for v in r) for i, *r in session.execute(
            text("SELECT id, first_name, last_name, email, role FROM contact"))}
        calls = {i: fold(f"{code} {label}") for i, code, label in session.execute(
            text("SELECT id, code, label FROM call"))}
    assert set(ids(demo, "contact", search="Directrice M")) == matching(contacts, "directrice m") != set()
    assert set(ids(demo, "call", search="Évaluation")) == matching(calls, "evaluation") != set()
    seq = next(iter(sql_ids(demo, "SELECT seq FROM audit_entry WHERE entity = 'call' LIMIT 1")))
    with demo.read() as session:
        record = listing.record_uuid(session, "audit", seq)
    assert record[:8].isalnum()
    assert sql_ids(demo, "SELECT seq FROM audit_entry WHERE record_uuid = :u", u=record) <= set(
        ids(demo, "audit", search=record[:8]))


def test_search_filter_and_sort_combine(demo: Database) -> None:
    region = option_values(demo, "organisation", "region")[3]
    found = ids(demo, "organisation", search="sante", filters={"region": (region,)}, sort="city", descending=True)
    assert set(found) == matching(org_texts(demo), "sante") & sql_ids(
        demo, "SELECT id FROM organisation WHERE region_id = :r", r=region)
    city = column_index("organisation", "city")
    values = rows(demo, "organisation", found)
    keys = [fold(values[i][city]) for i in found]
    assert keys == sorted(keys, reverse=True)


# --- rows ----------------------------------------------------------------------------------------------------


def test_fetch_rows_gives_raw_values_per_column(demo: Database) -> None:
    for entity in TABLES:
        some = ids(demo, entity)[:50]
        fetched = rows(demo, entity, some)
        assert set(fetched) == set(some)
        columns = listing.columns(entity)
        for values in fetched.values():
            assert len(values) == len(columns)
            for column, value in zip(columns, values, strict=True):
                if value is None:
                    continue
                expected = {"money": int, "int": int, "date": date, "bool": bool, "text": str,
                            "datetime": str}[column.kind]
                assert isinstance(value, expected), (entity, column.key, value)
                assert not (column.kind in ("money", "int") and isinstance(value, bool))
    assert rows(demo, "organisation", []) == {}
    assert rows(demo, "organisation", [10**9]) == {}


def test_fetch_rows_values_match_the_tables(demo: Database) -> None:
    with demo.read() as session:
        org = session.execute(text("SELECT o.id, o.name, o.siren, o.siret, t.label, r.name, d.code, o.city "
                                   "FROM organisation o JOIN typology t ON t.id = o.typology_id "
                                   "JOIN region r ON r.id = o.region_id JOIN department d ON d.id = o.department_id "
                                   "WHERE o.id = 42")).one()
        project_id, committed, disbursed = session.execute(text(
            "SELECT p.id, (SELECT sum(grant_cents + advance_cents) FROM aid WHERE project_id = p.id), "
            "(SELECT sum(amount_cents) FROM disbursement WHERE project_id = p.id AND paid_on IS NOT NULL) "
            "FROM project p WHERE p.agreement_on IS NOT NULL ORDER BY p.id LIMIT 1")).one()
        call_id, applications, laureates = session.execute(text(
            "SELECT c.id, (SELECT count(*) FROM application WHERE call_id = c.id), (SELECT count(*) FROM project p "
            "JOIN application a ON a.id = p.application_id WHERE a.call_id = c.id) FROM call c WHERE c.code = 'PEPR-SN'"
        )).one()
    assert rows(demo, "organisation", [42])[42] == tuple(org[1:])
    project = rows(demo, "project", [project_id])[project_id]
    assert project[column_index("project", "committed")] == committed
    assert project[column_index("project", "disbursed")] == (disbursed or 0)
    call = rows(demo, "call", [call_id])[call_id]
    assert call[column_index("call", "applications")] == applications > 0
    assert call[column_index("call", "laureates")] == laureates > 0
    assert call[column_index("call", "budget")] == 60 * 100_000_000
    assert call[column_index("call", "opens_on")] == date(2022, 2, 1)


def test_audit_rows_are_readable(demo: Database) -> None:
    first = rows(demo, "audit", [1])[1]
    assert first[column_index("audit", "operation")] == "Création"
    assert first[column_index("audit", "entity")] == "Programme"
    assert first[column_index("audit", "source")] == "initialisation"


def test_record_uuid(demo: Database) -> None:
    with demo.read() as session:
        expected = session.execute(text("SELECT uuid FROM organisation WHERE id = 7")).scalar_one()
        assert listing.record_uuid(session, "organisation", 7) == expected
        with pytest.raises(LookupError):
            listing.record_uuid(session, "organisation", 10**9)


# --- the global search ------------------------------------------------------------------------------------


def test_search_all_groups_hits_by_entity(demo: Database) -> None:
    with demo.read() as session:
        groups = listing.search_all(session, "hopital sainte")
        hits = dict(groups)["organisation"]
        assert hits[0].title.startswith("Hôpital privé Sainte-")
        assert all(hit.entity == "organisation" for hit in hits) and len(hits) <= 8
        for hit in hits:
            assert listing.record_uuid(session, hit.entity, hit.id) == hit.uuid
        groups = listing.search_all(session, "sante", limit=3)
        order = [entity for entity, _ in groups]
        assert order == [e for e in listing.entities() if e in order]  # navigation order
        assert len(order) >= 3 and all(0 < len(hits) <= 3 for _, hits in groups)
        assert listing.search_all(session, "   ") == []
        assert listing.search_all(session, "%_") == []
        assert listing.search_all(session, "zzzzqqqq") == []


def test_search_all_ranks_names_starting_with_the_text_first(demo: Database) -> None:
    with demo.read() as session:
        hits = dict(listing.search_all(session, "centre", limit=50))["organisation"]
    starts = [fold(h.title).startswith("centre") for h in hits]
    assert starts[0] and starts == sorted(starts, reverse=True)


def test_page_of_rows_in_display_order(demo: Database) -> None:
    order = ids(demo, "application", sort="lead")
    page = order[100:300]
    fetched = rows(demo, "application", page)
    lead = column_index("application", "lead")
    names = [fold(fetched[i][lead]) for i in page]
    assert names == sorted(names)


def test_homonyms_sort_by_the_rest_of_their_text(tmp_path: Path) -> None:
    """Two organisations named alike (folded) are ordered by the rest of their searchable text, then by id,
    with or without a search."""
    from portfolio.services.changes import Create, apply_changes, new_uuid

    with open_portfolio(tmp_path / "p.sqlite") as db:
        apply_changes(db, [Create("organisation", new_uuid(), {"name": name, "city": city})
                           for name, city in [("CHU de Nantes", "Nantes"), ("Chu de nantes", "Angers"),
                                              ("CHU de Nantes", "Angers"), ("Clinique", "Nantes")]], source="t")
        assert ids(db, "organisation", sort="name") == [2, 3, 1, 4]
        assert ids(db, "organisation", sort="name", search="nantes") == [2, 3, 1, 4]
        assert ids(db, "organisation", sort="name", search="chu", descending=True) == [1, 3, 2]


def test_journal_search_ignores_accents(demo: Database) -> None:
    with demo.read() as session:
        by_plain = listing.query_ids(session, listing.ListQuery("audit", search="demo"))
        by_accent = listing.query_ids(session, listing.ListQuery("audit", search="DÉMO"))
        expected = session.execute(text("SELECT count(*) FROM audit_entry WHERE source = 'démo'")).scalar_one()
    assert len(by_plain) == len(by_accent) == expected > 0


@pytest.mark.parametrize("entity", [e for e in TABLES if e != "audit"])
def test_every_text_column_a_list_shows_is_searched(demo: Database, entity: str) -> None:
    """Issue #19: "oncomind" found 0 projects although Oncomind SASU leads two and the Porteur column shows it.
    For each text column a list shows, the words of a row's value find that row, whatever the column."""
    every = ids(demo, entity)
    shown = rows(demo, entity, every)
    text_columns = [i for i, c in enumerate(listing.columns(entity)) if c.kind == "text"]
    assert text_columns
    for index in text_columns:
        column = listing.columns(entity)[index]
        with_value = [i for i in every if isinstance(shown[i][index], str) and fold(shown[i][index]).strip()]
        assert with_value, f"no {entity} shows a value in {column.key}"
        record = with_value[len(with_value) // 2]
        value = shown[record][index]
        found = ids(demo, entity, search=value)
        assert record in found, f"{entity}: searching {value!r} (column {column.label}) misses record {record}"


def test_projects_and_applications_are_found_by_their_porteur(demo: Database) -> None:
    lead, name = next(iter(sql_ids_names(demo)))
    word = max(fold(name).split(), key=len)
    expected = sql_ids(demo, "SELECT p.id FROM project p JOIN application a ON a.id = p.application_id "
                             "JOIN organisation o ON o.id = a.lead_organisation_id WHERE o.name_key LIKE :w",
                       w=f"%{word}%")
    assert expected and expected <= set(ids(demo, "project", search=word))
    assert lead in {row[column_index("application", "lead")] for row in
                    rows(demo, "application", ids(demo, "application", search=name)).values()} | {lead}
    applications = sql_ids(demo, "SELECT a.id FROM application a JOIN organisation o ON o.id = a.lead_organisation_id "
                                 "WHERE o.name_key LIKE :w", w=f"%{word}%")
    assert applications <= set(ids(demo, "application", search=word))


def sql_ids_names(demo: Database) -> list[tuple[int, str]]:
    with demo.read() as session:
        return [(int(r[0]), str(r[1])) for r in session.execute(text(
            "SELECT o.id, o.name FROM organisation o JOIN application a ON a.lead_organisation_id = o.id "
            "JOIN project p ON p.application_id = a.id GROUP BY o.id, o.name HAVING count(*) >= 2 ORDER BY o.id"))]


def test_each_list_says_what_its_filter_searches() -> None:
    assert listing.search_hint("call") != listing.search_hint("organisation")
    assert "porteur" in listing.search_hint("project") and "intitulé" in listing.search_hint("call")
    assert "siret" not in listing.search_hint("call")


@pytest.mark.parametrize(("word", "label", "named"), [
    ("bret", "Bretagne", True), ("ile", "Île-de-France", True), ("pme", "PME", True), ("3", "A3.3", True),
    ("a3", "A3.3", True), ("m", "Établissement public", False), ("m", "M", True), ("tagne", "Bretagne", False),
    ("35", "35", True), ("etab", "Établissement de santé", True)])
def test_a_word_names_a_reference_by_the_beginning_of_a_word(word: str, label: str, named: bool) -> None:
    assert listing.names_reference(word, label) is named
