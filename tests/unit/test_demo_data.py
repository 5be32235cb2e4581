"""The demo's data reads right: e-mail addresses keep every letter of the names, organisation names put "de"
before a town the way French does, and a project's status agrees with its tranches and milestones (issue #19)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from portfolio.db.database import Database
from portfolio.domain.referential import DEPARTMENTS
from portfolio.services import demo_data as words
from portfolio.services.demo import AS_OF, de, email_local_part, transliterate, write_demo
from portfolio.services.portfolio import open_portfolio


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = open_portfolio(tmp_path_factory.mktemp("demo-data") / "demo.sqlite")
    write_demo(db)
    yield db
    db.close()


def rows(db: Database, sql: str) -> list[tuple]:
    with db.read() as session:
        return [tuple(row) for row in session.execute(text(sql))]


def as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- e-mail addresses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "last", "local"), [
    ("Étienne", "André", "etienne.andre"),
    ("François", "Lefèvre", "francois.lefevre"),
    ("Chloé", "Cœur", "chloe.coeur"),
    ("Lætitia", "Straße", "laetitia.strasse"),
    ("Jean-Luc", "Le Gall", "jean-luc.le-gall"),
    ("Aïcha", "N'Diaye", "aicha.ndiaye"),
    ("Zoé", "D’Artagnan", "zoe.dartagnan"),
    ("Øystein", "Łukasz", "oystein.lukasz"),
])
def test_email_local_part_transliterates_every_letter(first: str, last: str, local: str) -> None:
    assert email_local_part(first, last) == local


def test_a_letter_without_ascii_spelling_is_refused_not_dropped() -> None:
    with pytest.raises(ValueError):
        transliterate("Ελένη")


def test_every_demo_name_has_an_ascii_spelling() -> None:
    for name in words.FIRST_NAMES + words.LAST_NAMES:
        transliterate(name)  # raises for a name whose letters would be lost


def expected_local(first: str, last: str) -> str:
    """The transliteration, computed apart from the generator's helper: accents off, œ/æ/ß spelt out, apostrophes
    dropped, spaces and hyphens as one hyphen."""
    def word(name: str) -> str:
        plain = name.lower()
        for letter, spelling in {"œ": "oe", "æ": "ae", "ß": "ss"}.items():
            plain = plain.replace(letter, spelling)
        for accented, base in zip("àâäáãåçéèêëíìîïñóòôöõúùûüýÿ", "aaaaaaceeeeiiiinooooouuuuyy", strict=True):
            plain = plain.replace(accented, base)
        plain = plain.replace("'", "").replace("’", "")
        return re.sub(r"[ -]+", "-", plain)
    return f"{word(first)}.{word(last)}"


def test_demo_contacts_emails_are_their_names_transliterated(demo: Database) -> None:
    contacts = rows(demo, "SELECT first_name, last_name, email FROM contact")
    assert contacts
    for first, last, email in contacts:
        local, domain = email.split("@")
        assert re.fullmatch(r"[a-z0-9.-]+", local), email
        assert local == expected_local(first, last), (first, last, email)
        assert re.fullmatch(r"[a-z0-9]+\.example", domain), email
    # names with accents and with spaces are among them: the check above is not vacuous
    assert any(not f"{first}{last}".isascii() for first, last, _ in contacts)
    assert any(" " in last for _, last, _ in contacts)


def test_demo_email_domains_keep_the_organisations_letters(demo: Database) -> None:
    hospitals = rows(demo, "SELECT o.name, c.email FROM contact c JOIN organisation o ON o.id = c.organisation_id "
                           "WHERE o.name LIKE 'Hôpital privé%'")
    assert hospitals
    assert all(email.split("@")[1].startswith("hopitalprive") for _, email in hospitals)


# --- "de" before a town's or a department's name ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "article", "expected"), [
    ("Rennes", "", "de Rennes"),
    ("Angers", "", "d'Angers"),
    ("Orléans", "", "d'Orléans"),
    ("Évreux", "", "d'Évreux"),
    ("Épinal", "", "d'Épinal"),
    ("Le Mans", "", "du Mans"),
    ("Le Havre", "", "du Havre"),
    ("Le Puy-en-Velay", "", "du Puy-en-Velay"),
    ("Les Sables-d'Olonne", "", "des Sables-d'Olonne"),
    ("La Rochelle", "", "de La Rochelle"),
    ("La Réunion", "", "de La Réunion"),
    ("Hyères", "", "d'Hyères"),
    ("Haguenau", "", "de Haguenau"),
    ("Yvetot", "", "d'Yvetot"),
    ("Nord", "le", "du Nord"),
    ("Gironde", "la", "de la Gironde"),
    ("Ain", "l'", "de l'Ain"),
    ("Landes", "les", "des Landes"),
    ("Paris", "", "de Paris"),
    ("Eure-et-Loir", "", "d'Eure-et-Loir"),
])
def test_de_before_a_name(name: str, article: str, expected: str) -> None:
    assert de(name, article) == expected


def test_every_department_article_is_known() -> None:
    codes = {d.code for d in DEPARTMENTS}
    assert set(words.DEPARTMENT_ARTICLES) <= codes
    assert set(words.DEPARTMENT_ARTICLES.values()) <= {"le", "la", "les", "l'"}
    # a name that starts with a vowel and takes no article elides: "d'Eure-et-Loir", not "de Eure-et-Loir"
    for department in DEPARTMENTS:
        phrase = de(department.name, words.DEPARTMENT_ARTICLES.get(department.code, ""))
        assert not BAD_DE.search(phrase), phrase


# "de" before a vowel (or a mute h, as in every name the demo has), and "de" before an article it contracts with
BAD_DE = re.compile(r"\bde (?:Le |Les |le |les |[AEIOUÉÈÊËÎÏÔÖÛÜÂÀÄaeiouéèêëîïôöûüâàäHh])")


def test_demo_organisation_names_put_de_before_a_town_as_french_does(demo: Database) -> None:
    names = [name for (name,) in rows(demo, "SELECT name FROM organisation")]
    wrong = [name for name in names if BAD_DE.search(name)]
    assert not wrong, wrong[:10]
    # the towns that take "d'", "du" or "de La" are among the demo's: the check above is not vacuous
    assert any("d'" in name and name.split("d'", 1)[1][:1] in "AEIOUÉ" for name in names)
    assert any(" du " in name and name.endswith(("du Mans", "du Puy-en-Velay")) for name in names)


# --- statuses agree with tranches and milestones ------------------------------------------------------------------

TRANCHES = ("SELECT s.code, p.id, p.agreement_on, p.end_on, d.planned_on, d.paid_on, d.organisation_id, d.aid_part, "
            "d.id FROM disbursement d JOIN project p ON p.id = d.project_id JOIN status s ON s.id = p.status_id")


def test_a_settled_project_has_paid_every_tranche(demo: Database) -> None:
    tranches = rows(demo, TRANCHES)
    settled = [t for t in tranches if t[0] == "solde"]
    assert settled
    for _, project, agreement, _, planned, paid, *_ in settled:
        assert paid is not None, project
        assert as_date(agreement) <= as_date(paid) <= AS_OF, project
        assert as_date(paid) >= as_date(planned), project  # paid when due, not pulled forward to fit
    # the balance tranches are paid after the project's end
    balances = rows(demo, "SELECT p.end_on, d.paid_on FROM disbursement d JOIN project p ON p.id = d.project_id "
                          "JOIN status s ON s.id = p.status_id WHERE s.code = 'solde' AND d.label LIKE '%olde'")
    assert balances and all(as_date(paid) > as_date(end) for end, paid in balances)


def test_no_tranche_is_paid_in_the_future_or_before_the_agreement(demo: Database) -> None:
    for status, project, agreement, _, _, paid, *_ in rows(demo, TRANCHES):
        if paid is not None:
            assert agreement is not None, project
            assert as_date(agreement) <= as_date(paid) <= AS_OF, (status, project)


def test_tranches_are_paid_in_order_and_open_projects_have_not_paid_them_all(demo: Database) -> None:
    by_part: dict[tuple, list[tuple]] = {}
    for status, project, _, _, _, paid, org, part, tranche_id in rows(demo, TRANCHES):
        by_part.setdefault((status, project, org, part), []).append((tranche_id, paid))
    by_project: dict[tuple[str, int], list[object]] = {}
    for (status, project, _, _), tranches in by_part.items():
        # in the order of their ids: signature, intermediate, balance
        paid = [p is not None for _, p in sorted(tranches)]
        # never a later tranche paid while an earlier one of the same aid part is not
        assert paid == sorted(paid, reverse=True), (status, project)
        if status == "abandonne":  # an abandoned project paid its advance at most
            assert not any(paid[1:]), project
        by_project.setdefault((status, project), []).extend(paid)
    for (status, project), paid in by_project.items():
        if status != "solde":  # a project that has paid everything, its balance included, is settled
            assert not all(paid), (status, project)


def test_a_settled_project_has_no_milestone_left_open(demo: Database) -> None:
    open_ones = rows(demo, "SELECT p.id, ms.code FROM milestone m JOIN project p ON p.id = m.project_id "
                           "JOIN status s ON s.id = p.status_id JOIN status ms ON ms.id = m.status_id "
                           "WHERE s.code = 'solde' AND ms.code NOT IN ('atteint', 'annule')")
    assert not open_ones, open_ones[:10]
    assert rows(demo, f"SELECT count(*) FROM milestone WHERE done_on > '{AS_OF}'") == [(0,)]


def test_another_seed_holds_the_same_rules(tmp_path: Path) -> None:
    db = open_portfolio(tmp_path / "seed7.sqlite")
    try:
        write_demo(db, seed=7)
        assert rows(db, "SELECT count(*) FROM disbursement d JOIN project p ON p.id = d.project_id "
                        "JOIN status s ON s.id = p.status_id WHERE s.code = 'solde' AND (d.paid_on IS NULL "
                        f"OR d.paid_on > '{AS_OF}' OR d.paid_on < p.agreement_on)") == [(0,)]
        names = [name for (name,) in rows(db, "SELECT name FROM organisation")]
        assert not [name for name in names if BAD_DE.search(name)]
        for first, last, email in rows(db, "SELECT first_name, last_name, email FROM contact"):
            assert email.split("@")[0] == expected_local(first, last), email
    finally:
        db.close()
