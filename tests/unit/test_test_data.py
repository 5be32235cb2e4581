"""The project carries the test data it needs (tests/data): every file listed, unchanged, documented, and no test
reaching outside the repository for data."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from tests.data_files import DATA, data_file, manifest, sha256

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", sorted(manifest()))
def test_each_data_file_is_there_unchanged(name: str) -> None:
    assert sha256(data_file(name)) == manifest()[name], f"{name} differs from MANIFEST.sha256"


def test_every_data_file_is_listed_and_documented() -> None:
    listed = set(manifest())
    found = {str(p.relative_to(DATA)) for p in DATA.rglob("*")
             if p.is_file() and p.name not in ("README.md", "MANIFEST.sha256") and p.suffix != ".py"
             and "__pycache__" not in p.parts}
    assert found == listed, f"unlisted: {sorted(found - listed)}; listed, absent: {sorted(listed - found)}"
    for folder in {name.split("/")[0] for name in listed}:
        readme = (DATA / folder / "README.md").read_text(encoding="utf-8")
        for name in (n for n in listed if n.startswith(folder + "/")):
            file_name = name.split("/", 1)[1]
            # each file is named in its folder's README, or its family is (calamine_*, excelize_*, codelists/*.csv)
            family = f"`{file_name.split('_')[0]}_*`" if "/" not in file_name else f"`{file_name.split('/')[0]}/"
            assert file_name in readme or family in readme, f"{name} has no provenance"
        assert "licence" in readme.lower()


def test_the_generated_city_file_is_what_its_script_writes() -> None:
    script = DATA / "realworld" / "generate_subventions_associations.py"
    spec = importlib.util.spec_from_file_location("generate_subventions_associations", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert data_file("realworld/subventions_associations_ville_generees.csv").read_bytes() == \
        module.text().encode("utf-8")


def test_no_test_nor_source_reads_data_from_outside_the_repository() -> None:
    outside = re.compile(r"\.\./shared|parents\[\d\]\s*/\s*\"shared\"|\.parent\s*/\s*\"shared\"")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for folder in ("tests", "src")
                 for path in (ROOT / folder).rglob("*.py")
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if outside.search(line) and path.name != "test_test_data.py"]
    assert offenders == []
