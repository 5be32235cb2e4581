"""Every folder and file the application keeps outside the portfolio database itself, named in one place, each
with exactly one environment variable that moves it (tests, the self-test, a shared machine, a portable install).

- ``config_folder()``: PORTFOLIO_CONFIG_DIR, else the user configuration folder (``~/.config/portefeuille-sasn``
  on Linux, ``%LOCALAPPDATA%\\portefeuille-sasn`` on Windows); in it:

  - ``settings_file()``, ``reglages.json``: the preferences shared by the window and the commands;
  - ``views_file()``, ``vues.json``: the lists' saved views;
  - ``import_profiles_folder()``, ``profils-import/``: the import mappings saved by name;
  - ``window_settings_folder()``: Qt's own settings of the window (QSettings, see below).

- ``keys_folder()``: PORTFOLIO_KEYS_DIR, else ``cles/`` in the user configuration folder; in it the officer's key
  pair (services.signing_keys.key_paths), ``trusted_keys_file()`` (``confiance.json``, the public keys this user
  trusts) and ``signed_heads_file()`` (``tetes-signees.json``, the last audit head signed for each file).
- ``log_folder()``: PORTFOLIO_LOG_DIR, else the user log folder (``~/.local/state/portefeuille-sasn/log``,
  ``%LOCALAPPDATA%\\portefeuille-sasn\\Logs``); in it ``error_log_file()`` (``erreurs.log``, the unexpected errors'
  tracebacks) and ``window_log_file()`` (``fenetre.log``, what the installed window prints without a console).
- ``data_folder()``: PORTFOLIO_DATA_DIR, else the user data folder (``~/.local/share/portefeuille-sasn``,
  ``%LOCALAPPDATA%\\portefeuille-sasn``); in it ``demo_database()`` (``demo/portefeuille-demo.sqlite``).
- ``default_database()``: PORTFOLIO_DB, else ``portfolio.sqlite`` in ``data_folder()``.
- ``password_file()``: PGPASSFILE (PostgreSQL's own variable), else ``~/.pgpass``: a team server's password.

A file in a folder follows its folder's override; the folders do not follow one another (PORTFOLIO_CONFIG_DIR does
not move the keys: they are kept apart on purpose, and moved on their own). PORTFOLIO_DB names the database itself:
a file, or a shared server's URL (team mode, ``shared_location`` in services.portfolio); the default database sits
in ``data_folder()`` only when it is unset. What sits beside a database (its backups folder, seal, erasures
register: db.seal) follows the database, wherever it is.

Qt's settings (the window's layout, last and recent databases, language, the import wizard's folder) stay
``QSettings``, but in the INI format under ``window_settings_folder()``, so that PORTFOLIO_CONFIG_DIR isolates them
with the rest of the configuration: ui.application sets that up before anything reads them, and copies once the
settings an earlier version kept in Qt's native place (the registry on Windows) when the folder is not overridden.

No Qt and no database library here: the window's first paint asks for these paths.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_DIR_NAME = "portefeuille-sasn"  # the folders' name on every platform

CONFIG_ENV = "PORTFOLIO_CONFIG_DIR"
KEYS_ENV = "PORTFOLIO_KEYS_DIR"
LOG_ENV = "PORTFOLIO_LOG_DIR"
DATA_ENV = "PORTFOLIO_DATA_DIR"
DB_ENV = "PORTFOLIO_DB"


def _overridden(variable: str) -> Path | None:
    """The folder an environment variable names, or None when it is unset or empty."""
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else None


# --- the configuration -------------------------------------------------------------------------------------------


def config_folder() -> Path:
    """The user's configuration (settings, saved views, import profiles, the window's Qt settings):
    PORTFOLIO_CONFIG_DIR, else the platform's user configuration folder."""
    return _overridden(CONFIG_ENV) or Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))


def config_overridden() -> bool:
    """True when PORTFOLIO_CONFIG_DIR chooses the configuration folder (a test, the self-test, a portable use)."""
    return _overridden(CONFIG_ENV) is not None


