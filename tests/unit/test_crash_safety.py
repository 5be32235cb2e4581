"""Crash safety (scripts/crash_harness.py): kill -9 in the middle of edits leaves every file intact, and the
same harness with journaling switched off detects the corruption it then causes.

A shorter loop than the issue's 200 (``python scripts/crash_harness.py --loops 200`` runs the full one)."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARNESS_SCRIPT = ROOT / "scripts" / "crash_harness.py"
NORMAL_LOOPS = 12
JOURNAL_OFF_LOOPS = 6  # about nine kills in ten land mid-batch: six loops all missing one is ~1e-6


def _load_harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("portfolio_crash_harness", HARNESS_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script is executed
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The harness's template (its organisations at edit 0) and its number of audit entries."""
    path = tmp_path_factory.mktemp("crash") / "template.sqlite"
    return path, harness.build_template(path)


def _copy(template: tuple[Path, int], tmp_path: Path) -> Path:
    path = tmp_path / "copy.sqlite"
    shutil.copyfile(template[0], path)
    return path


@pytest.mark.slow  # make quick leaves it out; make test runs it
def test_kill_9_during_edits_leaves_every_file_intact(tmp_path: Path) -> None:
    report = harness.run_loops(NORMAL_LOOPS, seed=2030, workdir=tmp_path)

    assert len(report.runs) == NORMAL_LOOPS
    assert report.ok, "\n".join(run.line(NORMAL_LOOPS) for run in report.runs if not run.intact)
    for run in report.runs:
        assert run.acknowledged >= 1
        assert run.found in (run.acknowledged, run.acknowledged + 1), run.line(NORMAL_LOOPS)  # the last ack is there
        assert run.edit_entries == run.found * harness.BATCH_SIZE  # one audit entry per record per edit
    assert list(tmp_path.iterdir()) == [], "the harness cleans up its folder"


@pytest.mark.slow  # make quick leaves it out; make test runs it
def test_journal_off_corruption_is_detected(tmp_path: Path) -> None:
    report = harness.run_loops(JOURNAL_OFF_LOOPS, journal_off=True, seed=2030, workdir=tmp_path)

    assert report.corrupted >= 1
    assert report.ok
    assert "fichiers corrompus détectés" in report.summary()[-1]


def test_checks_pass_on_an_untouched_copy(template: tuple[Path, int], tmp_path: Path) -> None:
    verdict = harness.check_after_crash(_copy(template, tmp_path), acknowledged=0, baseline=template[1])

    assert (verdict.found, verdict.edit_entries, verdict.problems) == (0, 0, [])


def test_checks_see_a_half_applied_batch(template: tuple[Path, int], tmp_path: Path) -> None:
    path = _copy(template, tmp_path)
    half = harness.record_uuids()[: harness.BATCH_SIZE // 2]
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany("UPDATE organisation SET city = 'edit-1' WHERE uuid = ?", [(u,) for u in half])

    verdict = harness.check_after_crash(path, acknowledged=0, baseline=template[1])

    assert verdict.found is None
    assert any("lot coupé" in problem for problem in verdict.problems), verdict.problems


def test_checks_see_a_lost_acknowledged_edit(template: tuple[Path, int], tmp_path: Path) -> None:
    verdict = harness.check_after_crash(_copy(template, tmp_path), acknowledged=3, baseline=template[1])

    assert verdict.found == 0
    assert any("perdue" in problem for problem in verdict.problems), verdict.problems


def test_checks_see_a_batch_without_its_audit_entries(template: tuple[Path, int], tmp_path: Path) -> None:
    path = _copy(template, tmp_path)
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE organisation SET city = 'edit-1', row_version = row_version + 1")

    verdict = harness.check_after_crash(path, acknowledged=1, baseline=template[1])

    assert verdict.found == 1
    assert any("journal d'audit" in problem for problem in verdict.problems), verdict.problems
