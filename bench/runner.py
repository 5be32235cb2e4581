"""A tiny benchmark runner: rows register themselves, each measures a figure and, where one exists, a
baseline measured in the same run; the table shows the ratio figure / baseline."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass(frozen=True)
class Options:
    big_scale: int  # the demo scale that reaches 500,000 organisations
    workdir: Path


RowFunction = Callable[[Options], list[Result]]
ROWS: list[tuple[str, RowFunction]] = []


def row(group: str) -> Callable[[RowFunction], RowFunction]:
    """Registers a function producing benchmark results."""

    def register(function: RowFunction) -> RowFunction:
        ROWS.append((group, function))
        return function

    return register


def timed(function: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by one call, and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def machine() -> str:
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{memory}, " \
           f"Python {platform.python_version()}"


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "bytes":
        return f"{value / 1e6:,.1f} MB"
    if unit == "s":
        return f"{value:,.3f} s" if value < 10 else f"{value:,.1f} s"
    if unit == "ms":
        return f"{value:,.1f} ms"
    return f"{value:,.0f} {unit}".strip()


def print_table(results: list[Result]) -> str:
    """The results as a Markdown table (also what docs/benchmarks.md records)."""
    lines = ["| figure | value | baseline (same run) | ratio | target |", "| --- | ---: | --- | ---: | --- |"]
    for r in results:
        baseline = f"{_fmt(r.baseline, r.unit)} ({r.baseline_label})" if r.baseline is not None else "—"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        name = r.name + (f" — {r.note}" if r.note else "")
        lines.append(f"| {name} | {_fmt(r.value, r.unit)} | {baseline} | {ratio} | {r.target or '—'} |")
    return "\n".join(lines)


def save(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine(), "results": [asdict(r) for r in results]}, indent=2))
