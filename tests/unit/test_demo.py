"""The demo portfolio reproduces the programme's published figures, deterministically."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from portfolio.db.database import Database
from portfolio.domain.identifiers import is_valid_siren, is_valid_siret, parse_org_id, parse_rna
from portfolio.services.audit import verify_chain
from portfolio.services.demo import AS_OF, DemoError, write_demo
from portfolio.services.portfolio import open_portfolio
from portfolio.services.stats import key_figures

PORTFOLIO_TABLES = ("organisation", "contact", "application", "application_partner", "project", "aid",
                    "disbursement", "milestone", "officer", "note", "reminder", "document")


def make_demo(path: Path, seed: int = 2030, scale: int = 1) -> Database:
    db = open_portfolio(path)
    write_demo(db, seed=seed, scale=scale)
    return db


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = make_demo(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    yield db
    db.close()


def scalar(db: Database, sql: str) -> int:
    with db.read() as session:
        return session.execute(text(sql)).scalar_one()


def contents_digest(db: Database) -> str:
    digest = hashlib.sha256()
    with db.read() as session:
        for table in PORTFOLIO_TABLES:
            for row in session.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                digest.update(repr(tuple(row)).encode())
        for row in session.execute(text("SELECT * FROM document_content ORDER BY document_uuid")):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_published_figures(demo: Database) -> None:
    with demo.read() as session:
        figures = key_figures(session)
    assert figures.applicants >= 660
    assert figures.laureates == 350
    assert figures.committed_cents >= 550 * 100_000_000
    assert figures.committed_grant_cents > 0 and figures.committed_advance_cents > 0
    assert figures.committed_cents == figures.committed_grant_cents + figures.committed_advance_cents
    assert figures.regions == 18
    assert figures.axes == 5 and figures.actions == 32
    # an independent computation of the committed total over the raw rows
    assert figures.committed_cents == scalar(demo, "SELECT sum(grant_cents) + sum(advance_cents) FROM aid")
    assert scalar(demo, "SELECT count(DISTINCT lead_organisation_id) FROM application") == figures.applicants


def test_calls_operators_and_grands_defis(demo: Database) -> None:
    assert scalar(demo, "SELECT count(*) FROM call WHERE operator_id IS NULL OR action_id IS NULL") == 0
    for prefix in ("GD-SM", "GD-BV"):
        laureates = scalar(demo, "SELECT count(*) FROM project p JOIN application a ON a.id = p.application_id "
                                 f"JOIN call c ON c.id = a.call_id WHERE c.code LIKE '{prefix}%'")
        assert laureates >= 1, prefix
    assert scalar(demo, "SELECT count(DISTINCT a.call_id) FROM project p JOIN application a "
                        "ON a.id = p.application_id") == scalar(demo, "SELECT count(*) FROM call")


def test_every_demo_record_is_synthetic(demo: Database) -> None:
    for table in PORTFOLIO_TABLES:
        assert scalar(demo, f"SELECT count(*) FROM {table}") > 0, table
        assert scalar(demo, f"SELECT count(*) FROM {table} WHERE synthetic = 0") == 0, table
    # the reference tables are the programme's, not synthetic
    assert scalar(demo, "SELECT count(*) FROM region WHERE synthetic = 1") == 0


def test_organisations_are_realistic(demo: Database) -> None:
    with demo.read() as session:
        rows = session.execute(text("SELECT name, siren, siret, rna, foreign_id, t.code FROM organisation o "
                                    "JOIN typology t ON t.id = o.typology_id")).all()
        typologies = session.execute(text("SELECT count(DISTINCT typology_id) FROM organisation")).scalar_one()
        all_typologies = session.execute(text("SELECT count(*) FROM typology")).scalar_one()
    french = [(siren, siret) for _, siren, siret, _, _, _ in rows if siret]
    assert all(is_valid_siren(siren) and is_valid_siret(siret) and siret.startswith(siren) for siren, siret in french)
    assert len({siren for siren, _ in french}) == len(french)
    # an association has its RNA number, some are known by it alone; a few partners are outside France
    assert all(parse_rna(rna) == rna for *_, rna, _, _ in rows if rna)
    assert all(code == "ASSO" for _, _, siret, rna, _, code in rows if rna and not siret)
    assert any(rna and not siret for _, _, siret, rna, _, _ in rows)
    foreign = [foreign_id for *_, foreign_id, _ in rows if foreign_id]
    assert len(foreign) == 5 and all(parse_org_id(f) == f for f in foreign)
    assert all(siret or rna or foreign_id for _, _, siret, rna, foreign_id, _ in rows)  # each has an identifier
    assert len({name for name, *_ in rows}) == len(rows)  # no two organisations share a name
    assert typologies == all_typologies
    assert any(name.startswith("CHU de ") or name.startswith("Centre hospitalier") for name, *_ in rows)


def test_consortia_contacts_money_and_milestones(demo: Database) -> None:
    roles = {r for r in ("chef_de_file", "partenaire", "partenaire_non_finance")
             if scalar(demo, f"SELECT count(*) FROM application_partner WHERE role = '{r}'")}
    assert roles == {"chef_de_file", "partenaire", "partenaire_non_finance"}
    assert scalar(demo, "SELECT count(*) FROM application") == scalar(
        demo, "SELECT count(*) FROM application_partner WHERE role = 'chef_de_file'")
    assert scalar(demo, "SELECT count(*) FROM contact") >= scalar(demo, "SELECT count(*) FROM organisation")
    years = {y for y in range(2021, 2027)
             if scalar(demo, f"SELECT count(*) FROM disbursement WHERE paid_on LIKE '{y}-%'")}
    assert years >= set(range(2022, 2027)), years  # from the first agreements (December 2021) on, every year
    committed = scalar(demo, "SELECT sum(grant_cents + advance_cents) FROM aid")
    disbursed = scalar(demo, "SELECT sum(amount_cents) FROM disbursement WHERE paid_on IS NOT NULL")
    assert 0.3 * committed < disbursed < 0.8 * committed  # a realistic gap
    overdue = scalar(demo, f"SELECT count(*) FROM milestone WHERE done_on IS NULL AND due_on < '{AS_OF}'")
    assert overdue > 0
    assert scalar(demo, "SELECT count(*) FROM milestone WHERE done_on IS NOT NULL") > overdue


def test_the_demo_gives_the_officers_desk_something_to_show(demo: Database) -> None:
    """Officers in charge, notes, reminders due and quiet projects on the demo's today, whole documents."""
    from portfolio.services.documents import document_problems
    from portfolio.services.follow_up import follow_up

    assert scalar(demo, "SELECT count(*) FROM officer") == 6
    assert scalar(demo, "SELECT count(*) FROM project WHERE officer_id IS NULL") < scalar(
        demo, "SELECT count(*) FROM project") / 10
    with demo.read() as session:
        counts = follow_up(session, AS_OF, 30, limit=0).counts
        assert document_problems(session) == []
    assert all(counts[section] > 0 for section in ("overdue_milestones", "tranches_due", "reminders_due",
                                                     "quiet_projects")), counts
    assert scalar(demo, "SELECT count(*) FROM document") == 12
    assert scalar(demo, "SELECT count(*) FROM note WHERE written_on > :d".replace(":d", f"'{AS_OF}'")) == 0


