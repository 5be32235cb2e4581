"""The benchmark runner keeps working: a small run prints every row of the table with real figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # make quick leaves it out; make test runs it
def test_bench_runs_and_prints_its_table(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "PORTFOLIO_BENCH_REUSE_BUNDLE": "1"}  # the installer test built it (else built here)
    result = subprocess.run([sys.executable, "-m", "bench", "--big-scale", "2", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Machine: ")
    assert "| portfolio demo, 1× — time" in result.stdout and "| portfolio demo, 2× — file size" in result.stdout
    saved = json.loads(out.read_text())
    by_name = {r["name"]: r for r in saved["results"]}
    small = by_name["portfolio demo, 1× — time"]
    assert small["value"] > 0 and small["baseline"] > 0  # a measured figure and its same-run baseline
    assert by_name["portfolio demo, 2× — time"]["note"] == "2,000 organisations"
    imported = by_name["import of a 2,000-row beneficiaries workbook (end to end, whole process)"]
    alone = by_name["SQLite alone: what the 2,000-row import wrote, inserted again"]
    assert imported["value"] > alone["value"] > 0 and imported["baseline"] == alone["baseline"] > 0
    desk = [r for name, r in by_name.items() if name.startswith(("a project's editor opened on its dossier",
                                                                 '"Mon suivi" read again and painted'))]
    assert len(desk) == 2 and all(r["value"] > 0 and r["target"] for r in desk)  # issue #21's two, measured painted
    assert all("paint event" in r["note"] and "at least 0 " not in r["note"] for r in desk)
    synced = [r for name, r in by_name.items() if name.startswith("`portfolio replica sync`")]  # issue #22's
    assert len(synced) == 2 and all(r["value"] > 0 and r["baseline"] > 0 and r["target"] == "≤ 2 s" for r in synced)
    changes_file = next(r for name, r in by_name.items() if name.startswith("a change file of "))
    assert changes_file["unit"] == "KiB" and changes_file["value"] > 0
    bundle = by_name.get("installed application (one folder, Linux): size on disk")
    assert (bundle is None and not sys.platform.startswith("linux")) or bundle["value"] > 50  # MB


@pytest.mark.slow  # make quick leaves it out; make test runs it
def test_the_standards_rows_validate_what_they_export(tmp_path: Path) -> None:
    """Issue #17's rows: each export of the standards beside its validator's time, which finds nothing wrong."""
    out = tmp_path / "results.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--big-scale", "2", "--only", "standards", "--out",
                             str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = json.loads(out.read_text())["results"]
    assert [r["name"].split(" export")[0] for r in rows] == ["SCDL subventions 2.1.1", "360Giving", "France 2030 list"]
    assert all(r["value"] > 0 and r["baseline"] > 0 and r["note"].startswith("0 error") for r in rows)
