"""Builds the installable application for the platform it runs on (`make bundle` runs it):

1. the icons, rendered by Qt from the application's SVG (PNG for Linux, .ico for Windows, .icns for macOS);
2. the application as one folder, by PyInstaller (installer/portfolio.spec);
3. Linux: an archive ``build/dist/portefeuille-sasn-<version>-linux-<machine>.tar.gz`` holding that folder, a
   .desktop file, the icon and ``installer.sh``, which installs it for the user (no root, no network);
   Windows: ``build/dist/portefeuille-sasn`` is ready for Inno Setup (installer/windows/portefeuille-sasn.iss);
   macOS: ``build/dist/Portefeuille SASN.app``.

    .venv/bin/python installer/build.py [--no-archive]

It prints the folder built and its size. Nothing is downloaded: PyInstaller comes from the virtual environment
(`pip install -e '.[bundle]'`), everything else from the source tree.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DIST = BUILD / "dist"
ICONS = BUILD / "icons"
NAME = "portefeuille-sasn"
SIZES = (16, 32, 48, 64, 128, 256)


def version() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from portfolio import __version__

    return __version__


def render_icons() -> None:
    """The SVG rendered at every size an installer asks for, by Qt (no other image tool needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(ROOT / "src" / "portfolio" / "ui" / "data" / "portfolio.svg"))
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        image.save(str(ICONS / f"{NAME}-{size}.png"))
        if size == 256:
            for suffix in ("ico", "icns"):  # Qt's image plugins write both
                if not image.save(str(ICONS / f"{NAME}.{suffix}")):
                    raise SystemExit(f"build: Qt could not write the .{suffix} icon")


def freeze() -> Path:
    """PyInstaller on the spec; returns the application's folder."""
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                    "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
                    str(ROOT / "installer" / "portfolio.spec")], check=True, cwd=ROOT)
    return DIST / NAME


def linux_archive(folder: Path) -> Path:
    """The folder, its .desktop file, icon and installer script, in one .tar.gz."""
    share = folder / "share"
    (share / "applications").mkdir(parents=True, exist_ok=True)
    (share / "icons").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "installer" / "linux" / f"{NAME}.desktop", share / "applications" / f"{NAME}.desktop")
    shutil.copyfile(ICONS / f"{NAME}-256.png", share / "icons" / f"{NAME}.png")
    shutil.copyfile(ROOT / "installer" / "linux" / "installer.sh", folder / "installer.sh")
    (folder / "installer.sh").chmod(0o755)
    archive = DIST / f"{NAME}-{version()}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=NAME)
    return archive


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-archive", action="store_true", help="the folder only (no .tar.gz on Linux)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "installer"))
    import build_tools

    lacking = build_tools.missing()
    if lacking:  # PyInstaller would fail half-way without saying why
        print(build_tools.explain(lacking), file=sys.stderr)
        return 1
    render_icons()
    folder = freeze()
    print(f"build: {folder} ({size_of(folder) / 1e6:.0f} MB)")
    if sys.platform.startswith("linux") and not args.no_archive:
        archive = linux_archive(folder)
        print(f"build: {archive} ({archive.stat().st_size / 1e6:.0f} MB)")
    elif sys.platform == "win32":
        print("build: now run Inno Setup: iscc /DAppVersion=" + version() + r" installer\windows\portefeuille-sasn.iss")
    return 0


if __name__ == "__main__":
    sys.exit(main())