def test_demo_goes_through_the_door(demo: Database) -> None:
    records = sum(scalar(demo, f"SELECT count(*) FROM {t}") for t in PORTFOLIO_TABLES)
    # one entry per record created, and one per call it says is not notified to the Commission (SCDL)
    calls = scalar(demo, "SELECT count(*) FROM call")
    assert scalar(demo, "SELECT count(*) FROM audit_entry WHERE source = 'démo'") == records + calls
    assert scalar(demo, "SELECT count(*) FROM audit_entry WHERE source = 'démo' AND field = 'eu_notified'") == calls
    with demo.read() as session:
        assert verify_chain(session).ok


def test_same_seed_same_contents(tmp_path: Path, demo: Database) -> None:
    again = make_demo(tmp_path / "again.sqlite")
    other = make_demo(tmp_path / "other.sqlite", seed=7)
    try:
        assert contents_digest(again) == contents_digest(demo)
        assert contents_digest(other) != contents_digest(demo)
    finally:
        again.close()
        other.close()


def test_scale_multiplies_volume(tmp_path: Path) -> None:
    db = make_demo(tmp_path / "x2.sqlite", scale=2)
    try:
        assert scalar(db, "SELECT count(*) FROM organisation") == 2000
        assert scalar(db, "SELECT count(*) FROM project") == 700
        assert scalar(db, "SELECT sum(grant_cents + advance_cents) FROM aid") >= 2 * 550 * 100_000_000
    finally:
        db.close()


def test_demo_refuses_a_database_with_data(demo: Database) -> None:
    before = scalar(demo, "SELECT count(*) FROM organisation")
    with pytest.raises(DemoError, match="contient déjà"):
        write_demo(demo)
    assert scalar(demo, "SELECT count(*) FROM organisation") == before
