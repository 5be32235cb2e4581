"""PySide6 6.12.0 aborts on CPython 3.11 after a few thousand repaints (none_dealloc); the pin avoids it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import PySide6


def test_pinned_pyside_survives_many_repaints() -> None:
    if sys.version_info < (3, 12):
        assert PySide6.__version__.startswith("6.11."), "keep PySide6-Essentials>=6.11,<6.12 on Python 3.11"
    script = Path(__file__).with_name("pyside_none_refcount_check.py")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "OK: 51,000 paints survived" in result.stdout
