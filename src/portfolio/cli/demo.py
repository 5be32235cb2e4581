"""`portfolio demo`: the synthetic demonstration portfolio, written into an empty database."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from portfolio.cli.common import UsageError, _print_json
from portfolio.db.locations import is_url
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int
from portfolio.services.portfolio import open_portfolio


def cmd_demo(args: argparse.Namespace) -> int:
    if not args.db:
        raise UsageError(tr("« portfolio demo » écrit dans le fichier donné par --db, jamais dans votre base : "
                            "précisez --db CHEMIN."))
    from portfolio.services.demo import write_demo  # not needed by the other commands nor the window's start

    started = time.perf_counter()
    with open_portfolio(args.db) as db:
        written = write_demo(db, seed=args.seed, scale=args.scale)
    seconds = time.perf_counter() - started
    shared = is_url(args.db)  # team mode: a server's database has no file size to tell, nor a password to show
    size = 0 if shared else Path(args.db).stat().st_size
    where = db.path if shared else args.db
    if args.json:
        _print_json({"db": where if shared else str(Path(args.db).resolve()), "records": written,
                     "seconds": round(seconds, 3), "bytes": size, "seed": args.seed, "scale": args.scale})
    else:
        print(tr("Portefeuille de démonstration écrit dans {path} : {n} enregistrements en {s} s ({mb} Mo).",
                 path=where, n=format_int(written), s=f"{seconds:.1f}".replace(".", ","),
                 mb=f"{size / 1e6:.1f}".replace(".", ",")))
    return 0
