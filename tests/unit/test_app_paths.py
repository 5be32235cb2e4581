"""Issue #20: one module names every configuration and data path (services.app_paths), each moved by exactly one
environment variable, and every user of a path asks it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from portfolio.services import app_paths

OVERRIDES = ("PORTFOLIO_CONFIG_DIR", "PORTFOLIO_KEYS_DIR", "PORTFOLIO_LOG_DIR", "PORTFOLIO_DATA_DIR", "PORTFOLIO_DB",
             "PGPASSFILE")

# every path app_paths names -> the variable that moves it, and where it is then (relative to that variable's value)
PATHS = {
    "config_folder": ("PORTFOLIO_CONFIG_DIR", "."),
    "settings_file": ("PORTFOLIO_CONFIG_DIR", "reglages.json"),
    "views_file": ("PORTFOLIO_CONFIG_DIR", "vues.json"),
    "import_profiles_folder": ("PORTFOLIO_CONFIG_DIR", "profils-import"),
    "window_settings_folder": ("PORTFOLIO_CONFIG_DIR", "."),
    "keys_folder": ("PORTFOLIO_KEYS_DIR", "."),
    "trusted_keys_file": ("PORTFOLIO_KEYS_DIR", "confiance.json"),
    "signed_heads_file": ("PORTFOLIO_KEYS_DIR", "tetes-signees.json"),
    "log_folder": ("PORTFOLIO_LOG_DIR", "."),
    "error_log_file": ("PORTFOLIO_LOG_DIR", "erreurs.log"),
    "window_log_file": ("PORTFOLIO_LOG_DIR", "fenetre.log"),
    "data_folder": ("PORTFOLIO_DATA_DIR", "."),
    "demo_database": ("PORTFOLIO_DATA_DIR", "demo/portefeuille-demo.sqlite"),
    "default_database": ("PORTFOLIO_DB", "."),
    "password_file": ("PGPASSFILE", "."),  # (PostgreSQL's own variable: its tools share the file)
}


@pytest.fixture
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No override set; the platform's folders (platformdirs') in a temporary folder."""
    for variable in OVERRIDES:
        monkeypatch.delenv(variable, raising=False)
    for kind in ("config", "data", "log"):
        monkeypatch.setattr(platformdirs, f"user_{kind}_dir",
                            lambda name, appauthor=None, kind=kind: str(tmp_path / "platform" / kind / name))
    return tmp_path / "platform"


def test_every_path_is_listed_here() -> None:
    """A path added to app_paths is added to PATHS above, with its override (so that it is tested)."""
    named = {name for name, value in vars(app_paths).items()
             if callable(value) and getattr(value, "__module__", "") == app_paths.__name__ and not name.startswith("_")
             and name != "config_overridden"}
    assert named == set(PATHS)


def test_without_overrides_the_paths_are_the_platforms(platform: Path) -> None:
    config, data, logs = (platform / kind / "portefeuille-sasn" for kind in ("config", "data", "log"))
    assert app_paths.settings_file() == config / "reglages.json"
    assert app_paths.keys_folder() == config / "cles"
    assert app_paths.error_log_file() == logs / "erreurs.log"
    assert app_paths.demo_database() == data / "demo" / "portefeuille-demo.sqlite"
    assert app_paths.default_database() == data / "portfolio.sqlite"
    assert app_paths.password_file() == (Path.home() / ".pgpass" if os.name != "nt" else
                                         Path(os.environ.get("APPDATA", Path.home())) / "postgresql" / "pgpass.conf")
    assert not app_paths.config_overridden()


@pytest.mark.parametrize("variable", OVERRIDES)
def test_each_override_moves_its_paths_and_only_them(variable: str, platform: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = {name: getattr(app_paths, name)() for name in PATHS}
    moved = tmp_path / "ailleurs" / variable.lower()
    monkeypatch.setenv(variable, str(moved))
    for name, (override, relative) in PATHS.items():
        path = getattr(app_paths, name)()
        if override == variable:
            assert path == (moved / relative if relative != "." else moved), name
        elif not (variable == "PORTFOLIO_DATA_DIR" and name == "default_database"):  # (its folder's, unless named)
            assert path == before[name], f"{variable} moved {name}"
    assert app_paths.default_database() == (moved if variable == "PORTFOLIO_DB" else
                                            moved / "portfolio.sqlite" if variable == "PORTFOLIO_DATA_DIR" else
                                            before["default_database"])
    assert app_paths.config_overridden() == (variable == "PORTFOLIO_CONFIG_DIR")


def test_every_user_follows_the_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The modules that read and write these files use app_paths: settings, saved views, import profiles, keys
    (trusted keys, signed heads), the error log, the default database."""
    from portfolio.services import checkpoints, error_log
    from portfolio.services.listing import ListQuery
    from portfolio.services.portfolio import read_settings, write_setting
    from portfolio.services.signing_keys import key_paths
    from portfolio.services.views import save_view

    for variable in OVERRIDES:
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    write_setting("sauvegardes_conservees", 3)
    assert (tmp_path / "portfolio_config_dir" / "reglages.json").is_file() and read_settings()
    save_view("organisation", "Les miennes", ListQuery("organisation"))
    assert (tmp_path / "portfolio_config_dir" / "vues.json").is_file()
    assert checkpoints.officer_key() is not None
    assert key_paths(tmp_path / "portfolio_keys_dir")[0].is_file()
    checkpoints.trust_key(checkpoints.public_text(checkpoints.officer_key()), "moi")
    assert (tmp_path / "portfolio_keys_dir" / "confiance.json").is_file()
    log = error_log.log_unexpected(RuntimeError("essai"), "test")
    assert log == tmp_path / "portfolio_log_dir" / "erreurs.log" and log.is_file()
    assert app_paths.default_database() == tmp_path / "portfolio_db"
