"""What the set-up says on a bare machine (scripts/setup-system.sh, installer/build_tools.py), run against stand-in
commands: a user without sudo rights gets the exact apt-get line, and the bundle's build says what it lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("bash") is None,
                                reason="the set-up script is for Debian and Ubuntu")


def stand_ins(folder: Path, commands: dict[str, str]) -> Path:
    """A folder of executable shell scripts named after the commands they stand in for."""
    folder.mkdir()
    for name, body in commands.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    return folder


def run_setup(tmp_path: Path, mode: str, commands: dict[str, str]) -> subprocess.CompletedProcess[str]:
    fake = stand_ins(tmp_path / "bin", commands)
    # the stand-ins first, then only what the script itself needs (bash, grep, awk, readlink…)
    path = f"{fake}:/usr/bin:/bin"
    return subprocess.run(["bash", str(ROOT / "scripts" / "setup-system.sh"), mode], capture_output=True, text=True,
                          env={"PATH": path, "PYTHON": sys.executable, "HOME": str(tmp_path)}, timeout=60,
                          stdin=subprocess.DEVNULL)


NOTHING_INSTALLED = {
    "id": 'if [ "$1" = -u ]; then echo 1000; else /usr/bin/id "$@"; fi',  # an ordinary user
    "dpkg-query": "exit 1",  # nothing installed
    "apt-get": "echo apt-get must not run >&2; exit 3",
    "apt-cache": "exit 1",
}


def test_a_user_without_sudo_gets_the_exact_apt_line_and_nothing_runs(tmp_path: Path) -> None:
    done = run_setup(tmp_path, "window", {**NOTHING_INSTALLED, "sudo": "exit 1"})  # sudo: a password is required
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    line = next(x for x in lines if "sudo apt-get install --no-install-recommends" in x)
    for package in ("libgl1", "libxkbcommon0", "xvfb", "libxcb-cursor0"):
        assert f" {package}" in line
    assert "apt-get must not run" not in done.stderr and "password" not in done.stderr
    assert any("then run the same make command again" in x for x in lines)


def test_without_sudo_at_all_the_same_line(tmp_path: Path) -> None:
    done = run_setup(tmp_path, "offscreen", NOTHING_INSTALLED)
    assert done.returncode == 1
    assert "sudo apt-get install --no-install-recommends libgl1 libegl1" in done.stderr


def test_nothing_to_do_when_everything_is_there(tmp_path: Path) -> None:
    done = run_setup(tmp_path, "offscreen", {**NOTHING_INSTALLED, "dpkg-query": "echo 'install ok installed'"})
    assert done.returncode == 0 and done.stderr == ""


def test_as_root_it_says_what_it_installs_and_how_much_it_downloads(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    done = run_setup(tmp_path, "offscreen", {
        "id": 'if [ "$1" = -u ]; then echo 0; else /usr/bin/id "$@"; fi',
        "dpkg-query": "exit 1",
        "apt-get": f'echo "$@" >> {log}\n'
                   'case "$*" in *print-uris*) echo "\'http://deb/a.deb\' a.deb 40000000 SHA256:x";'
                   ' echo "\'http://deb/b.deb\' b.deb 25000000 SHA256:y";; esac',
    })
    assert done.returncode == 0, done.stderr
    assert "reading the package lists" in done.stderr
    assert "7 packages and what they need, about 65 MB to download" in done.stderr
    assert "installed in" in done.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[0].startswith("update") and "install -y -qq --no-install-recommends libgl1" in calls[-1]


def test_the_bundle_build_names_what_pyinstaller_lacks() -> None:
    sys.path.insert(0, str(ROOT / "installer"))
    try:
        import build_tools
    finally:
        sys.path.remove(str(ROOT / "installer"))
    message = build_tools.explain(["objdump", "libpython3.11.so.1.0"])
    assert "objdump (package binutils)" in message and "libpython3.11.so.1.0" in message
    assert "sudo apt-get install --no-install-recommends binutils libpython" in message
    # and on this machine, which builds the bundle in its tests, nothing lacks
    assert build_tools.missing() == [], build_tools.explain(build_tools.missing())


def test_the_build_stops_before_pyinstaller_when_objdump_is_missing(tmp_path: Path) -> None:
    fake = stand_ins(tmp_path / "bin", {})
    env = {**os.environ, "PATH": str(fake)}  # no objdump anywhere on PATH
    done = subprocess.run([sys.executable, str(ROOT / "installer" / "build.py"), "--no-archive"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "objdump (package binutils)" in done.stderr and "Traceback" not in done.stderr
