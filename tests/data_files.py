"""The test data the project carries (tests/data/, provenance and licences in its README files).

A clean clone holds every file the tests read: none comes from outside the repository. `data_file` fails the
test with the file's name when one is missing or altered (never a skip), and `MANIFEST` lists every file with
its SHA-256 so that tests/unit/test_test_data.py checks them all at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
MANIFEST = DATA / "MANIFEST.sha256"


def manifest() -> dict[str, str]:
    """Each data file's path under tests/data and its SHA-256, as `sha256sum` writes them."""
    if not MANIFEST.is_file():
        pytest.fail(f"test data missing: {MANIFEST} (git checkout -- tests/data)", pytrace=False)
    entries = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            entries[name.lstrip("*")] = digest
    return entries


def data_file(name: str) -> Path:
    """The path of tests/data/`name`; the calling test fails, naming the file, when it is not there."""
    path = DATA / name
    if not path.is_file():
        pytest.fail(f"test data missing: {path} (it is part of the repository: git checkout -- tests/data)",
                    pytrace=False)
    return path


def data_files(folder: str) -> list[str]:
    """The names of the manifest's files in `folder` (hostile, realworld…), sorted: a missing one still runs
    its test, which then fails naming it."""
    prefix = folder.rstrip("/") + "/"
    return sorted(name for name in manifest() if name.startswith(prefix))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
