"""A team's server with several roles (issue #18, item 3): the owner, officers, auditors (docs/team-mode.md).

The probe: on a shared server every role could do anything the application does, with another program. Here an
officer's direct UPDATE is found by `check` (the replay), a forged audit entry in a colleague's name is refused by
the server, TRUNCATE and DISABLE TRIGGER on the trail are impossible for every role but the owner (and seen by
`check` when the owner does it), and the administrator's signed head shows a trail rewritten before it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from portfolio import cli
from portfolio.services.changes import Create, FieldChange, apply_changes
from portfolio.services.portfolio import open_portfolio
from portfolio.services.signing_keys import init_keys, key_paths

ORG = "0191e0a0-0000-7000-8000-00000000a001"


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


@pytest.fixture
def team(postgres, pg_url: str) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """A team database made by its owner, with officers alice and mallory and the auditor audrey."""
    with psycopg.connect(pg_url, autocommit=True) as connection:
        for role in ("alice", "mallory", "audrey"):
            with contextlib.suppress(psycopg.errors.DuplicateObject):
                connection.execute(f"CREATE ROLE {role} LOGIN")
    with open_portfolio(pg_url) as db:
        apply_changes(db, [Create("organisation", ORG, {"name": "Cardiologic SAS", "city": "Rennes"})],
                      source="propriétaire")
    assert cli.main(["server", "grant", "--db-url", pg_url, "--officer", "alice", "--officer", "mallory",
                     "--auditor", "audrey"]) == 0
    yield {"owner": pg_url, **{role: as_role(pg_url, role) for role in ("alice", "mallory", "audrey")}}


def check(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["check", "--db-url", url])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_an_officer_writes_through_the_application_in_their_own_name(team: dict[str, str],
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with open_portfolio(team["alice"]) as db:
        apply_changes(db, [FieldChange("organisation", ORG, "city", "Rennes", "Brest")], source="écran",
                      actor="quelqu'un d'autre")
    with psycopg.connect(team["owner"]) as connection:
        assert connection.execute("SELECT actor FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()[0] == "alice"
    assert check(team["audrey"], capsys)[0] == 0  # the auditor checks, read-only


def test_an_officers_direct_update_is_found_by_check(team: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(team["mallory"], autocommit=True) as connection:
        connection.execute("UPDATE organisation SET city = 'Ailleurs' WHERE uuid = %s", (ORG,))
    code, said = check(team["audrey"], capsys)
    assert code == 1 and "Cardiologic SAS" in said and "hors de l'application" in said


def test_a_forged_entry_in_a_colleagues_name_is_refused(team: dict[str, str]) -> None:
    with psycopg.connect(team["mallory"], autocommit=True) as connection:
        seq, prev = connection.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        with pytest.raises(psycopg.errors.RaiseException, match="actor must be the role"):
            connection.execute(
                "INSERT INTO audit_entry (seq, at_utc, actor, source, batch, operation, entity, record_uuid, field, "
                "old_value, new_value, prev_hash, salt, hash) VALUES (%s, '2026-12-06T00:00:00', 'alice', 'écran', "
                "'b', 'update', 'organisation', %s, 'city', '\"Rennes\"', '\"Ailleurs\"', %s, %s, %s)",
                (seq + 1, ORG, prev, "ab" * 16, "0" * 64))


@pytest.mark.parametrize("statement", [
    "TRUNCATE audit_entry", "DELETE FROM audit_entry", "UPDATE audit_entry SET actor = 'x'",
    "ALTER TABLE audit_entry DISABLE TRIGGER ALL", "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_delete",
    "INSERT INTO audit_checkpoint (seq, hash, signed_utc, kind, signer, signature) VALUES (1, 'x', 'x', 'x', 'x', 'x')",
    "TRUNCATE audit_checkpoint", "DROP TRIGGER audit_entry_actor ON audit_entry",
])
def test_the_trail_cannot_be_emptied_or_unguarded_by_an_officer(statement: str, team: dict[str, str]) -> None:
    with psycopg.connect(team["mallory"], autocommit=True) as connection, \
            pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException)):
        connection.execute(statement)


def test_an_auditor_writes_nothing_and_is_told_so_in_words(team: dict[str, str], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(team["audrey"], autocommit=True) as connection, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("UPDATE organisation SET city = 'x'")
    source = tmp_path / "structures.csv"
    source.write_text("Raison sociale;Ville\nNouvelle SAS;Lyon\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["import", str(source), "--db-url", team["audrey"]]) == 1
    said = capsys.readouterr().err
    assert "refuse cette opération à votre rôle" in said and "erreur inattendue" not in said


def test_the_owner_disabling_a_trigger_is_seen(team: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(team["owner"], autocommit=True) as connection:
        connection.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update")
    code, said = check(team["audrey"], capsys)
    assert code == 1 and "désactivé" in said


def test_a_trail_rewritten_before_the_administrators_signed_head_is_seen(
        team: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin = tmp_path / "admin"
    public = init_keys(admin)
    assert cli.main(["server", "sign", "--db-url", team["owner"], "--key", str(key_paths(admin)[0])]) == 0
    assert cli.main(["keys", "trust", public, "--name", "Administrateur du serveur"]) == 0
    code, said = check(team["audrey"], capsys)
    assert code == 0 and "par Administrateur du serveur" in said
    # the owner (or anyone who could) rewrites an entry and computes every hash again: the chain verifies...
    from portfolio.services.audit import values_hash

    with psycopg.connect(team["owner"], autocommit=True) as connection:
        connection.execute("ALTER TABLE audit_entry DISABLE TRIGGER USER")
        rows = connection.execute("SELECT seq, at_utc, actor, source, batch, operation, entity, record_uuid, field, "
                                  "old_value, new_value, prev_hash, salt FROM audit_entry ORDER BY seq").fetchall()
        prev = "0" * 64
        for row in rows:
            values = list(row)
            if values[0] == 3:
                values[2] = "quelqu'un"
            values[11] = prev
            prev = values_hash(values)
            connection.execute("UPDATE audit_entry SET actor = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                               (values[2], values[11], prev, values[0]))
        connection.execute("ALTER TABLE audit_entry ENABLE TRIGGER USER")
    code, said = check(team["audrey"], capsys)
    assert code == 1 and "réécrit" in said  # ...but not against the administrator's signature


def test_the_owner_creates_the_schema_and_check_never_does(postgres, pg_url: str,  # type: ignore[no-untyped-def]
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # docs/team-mode.md said `check` created the schema; it never writes (issue #18, item 11)
    code, said = check(pg_url, capsys)
    assert code == 1 and "ne contient pas de portefeuille" in said
    assert cli.main(["server", "init", "--db-url", pg_url]) == 0
    assert "Base prête sur le serveur" in capsys.readouterr().out
    assert check(pg_url, capsys)[0] == 0


def test_an_officer_imports_and_cannot_rewrite_the_imports_record(team: dict[str, str], tmp_path: Path) -> None:
    """Issue #20: an import's record (``import_batch``) is written by the officer who imports, in their name, and
    like the trail it is append-only for them (and for its owner, whose triggers refuse it)."""
    from bench.workbooks import write_beneficiaries

    from portfolio.exchange.imports import import_history, run_import

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 5)
    with open_portfolio(team["alice"]) as db:
        plan, result = run_import(db, workbook, untrusted=False)
        assert result is not None and not plan.rejected
        [past] = import_history(db)
    assert (past.actor, past.record.file_name, past.record.rows_read) == ("alice", "beneficiaires.xlsx", 5)
    for role in ("alice", "owner"):
        with psycopg.connect(team[role]) as connection, pytest.raises(psycopg.Error):
            connection.execute("UPDATE import_batch SET file_name = 'autre.xlsx'")
    with psycopg.connect(team["mallory"]) as connection, pytest.raises(psycopg.Error, match="actor"):
        connection.execute("INSERT INTO import_batch (batch, at_utc, actor, file_name, sha256, sheet, created, "
                           "updated) VALUES ('b', 'now', 'alice', 'alice.xlsx', '', 'Feuil1', 0, 0)")  # her name
