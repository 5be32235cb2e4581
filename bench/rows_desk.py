"""The officer's desk (issue #21) over a 100,000-project portfolio (the demo at scale 286, the KPI rows' file):
reading a project's dossier (found by its acronym, every part read) and the follow-up of the whole portfolio,
each in its own read transaction, as `portfolio dossier` and `portfolio suivi` do. The window's pages are not
built yet: these are the core's reads, which the pages will show. With a small ``--big-scale`` (the unit test runs
2) the portfolio shrinks to the demo at scale 1."""

from __future__ import annotations

import random
import statistics
import time

from portfolio.services.demo import AS_OF, write_demo
from portfolio.services.portfolio import open_portfolio

from .rows_kpi import _scale
from .runner import Options, Result, row

DOSSIERS = 50  # projects drawn at random (the same draw at each run), each dossier read once
RUNS = 5
PAGE = 200  # lines of each section a page shows at first


@row("desk")
def desk_rows(options: Options) -> list[Result]:
    from portfolio.db.sqlite_file import raw_connection
    from portfolio.services.dossier import find_project, read_dossier
    from portfolio.services.follow_up import follow_up

    scale = _scale(options)
    path = options.workdir / f"kpi-{scale}.sqlite"  # (the KPI rows' portfolio: written once per run)
    if not path.exists():
        with open_portfolio(path) as db:
            write_demo(db, scale=scale)
    with open_portfolio(path) as db:
        with db.read() as session:
            connection = raw_connection(session)
            projects = connection.execute("SELECT count(*) FROM project").fetchone()[0]
            # acronyms that name one project each, as an officer types them
            acronyms = [a for (a,) in connection.execute(
                "SELECT a.acronym FROM project p JOIN application a ON a.id = p.application_id WHERE a.acronym <> '' "
                "GROUP BY a.acronym_key HAVING count(*) = 1 ORDER BY a.acronym_key")]
        drawn = random.Random(2030).sample(acronyms, min(DOSSIERS, len(acronyms)))
        dossier_times, sizes = [], []
        for acronym in drawn:
            start = time.perf_counter()
            with db.read() as session:
                dossier = read_dossier(session, find_project(session, acronym), AS_OF)
            dossier_times.append(time.perf_counter() - start)
            sizes.append(len(dossier.aid) + len(dossier.tranches) + len(dossier.milestones) + len(dossier.contacts))
        page_times, whole_times = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            with db.read() as session:
                follow_up(session, AS_OF, 30, limit=PAGE)
            page_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            with db.read() as session:
                result = follow_up(session, AS_OF, 30)
            whole_times.append(time.perf_counter() - start)
    lines = sum(result.counts.values())
    size = f"{projects:,} projects"
    return [
        Result(f"a project's dossier, found by its acronym and read whole ({size})", max(dossier_times), "s",
               target="≤ 100 ms", note=f"the slowest of {len(drawn)} projects drawn at random (median "
                                       f"{statistics.median(dossier_times) * 1000:.1f} ms, up to {max(sizes)} lines); "
                                       "the core's read, the window's page not built yet"),
        Result(f"the follow-up of the whole portfolio, 30 days ahead: its counts and the first {PAGE} lines of each "
               f"section, as a page shows them ({size})", statistics.median(page_times), "s", target="≤ 200 ms",
               note=f"median of {RUNS}; the core's read, the page not built yet"),
        Result(f"the same follow-up, every line ({size})", statistics.median(whole_times), "s",
               note=f"median of {RUNS}; {lines:,} lines (overdue milestones "
                    f"{result.counts['overdue_milestones']:,}, due {result.counts['milestones_due']:,}, tranches "
                    f"{result.counts['tranches_due']:,}): `portfolio suivi --json` of the whole team"),
    ]
