"""Writes the dashboard's map of the 18 regions (src/portfolio/ui/data/regions.json) from the IGN/INSEE contours
of ../shared/data/geo (gregoiredavid/france-geojson, Licence Ouverte / Etalab): the outlines simplified to what a
dashboard shows (about 0.01 degree), coordinates rounded to 4 decimals.

    .venv/bin/python scripts/make_regions_map.py [SOURCE.geojson]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "geo" / "regions-avec-outre-mer.geojson"
TARGET = ROOT / "src" / "portfolio" / "ui" / "data" / "regions.json"
TOLERANCE = 0.01  # degrees: about a kilometre, less than a pixel on the dashboard's map


def _distance_to_segment(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iteratively (rings of thousands of points would exceed the recursion limit)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            distance = _distance_to_segment(points[i], points[first], points[last])
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    regions = []
    for feature in json.loads(source.read_text(encoding="utf-8"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = []
        for polygon in polygons:
            outer = [(float(x), float(y)) for x, y in polygon[0]]  # holes are not drawn on a regional map
            ring = simplify(outer, TOLERANCE)
            if len(ring) >= 4:
                rings.append([[round(x, 4), round(y, 4)] for x, y in ring])
        regions.append({"code": feature["properties"]["code"], "name": feature["properties"]["nom"], "rings": rings})
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps({
        "source": "IGN / INSEE contours via gregoiredavid/france-geojson, Licence Ouverte (Etalab); simplified",
        "regions": sorted(regions, key=lambda r: r["code"])}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8")
    print(f"{TARGET}: {len(regions)} regions, {sum(len(r) for g in regions for r in g['rings'])} points, "
          f"{TARGET.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
