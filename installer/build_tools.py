"""What PyInstaller needs from the system on Linux before it can build the bundle, checked before it starts.

PyInstaller reads each library's dependencies with ``objdump`` (Debian/Ubuntu package ``binutils``) and copies the
interpreter's shared library (``libpython3.X.so.1.0``: package ``libpython3.X``, or ``libpython3.X-t64`` style names
on newer Ubuntu) into the bundle. Without them it fails half-way with a message about neither. This module says
what is missing, for ``installer/build.py`` (which stops with the fix) and ``scripts/setup-system.sh`` (which
installs the packages)::

    python installer/build_tools.py        # prints one missing item a line: "objdump" or the library's name
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


def python_library() -> str:
    """The file name of the running interpreter's shared library (``libpython3.11.so.1.0``)."""
    name = sysconfig.get_config_var("INSTSONAME") or ""
    if ".so" not in name:  # a build without --enable-shared names its static archive here
        name = f"libpython{sys.version_info.major}.{sys.version_info.minor}.so.1.0"
    return name


def _library_found(name: str) -> bool:
    folders = [sysconfig.get_config_var("LIBDIR"), sys.base_prefix + "/lib"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch and sysconfig.get_config_var("LIBDIR"):
        folders.append(f"{sysconfig.get_config_var('LIBDIR')}/{multiarch}")
    if any(folder and (Path(folder) / name).exists() for folder in folders):
        return True
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"  # (in /sbin, off a user's PATH on Debian)
    try:  # the dynamic linker's cache: where PyInstaller looks last
        cache = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return name in cache


def missing() -> list[str]:
    """What the Linux build lacks: ``objdump`` and/or the interpreter's shared library name; empty elsewhere."""
    if not sys.platform.startswith("linux"):
        return []
    lacking = []
    if shutil.which("objdump") is None:
        lacking.append("objdump")
    library = python_library()
    if not _library_found(library):
        lacking.append(library)
    return lacking


def explain(lacking: list[str]) -> str:
    """One message saying what is missing and the command that installs it on Debian or Ubuntu."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    parts, packages = [], []
    for item in lacking:
        if item == "objdump":
            parts.append("objdump (package binutils)")
            packages.append("binutils")
        else:
            parts.append(f"{item}, the shared library of {sys.executable} (package libpython{version}, "
                         f"libpython{version}t64 on newer Ubuntu)")
            packages.append(f"libpython{version}")
    return (f"build: PyInstaller needs {' and '.join(parts)}. Install with: "
            f"sudo apt-get install --no-install-recommends {' '.join(packages)} "
            "(or make bundle, which installs them), then build again.")


if __name__ == "__main__":
    print("\n".join(missing()))
