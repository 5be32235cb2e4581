"""Addresses and passwords of a team's server (issue #18, item 8): every SQLAlchemy form of a PostgreSQL address is
one, any other address is refused as an address, and a password is never shown, never written to a file of the
application's, and never made into a local file's name (`demo --json` created a file named after a
`postgresql+psycopg2://user:password@…` address)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from portfolio import cli
from portfolio.db.locations import is_other_address, is_url
from portfolio.services.passwords import store_password
from portfolio.services.portfolio import SHARED_SETTING, read_settings, shared_database, write_setting

SECRET = "s3cr3t-motdepasse"


@pytest.mark.parametrize("address", ["postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg2://u:p@h/db",
                                     "postgresql+psycopg://u@h:5432/db", "postgresql+pg8000://u@h/db",
                                     "POSTGRESQL://u@h/db"])
def test_every_postgresql_form_is_an_address(address: str) -> None:
    assert is_url(address) and not is_other_address(address)


@pytest.mark.parametrize("address", ["mysql://u:p@h/db", "sqlite:///x.sqlite", "https://example.org/x"])
def test_other_addresses_are_neither_servers_nor_files(address: str) -> None:
    assert is_other_address(address) and not is_url(address)


@pytest.mark.parametrize("command", [["stats"], ["demo", "--json"], ["check"], ["kpi"]])
@pytest.mark.parametrize("scheme", ["postgresql+psycopg2", "mysql"])
def test_a_password_in_an_address_is_never_shown_nor_made_a_file(command: list[str], scheme: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    address = f"{scheme}://agent:{SECRET}@127.0.0.1:1/portefeuille"
    code = cli.main([*command, "--db", address] if command[0] != "demo" else ["demo", "--db", address, "--json"])
    said = capsys.readouterr()
    assert code == 1
    assert SECRET not in said.out + said.err
    expected = "Connexion au serveur PostgreSQL" if scheme.startswith("postgresql") else "n'est ni un fichier"
    assert expected in said.err
    assert not list(tmp_path.iterdir())  # no local file named after the address


def test_a_password_typed_for_the_shared_database_goes_to_pgpass_not_the_settings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    kept = store_password(f"postgresql://marie:{SECRET}@serveur.example:5433/portefeuille_sasn")
    assert kept == "postgresql://marie@serveur.example:5433/portefeuille_sasn"
    line = (tmp_path / "pgpass").read_text(encoding="utf-8")
    assert line == f"serveur.example:5433:portefeuille_sasn:marie:{SECRET}\n"
    assert stat.S_IMODE((tmp_path / "pgpass").stat().st_mode) == 0o600
    store_password("postgresql://marie:autre@serveur.example:5433/portefeuille_sasn")  # replaced, not repeated
    assert (tmp_path / "pgpass").read_text(encoding="utf-8").count("marie") == 1


def test_a_password_left_in_the_settings_by_an_earlier_version_is_moved_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(tmp_path / "config"))
    write_setting(SHARED_SETTING, f"postgresql://marie:{SECRET}@serveur.example/portefeuille_sasn")
    assert shared_database() == "postgresql://marie@serveur.example/portefeuille_sasn"
    assert SECRET not in str(read_settings()) and SECRET in (tmp_path / "pgpass").read_text(encoding="utf-8")
    settings = tmp_path / "config" / "reglages.json"
    assert SECRET not in settings.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(settings.stat().st_mode) == 0o600
