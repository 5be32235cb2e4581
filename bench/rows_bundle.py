"""The installed application (issue #8): the bundle's size on disk, and the cold start of the frozen application
to its first painted window on the demo portfolio, against the same start from the source tree in the same run.

The bundle is built from the current tree first (installer/build.py, about a minute), unless
PORTFOLIO_BENCH_REUSE_BUNDLE is set and one is there (the test suite's small run, after its installer test).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

from .rows_startup import RUNS, _best_of
from .runner import Options, Result, row

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "build" / "dist" / "portefeuille-sasn"


@row("bundle")
def bundle_rows(options: Options) -> list[Result]:
    if not sys.platform.startswith("linux"):
        return []
    executable = BUNDLE / "portfolio"
    if not (os.environ.get("PORTFOLIO_BENCH_REUSE_BUNDLE") and executable.exists()):
        subprocess.run([sys.executable, str(ROOT / "installer" / "build.py"), "--no-archive"], check=True, cwd=ROOT,
                       capture_output=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=1200)
    size = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink())
    path = options.workdir / "bundle-demo.sqlite"
    if not path.exists():
        with open_portfolio(path) as db:
            write_demo(db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(options.workdir / "config"),
           "PORTFOLIO_EXIT_AFTER_PAINT": "1"}
    source = _best_of([sys.executable, "-m", "portfolio", "gui", "--db", str(path)], env)
    frozen = _best_of([str(executable), "gui", "--db", str(path)], env)
    return [Result("installed application (one folder, Linux): size on disk", size / 1e6, "MB",
                   note=f"{sum(1 for p in BUNDLE.rglob('*') if p.is_file()):,} files"),
            Result("cold start of the installed application to the first painted window (demo portfolio)", frozen,
                   "s", source, "the same start from the source tree", note=f"best of {RUNS}")]
