"""`python -m bench [--big-scale N] [--keep]`: runs every benchmark row and prints the table."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from . import (  # noqa: F401 - each module registers its rows
    rows_bundle,
    rows_check,
    rows_demo,
    rows_desk,
    rows_exchange,
    rows_import,
    rows_kpi,
    rows_listing,
    rows_postgres,
    rows_replica,
    rows_snapshot,
    rows_standards,
    rows_startup,
)
from .runner import ROWS, Options, machine, print_table, save


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--big-scale", type=int, default=500,
                        help="demo scale of the large rows (500 = 500,000 organisations)")
    parser.add_argument("--only", help="run only the rows of this group")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's files")
    parser.add_argument("--out", default="bench/results/latest.json", help="where to save the results as JSON")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
    options = Options(big_scale=args.big_scale, workdir=workdir)
    print(f"Machine: {machine()}", flush=True)
    results = []
    try:
        for group, function in ROWS:
            if args.only and group != args.only:
                continue
            print(f"… {group}", file=sys.stderr, flush=True)
            results.extend(function(options))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(print_table(results))
    save(results, Path(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