def settings_file() -> Path:
    """The application's settings shared by the window and the command line, ``reglages.json`` in
    ``config_folder()`` (PORTFOLIO_CONFIG_DIR): JSON, for the command line does not read Qt's settings."""
    return config_folder() / "reglages.json"


def views_file() -> Path:
    """The lists' saved views, ``vues.json`` in ``config_folder()`` (PORTFOLIO_CONFIG_DIR), beside the settings so
    that the command line finds the window's views (``portfolio export --view NAME``)."""
    return config_folder() / "vues.json"


def import_profiles_folder() -> Path:
    """The import mappings saved by name, ``profils-import/`` in ``config_folder()`` (PORTFOLIO_CONFIG_DIR)."""
    return config_folder() / "profils-import"


def window_settings_folder() -> Path:
    """Where Qt keeps the window's own settings: ``config_folder()`` (PORTFOLIO_CONFIG_DIR), in which QSettings
    writes ``<organisation>/<application>.ini`` (``DNS/Portefeuille SASN.ini``; ui.application sets it up)."""
    return config_folder()


# --- the officer's signing keys ----------------------------------------------------------------------------------


def keys_folder() -> Path:
    """The officer's signing keys and what they vouch for: PORTFOLIO_KEYS_DIR, else ``cles/`` in the platform's
    user configuration folder (not in PORTFOLIO_CONFIG_DIR: the keys are moved on their own)."""
    return _overridden(KEYS_ENV) or Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)) / "cles"


def trusted_keys_file() -> Path:
    """The public keys this user trusts (`portfolio keys trust`), ``confiance.json`` in ``keys_folder()``
    (PORTFOLIO_KEYS_DIR)."""
    return keys_folder() / "confiance.json"


def signed_heads_file() -> Path:
    """The last audit head this user signed for each file, ``tetes-signees.json`` in ``keys_folder()``
    (PORTFOLIO_KEYS_DIR)."""
    return keys_folder() / "tetes-signees.json"


# --- the logs ------------------------------------------------------------------------------------------------------


def log_folder() -> Path:
    """The logs, written for whoever investigates: PORTFOLIO_LOG_DIR, else the platform's user log folder."""
    return _overridden(LOG_ENV) or Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False))


def error_log_file() -> Path:
    """Unexpected errors' tracebacks (services.error_log), ``erreurs.log`` in ``log_folder()``
    (PORTFOLIO_LOG_DIR)."""
    return log_folder() / "erreurs.log"


def window_log_file() -> Path:
    """What the installed window prints when it has no console (Windows' Start menu: installer/entry.py),
    ``fenetre.log`` in ``log_folder()`` (PORTFOLIO_LOG_DIR)."""
    return log_folder() / "fenetre.log"


# --- the data ------------------------------------------------------------------------------------------------------


def data_folder() -> Path:
    """The user's data: PORTFOLIO_DATA_DIR, else the platform's user data folder."""
    return _overridden(DATA_ENV) or Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def demo_database() -> Path:
    """The demo portfolio's own file, beside (never instead of) the user's database:
    ``demo/portefeuille-demo.sqlite`` in ``data_folder()`` (PORTFOLIO_DATA_DIR)."""
    return data_folder() / "demo" / "portefeuille-demo.sqlite"


def password_file() -> Path:
    """A team server's password (services.passwords), where libpq and psycopg look for it, PostgreSQL's rule:
    PGPASSFILE, else ``~/.pgpass`` (``%APPDATA%\\postgresql\\pgpass.conf`` on Windows). PostgreSQL's own tools
    share it: its variable is theirs, not ours."""
    configured = os.environ.get("PGPASSFILE")
    if configured:
        return Path(configured).expanduser()
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home())) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def default_database() -> Path:
    """The database opened without ``--db``: PORTFOLIO_DB, else ``portfolio.sqlite`` in ``data_folder()``.
    (PORTFOLIO_DB may be a server's URL: callers ask ``services.portfolio.shared_location`` first.)"""
    return _overridden(DB_ENV) or data_folder() / "portfolio.sqlite"
