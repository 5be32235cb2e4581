"""Values shown the French way, and the reference picker's search."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from portfolio.db.database import Database
from portfolio.services.display import display, search_titles, status_choices


def test_display_french_formats() -> None:
    assert display("money", 123456789) == "1\u00a0234\u00a0567,89\u00a0€"
    assert display("date", date(2026, 11, 28)) == "28/11/2026"
    assert display("bool", True) == "Oui" and display("text", None) == ""
    assert display("datetime", "2026-11-28T13:00:00+00:00").startswith("28/11/2026 ")


def test_reference_picker_search_ignores_accents_and_case(db: Database) -> None:
    with db.read() as session:
        accented = search_titles(session, "region", "Île")
        plain = search_titles(session, "region", "ile DE")
        odd = search_titles(session, "region", "%_'\\")
    assert [t for _, t in accented] == [t for _, t in plain] == ["Île-de-France"]
    assert len(odd) == 18  # punctuation only is no search at all (as in the lists), and no SQL error


def test_status_choices_follow_the_lifecycle(db: Database) -> None:
    with db.read() as session:
        ids = dict(session.execute(text("SELECT code, id FROM status WHERE entity = 'application'")).all())
        initial = status_choices(session, "application", None)
        after_instruction = status_choices(session, "application", ids["instruction"])
    assert [label for _, label in initial] == ["Déposée"]
    assert {label for _, label in after_instruction} == {"En instruction", "Lauréate", "Non retenue", "Abandonnée"}
