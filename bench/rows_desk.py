"""The officer's desk (issue #21) over a 100,000-project portfolio (the demo at scale 286, the KPI rows' file): in
the window (offscreen, in a process of its own), a project's editor opened on its dossier and painted, and the
"Mon suivi" page read again and painted, each with the paint events its tables' viewports received; and the
core's reads as `portfolio dossier` and `portfolio suivi` make them. With a small ``--big-scale`` (the unit test
runs 2) the portfolio shrinks to the demo at scale 1."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time

from portfolio.services.demo import AS_OF
from portfolio.services.portfolio import open_portfolio

from .rows_kpi import kpi_portfolio
from .runner import Options, Result, row

DOSSIERS = 50  # projects drawn at random (the same draw at each run), each dossier read once
RUNS = 5
PAGE = 100  # lines of each section a page shows at first (ui.follow_up_page.SHOWN)

WINDOW = """
import json, sys, time
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
from portfolio.services.demo import AS_OF
from portfolio.services import listing
listing.today = lambda: AS_OF
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui import editor as editors, follow_up_page
editors.today = follow_up_page.today = lambda: AS_OF
from portfolio.ui.workspace import Workspace

class Paints(QObject):
    count = 0
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            Paints.count += 1
        return False

make_application()
workspace = Workspace(open_portfolio(Path(sys.argv[1])))
paints = Paints()
dossiers = []
for project in json.loads(sys.argv[2]):
    start = time.perf_counter()
    editor = editors.RecordEditor(workspace, "project", project)
    editor.show()
    editor.dossier.tranches.viewport().installEventFilter(paints)
    before = Paints.count
    editor.repaint()  # painted now, its tables' rows drawn
    QApplication.processEvents()
    dossiers.append((time.perf_counter() - start, Paints.count - before))
    editor.close()
    QApplication.processEvents()
page = follow_up_page.FollowUpPage(workspace)
page.resize(1100, 700)
page.show()
QApplication.processEvents()
table = page.sections["overdue_milestones"][1]  # (the first section: in view)
table.viewport().installEventFilter(paints)
pages = []
for _ in range(int(sys.argv[3])):
    before = Paints.count
    start = time.perf_counter()
    page.refresh()  # read again (counts and the first lines of each section) and painted
    page.repaint()
    QApplication.processEvents()
    pages.append((time.perf_counter() - start, Paints.count - before, table.rowCount()))
print(json.dumps({"dossiers": dossiers, "pages": pages}))
"""


@row("desk")
def desk_rows(options: Options) -> list[Result]:
    from portfolio.db.sqlite_file import raw_connection
    from portfolio.services.dossier import find_project, read_dossier
    from portfolio.services.follow_up import follow_up

    path = kpi_portfolio(options)
    with open_portfolio(path) as db:
        with db.read() as session:
            connection = raw_connection(session)
            projects = connection.execute("SELECT count(*) FROM project").fetchone()[0]
            # acronyms that name one project each, as an officer types them
            acronyms = [a for (a,) in connection.execute(
                "SELECT a.acronym FROM project p JOIN application a ON a.id = p.application_id WHERE a.acronym <> '' "
                "GROUP BY a.acronym_key HAVING count(*) = 1 ORDER BY a.acronym_key")]
        drawn = random.Random(2030).sample(acronyms, min(DOSSIERS, len(acronyms)))
        dossier_times, sizes, ids = [], [], []
        for acronym in drawn:
            start = time.perf_counter()
            with db.read() as session:
                dossier = read_dossier(session, find_project(session, acronym), AS_OF)
            dossier_times.append(time.perf_counter() - start)
            sizes.append(len(dossier.aid) + len(dossier.tranches) + len(dossier.milestones) + len(dossier.contacts)
                         + len(dossier.notes) + len(dossier.documents) + len(dossier.reminders))
            ids.append(dossier.project_id)  # (the window's measure opens the same projects)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(options.workdir / "config")}
    done = subprocess.run([sys.executable, "-c", WINDOW, str(path), json.dumps(ids), str(RUNS)],
                          env=env, capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    opened = [seconds for seconds, _paints in shown["dossiers"]]
    painted = min(paints for _seconds, paints in shown["dossiers"])
    page_paints = min(paints for _seconds, paints, _rows in shown["pages"])
    with open_portfolio(path) as db:
        page_times, whole_times, officer_times = [], [], []
        with db.read() as session:  # the busiest officer's own follow-up, as "Mon suivi" opens for them
            officer = raw_connection(session).execute(
                "SELECT officer_id FROM project WHERE officer_id IS NOT NULL GROUP BY officer_id "
                "ORDER BY count(*) DESC, officer_id LIMIT 1").fetchone()
        for _ in range(RUNS):
            if officer is not None:
                start = time.perf_counter()
                with db.read() as session:
                    mine = follow_up(session, AS_OF, 30, limit=PAGE, officer=int(officer[0]))
                officer_times.append(time.perf_counter() - start)
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
        Result(f"a project's editor opened on its dossier, read and painted ({size})", max(opened), "s",
               target="≤ 100 ms", note=f"the slowest of {len(opened)} projects drawn at random (median "
                                       f"{statistics.median(opened) * 1000:.1f} ms; offscreen, the tranches' rows "
                                       f"painted: at least {painted} paint event(s) each)"),
        Result(f"\"Mon suivi\" read again and painted: its counts and the first {PAGE} lines of each section "
               f"({size})", statistics.median(s for s, _p, _r in shown["pages"]), "s", target="≤ 200 ms",
               note=f"median of {RUNS}; offscreen, at least {page_paints} paint event(s) of the overdue milestones' "
                    f"table each time, {shown['pages'][0][2]} rows in it"),
        Result(f"a project's dossier, found by its acronym and read whole, the core alone ({size})",
               max(dossier_times), "s", note=f"the slowest of {len(drawn)} (median "
                                              f"{statistics.median(dossier_times) * 1000:.1f} ms, up to {max(sizes)} "
                                              "lines): `portfolio dossier`'s read"),
        Result(f"the follow-up's counts and first {PAGE} lines of each section, the core alone ({size})",
               statistics.median(page_times), "s", note=f"median of {RUNS}"),
        Result(f"the same follow-up, every line ({size})", statistics.median(whole_times), "s",
               note=f"median of {RUNS}; {lines:,} lines (" + ", ".join(
                   f"{name.replace('_', ' ')} {count:,}" for name, count in result.counts.items())
                    + "): `portfolio suivi --json` of the whole team"),
        *([Result(f"one officer's follow-up, counts and first {PAGE} lines, the core alone ({size})",
                  statistics.median(officer_times), "s",
                  note=f"median of {RUNS}; the officer with the most projects, {sum(mine.counts.values()):,} lines: "
                       "`portfolio suivi --officer`")] if officer_times else []),
    ]
