"""The officer's desk (issue #21), its core: a project's dossier and the follow-up, on a file and on a team's
server, checked against the KPIs and against counts made here in plain SQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from tests.demo_portfolios import demo_on_both

from portfolio import cli
from portfolio.db.database import Database
from portfolio.domain.errors import PortfolioError
from portfolio.services.demo import AS_OF, write_demo
from portfolio.services.dossier import LATE, PAID, UPCOMING, find_project, read_dossier
from portfolio.services.follow_up import SECTIONS, follow_up
from portfolio.services.kpi import compute
from portfolio.services.portfolio import open_portfolio


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo portfolio in a file, and on the test server: the same answers on both."""
    yield from demo_on_both(request, tmp_path_factory)


def _scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.read() as session:
        return session.execute(text(sql), params).scalar()


def test_every_dossier_adds_up_to_the_kpis(demo: Database) -> None:
    """Committed and paid, summed over every project's dossier, are the KPIs' committed and disbursed to the cent;
    each dossier's lines are the project's own aid and payments."""
    with demo.read() as session:
        ids = [i for (i,) in session.execute(text("SELECT id FROM project ORDER BY id"))]
        dossiers = [read_dossier(session, i, AS_OF) for i in ids]
        kpis = compute(session, today=AS_OF)
    assert len(dossiers) > 300
    assert sum(d.committed_cents for d in dossiers) == kpis.committed_cents
    assert sum(d.paid_cents for d in dossiers) == kpis.disbursed_cents
    biggest = max(dossiers, key=lambda d: len(d.aid))
    assert len(biggest.aid) > 1 and biggest.aid[0].organisation == biggest.lead  # the lead first
    assert biggest.committed_cents == _scalar(demo, "SELECT sum(grant_cents + advance_cents) FROM aid "
                                                    "WHERE project_id = :p", p=biggest.project_id)
    assert len(biggest.tranches) == _scalar(demo, "SELECT count(*) FROM disbursement WHERE project_id = :p",
                                            p=biggest.project_id)


def test_a_dossier_marks_what_is_late_and_how_late(demo: Database) -> None:
    with demo.read() as session:
        ids = [i for (i,) in session.execute(text("SELECT id FROM project ORDER BY id"))]
        dossiers = [read_dossier(session, i, AS_OF) for i in ids]
    tranches = [t for d in dossiers for t in d.tranches]
    states = {t.state for t in tranches}
    assert states == {PAID, LATE, UPCOMING}
    for tranche in tranches:
        if tranche.state == PAID:
            assert tranche.paid_on is not None and tranche.days is None
        elif tranche.state == LATE:
            assert tranche.planned_on is not None and tranche.days == (AS_OF - tranche.planned_on).days > 0
        else:
            assert tranche.paid_on is None and (tranche.planned_on is None or tranche.planned_on >= AS_OF)
    late = [m for d in dossiers for m in d.milestones if m.late_days is not None]
    assert late and all(m.done_on is None and m.due_on is not None and m.late_days == (AS_OF - m.due_on).days > 0
                        for m in late)
    kpis_overdue = _overdue_in_sql(demo, AS_OF)
    assert len(late) == kpis_overdue


def _overdue_in_sql(db: Database, today: date) -> int:
    return int(_scalar(db, "SELECT count(*) FROM milestone m JOIN status s ON s.id = m.status_id "
                           "WHERE m.done_on IS NULL AND m.due_on < :today AND s.code NOT IN ('atteint', 'annule')",
                       today=today))


def test_the_follow_up_agrees_with_the_dashboard_and_with_sql(demo: Database) -> None:
    """`suivi`'s overdue milestones are the dashboard's count; what is due within 30 days and the tranches to pay
    are counted here apart."""
    with demo.read() as session:
        result = follow_up(session, AS_OF, 30)
        kpis = compute(session, today=AS_OF)
    assert len(result.overdue_milestones) == kpis.overdue_milestones == _overdue_in_sql(demo, AS_OF) > 0
    horizon = AS_OF + timedelta(days=30)
    assert len(result.milestones_due) == _scalar(
        demo, "SELECT count(*) FROM milestone m JOIN status s ON s.id = m.status_id WHERE m.done_on IS NULL "
              "AND m.due_on >= :today AND m.due_on <= :horizon AND s.code NOT IN ('atteint', 'annule')",
        today=AS_OF, horizon=horizon)
    assert len(result.tranches_due) == _scalar(
        demo, "SELECT count(*) FROM disbursement WHERE paid_on IS NULL AND planned_on <= :horizon",
        horizon=horizon) > 0
    assert result.counts == {name: len(getattr(result, name)) for name in SECTIONS}
    with demo.read() as session:  # a page: the first lines of each section, in the same order, the counts whole
        page = follow_up(session, AS_OF, 30, limit=5)
    assert page.counts == result.counts and page.tranches_due == result.tranches_due[:5]
    assert page.overdue_milestones == result.overdue_milestones[:5]
    days = [line.days_late for line in result.overdue_milestones]
    assert days == sorted(days, reverse=True) and min(days) > 0  # the oldest first
    assert all(-30 <= line.days_late <= 0 for line in result.milestones_due)
    assert all(line.amount_cents is not None and line.days_late >= -30 for line in result.tranches_due)


