"""The installable application (issue #8): the Linux bundle is built from the source tree by PyInstaller, its
archive installed for a user (no root, no network) by its own script, and the installed application passes its
self-test (demo portfolio, every screen, import, export and sync, PDF report, signed snapshot), off screen.

Slow (a minute to build), and run by the test command all the same."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from portfolio import __version__

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                   reason="the Linux bundle is built on Linux")]


@pytest.fixture(scope="module")
def archive() -> Path:
    subprocess.run([sys.executable, str(ROOT / "installer" / "build.py")], check=True, cwd=ROOT, timeout=900,
                   env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    built = sorted((ROOT / "build" / "dist").glob(f"portefeuille-sasn-{__version__}-linux-*.tar.gz"))
    assert built, "no archive built"
    return built[-1]


def test_the_archive_installs_for_a_user_and_passes_its_self_test(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert all(n == "portefeuille-sasn" or n.startswith("portefeuille-sasn/") for n in names), "one folder"
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # (Python 3.11.4 and later)
        tar.extractall(tmp_path / "extrait", **safe)  # (our own archive: its names are checked above)
    extracted = tmp_path / "extrait" / "portefeuille-sasn"
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    installed = subprocess.run([str(extracted / "installer.sh")], env=env, capture_output=True, text=True,
                               timeout=300)
    assert installed.returncode == 0, installed.stderr
    target = home / ".local" / "opt" / "portefeuille-sasn"
    desktop = home / ".local" / "share" / "applications" / "portefeuille-sasn.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(desktop, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Portefeuille SASN"
    assert section["Exec"] == f'"{target}/portfolio" %f' and section["Icon"] == "portefeuille-sasn"
    assert (home / ".local/share/icons/hicolor/256x256/apps/portefeuille-sasn.png").stat().st_size > 1000
    command = home / ".local" / "bin" / "portefeuille-sasn"
    version = subprocess.run([str(command), "--version"], env=env, capture_output=True, text=True, timeout=120)
    assert version.stdout.strip() == f"portfolio {__version__}"
    checked = subprocess.run([str(command), "--self-test"], env={**env, "QT_QPA_PLATFORM": "offscreen"},
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("✓") == 7 and "Auto-test réussi" in checked.stdout
    assert "✗" not in checked.stdout
    removed = subprocess.run([str(target / "installer.sh"), "--remove"], env=env, capture_output=True, text=True)
    assert removed.returncode == 0 and not target.exists() and not desktop.exists()


def test_a_failing_step_fails_the_self_test_and_says_which(monkeypatch: pytest.MonkeyPatch) -> None:
    """The self-test's verdict: each step said, the exit code 1 when one failed (the others still run)."""
    import io

    from portfolio.ui import self_test

    def broken(_context: object) -> str:
        raise OSError("disque plein")

    monkeypatch.setattr(self_test, "_isolate", lambda _folder: None)
    monkeypatch.setattr(self_test, "STEPS", [("Ressources installées", self_test._resources),
                                             ("Rapport PDF du comité", broken),
                                             ("Ressources installées", self_test._resources)])
    out = io.StringIO()
    assert self_test.run_self_test(out) == 1
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("  ✓ Ressources installées") and lines[3].startswith("  ✓ ")
    assert lines[2].startswith("  ✗ Rapport PDF du comité : OSError : disque plein")
    assert "1 étape(s) en échec : Rapport PDF du comité" in lines[-1]
