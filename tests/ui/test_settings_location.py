"""Qt's settings of the window live in the configuration folder (services.app_paths), so that PORTFOLIO_CONFIG_DIR
moves them with the rest; those an earlier version kept in Qt's native place are copied there once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QSettings

from portfolio.services import app_paths
from portfolio.ui.app import make_application


def test_qt_settings_follow_the_configuration_folder(qapp, tmp_path: Path) -> None:
    make_application()
    QSettings().setValue("page", "contact")
    QSettings().sync()
    file = Path(QSettings().fileName())
    assert file.is_relative_to(app_paths.config_folder()) and app_paths.config_folder() == tmp_path / "config"
    assert file.is_file() and "contact" in file.read_text(encoding="utf-8")


EARLIER_VERSION = """
import sys
from PySide6.QtCore import QCoreApplication, QSettings
app = QCoreApplication([])
old = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, "DNS", "Portefeuille SASN")
old.setValue("language", sys.argv[1])
old.setValue("recent", ["/un/portefeuille.sqlite", "/un/autre.sqlite"])
old.sync()
"""

THIS_VERSION = """
import json
from PySide6.QtCore import QSettings
from portfolio.domain import i18n
from portfolio.ui.app import make_application
make_application()
print(json.dumps({"file": QSettings().fileName(), "language": i18n.language(), "recent": QSettings().value("recent")}))
"""


def test_an_earlier_versions_settings_are_copied_once(tmp_path: Path) -> None:
    """The platform's configuration folder (no PORTFOLIO_CONFIG_DIR): the settings Qt kept in its native place (on
    Linux ~/.config/DNS/…conf, here under XDG_CONFIG_HOME) are copied into the new file once, never again."""
    env = {key: value for key, value in os.environ.items() if key != "PORTFOLIO_CONFIG_DIR"}
    env.update({"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "xdg")})

    def run(script: str, *args: str) -> str:
        done = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    run(EARLIER_VERSION, "en")
    first = json.loads(run(THIS_VERSION).splitlines()[-1])
    assert Path(first["file"]) == tmp_path / "xdg" / "portefeuille-sasn" / "DNS" / "Portefeuille SASN.ini"
    assert first["language"] == "en" and first["recent"] == ["/un/portefeuille.sqlite", "/un/autre.sqlite"]
    run(EARLIER_VERSION, "fr")  # an earlier version run again afterwards: the new file is not replaced
    again = json.loads(run(THIS_VERSION).splitlines()[-1])
    assert again["language"] == "en"