def test_a_project_is_found_by_its_acronym_or_uuid_and_never_guessed(demo: Database) -> None:
    with demo.read() as session:
        acronym, uuid, project_id = session.execute(text(
            "SELECT a.acronym, p.uuid, p.id FROM project p JOIN application a ON a.id = p.application_id "
            "WHERE a.acronym <> '' ORDER BY p.id LIMIT 1")).one()
        assert find_project(session, acronym.lower()) == find_project(session, f" {uuid} ") == project_id
        with pytest.raises(PortfolioError, match="Aucun projet lauréat"):
            find_project(session, "PAS-UN-ACRONYME")


def test_two_projects_of_one_acronym_are_told_apart_by_uuid(tmp_path: Path) -> None:
    from portfolio.services.changes import FieldChange, apply_changes

    db = open_portfolio(tmp_path / "demo.sqlite")
    write_demo(db)
    with db.read() as session:
        (_first, acronym), (second_app, second_acronym) = session.execute(text(
            "SELECT a.uuid, a.acronym FROM project p JOIN application a ON a.id = p.application_id "
            "WHERE a.acronym <> '' ORDER BY p.id LIMIT 2")).all()
    apply_changes(db, [FieldChange("application", second_app, "acronym", second_acronym, acronym)], source="test")
    with db.read() as session, pytest.raises(PortfolioError, match="2 projets lauréats ont l'acronyme"):
        find_project(session, acronym)
    db.close()


def test_the_command_line_prints_the_dossier_and_the_follow_up(demo: Database,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    location = str(demo.path)
    with demo.read() as session:
        acronym = session.execute(text(
            "SELECT a.acronym FROM project p JOIN application a ON a.id = p.application_id "
            "JOIN disbursement d ON d.project_id = p.id WHERE a.acronym <> '' GROUP BY a.acronym "
            "HAVING count(DISTINCT p.id) = 1 ORDER BY a.acronym LIMIT 1")).scalar()
    assert cli.main(["dossier", acronym, "--db", location, "--today", AS_OF.isoformat(), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown) == {"project", "aid", "totals", "tranches", "milestones", "contacts", "notes", "documents",
                          "reminders"}
    assert shown["project"]["acronym"] == acronym and shown["tranches"]
    assert set(shown["aid"][0]) >= {"organisation", "grant", "advance", "paid", "remaining"}
    assert sum(float(line["paid"]) for line in shown["aid"]) == pytest.approx(float(shown["totals"]["paid"]))
    assert cli.main(["suivi", "--db", location, "--today", AS_OF.isoformat(), "--json"]) == 0
    follow = json.loads(capsys.readouterr().out)
    assert set(follow) == {"today", "days", "officer", "counts", "overdue_milestones", "milestones_due",
                           "tranches_due", "reminders_due", "quiet_projects"}
    assert follow["counts"]["tranches_due"] == len(follow["tranches_due"])
    line = follow["overdue_milestones"][0]
    assert set(line) == {"project_uuid", "acronym", "item", "item_uuid", "date", "days_late"}
    assert cli.main(["suivi", "--db", location, "--today", AS_OF.isoformat()]) == 0
    assert "Jalons en retard : " in capsys.readouterr().out
    assert cli.main(["suivi", "--db", location, "--today", "31/10/2026"]) == 1
    assert "AAAA-MM-JJ" in capsys.readouterr().err


def test_a_reader_that_stops_reading_gets_no_error_line(demo: Database) -> None:
    """`portfolio suivi | head -1`: the command stops quietly when its reader stops reading."""
    import subprocess
    import sys

    if not demo.is_file:
        pytest.skip("the same on a server: this is about the command's output")
    process = subprocess.Popen([sys.executable, "-m", "portfolio", "suivi", "--db", str(demo.path), "--days", "3650"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline()
    process.stdout.close()  # (the reader goes away: the command's next writes meet a broken pipe)
    _out, err = process.communicate(timeout=60)
    assert err.decode() == ""
