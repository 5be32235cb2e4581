"""Auditor snapshots: writing a signed snapshot and verifying it, of the demo portfolio and of the
500,000-organisation portfolio (the listing rows' file, built here when run alone), against VACUUM INTO alone
of the same file (the copy a snapshot starts from) timed in the same run."""

from __future__ import annotations

import time
from pathlib import Path

from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio
from portfolio.services.signing_keys import init_keys, key_paths
from portfolio.services.snapshot import verify_snapshot, write_snapshot

from .rows_listing import _build, sizes
from .runner import Options, Result, row


def _vacuum_into(source: Path, target: Path) -> None:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        connection.execute("VACUUM INTO ?", (str(target),))


def _seconds(function: object) -> float:
    start = time.perf_counter()
    function()  # type: ignore[operator]
    return time.perf_counter() - start


@row("snapshot")
def snapshot_rows(options: Options) -> list[Result]:
    demo = options.workdir / "snapshot-demo.sqlite"
    if not demo.exists():
        with open_portfolio(demo) as db:
            write_demo(db)
    count = sizes(options)[1]
    big = options.workdir / f"listing-{count}.sqlite"
    if not big.exists():  # the listing rows built it when they ran first
        _build(big, count).close()
    keys = options.workdir / "keys"
    if not key_paths(keys)[0].exists():
        init_keys(keys)
    public = key_paths(keys)[1].read_text(encoding="ascii").strip()
    results = []
    for label, source in (("the demo portfolio", demo), (f"{count:,} organisations", big)):
        copy = options.workdir / "copy.sqlite"
        copied = _seconds(lambda source=source, copy=copy: _vacuum_into(source, copy))
        copy.unlink()
        out = options.workdir / "snapshot.sqlite"
        written = _seconds(lambda source=source, out=out: write_snapshot(source, out, private_key=key_paths(keys)[0]))
        verified: dict[str, bool] = {}
        checked = _seconds(lambda out=out, verified=verified: verified.update(ok=verify_snapshot(out, public).intact))
        if not verified["ok"]:
            raise RuntimeError(f"the snapshot of {label} did not verify")
        size = Path(out).stat().st_size
        out.unlink()
        results += [
            Result(f"signed snapshot of {label} (VACUUM INTO, digests, manifest)", written, "s", copied,
                   "VACUUM INTO alone", note=f"{size / 2**20:,.1f} MiB"),
            Result("verifying that snapshot (digests, audit head, signature)", checked, "s", copied,
                   "VACUUM INTO alone"),
        ]
    return results
