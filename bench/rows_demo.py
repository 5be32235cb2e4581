"""Rows of the foundation issue: writing the demo portfolio, at 1× and at 500,000 organisations."""

from __future__ import annotations

from sqlalchemy import insert, text

from portfolio.db.models import DocumentContent
from portfolio.services import fields
from portfolio.services.changes import Create, SideRows
from portfolio.services.demo import DemoGenerator, reference_ids, write_demo
from portfolio.services.portfolio import open_portfolio

from .runner import Options, Result, row, timed


def _fresh(options: Options, name: str):
    path = options.workdir / name
    for suffix in ("", "-wal", "-shm"):
        (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    return path


def _raw_insert(options: Options, scale: int) -> float:
    """Baseline: the same demo records inserted with plain executemany, without validation or audit."""
    path = _fresh(options, f"raw-{scale}.sqlite")
    with open_portfolio(path) as db:
        generator = DemoGenerator(2030, scale, reference_ids(db))

        def insert_all() -> None:
            with db.write() as session:
                for chunk in generator.generate():
                    by_entity: dict[str, list[dict[str, object]]] = {}  # (the desk's chunks mix notes, reminders…)
                    contents = []  # documents' bytes, once their records are in
                    for c in chunk:
                        if isinstance(c, Create):
                            by_entity.setdefault(c.entity, []).append({"id": c.id, "uuid": c.uuid, "synthetic": True,
                                                                       **c.values})
                        elif isinstance(c, SideRows):
                            contents.append({"document_uuid": c.key[0], "content": c.new[0][0]})
                    for entity, rows in by_entity.items():  # (a chunk of field changes has no record to insert)
                        session.execute(insert(fields.table(entity)), rows)
                    if contents:
                        session.execute(insert(DocumentContent), contents)

        seconds, _ = timed(insert_all)
    return seconds


def _demo(options: Options, scale: int) -> tuple[float, int, int]:
    path = _fresh(options, f"demo-{scale}.sqlite")
    with open_portfolio(path) as db:
        seconds, _ = timed(lambda: write_demo(db, scale=scale))
        with db.read() as session:
            organisations = session.execute(text("SELECT count(*) FROM organisation")).scalar_one()
    return seconds, path.stat().st_size, organisations


@row("demo")
def demo_rows(options: Options) -> list[Result]:
    small_seconds, small_size, small_orgs = _demo(options, 1)
    raw_seconds = _raw_insert(options, 1)
    big = options.big_scale
    big_seconds, big_size, big_orgs = _demo(options, big)
    return [
        Result("portfolio demo, 1× — time", small_seconds, "s", raw_seconds,
               "the same records by plain INSERT, no validation or audit", note=f"{small_orgs:,} organisations"),
        Result("portfolio demo, 1× — file size", small_size, "bytes"),
        Result(f"portfolio demo, {big}× — time", big_seconds, "s", small_seconds * big, f"1× time × {big}",
               note=f"{big_orgs:,} organisations"),
        Result(f"portfolio demo, {big}× — file size", big_size, "bytes", small_size * big, f"1× size × {big}"),
    ]
