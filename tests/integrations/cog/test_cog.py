"""The open-data readers of the commune reference, on files in their published formats."""

from __future__ import annotations

import csv
import json
import lzma
import struct
from pathlib import Path

import pytest

from integrations.cog import read_etalab_communes, read_points, with_points


def _square(lon: float, lat: float, side: float, hole: float = 0.0) -> bytes:
    """A WKB polygon (little-endian): a square, with a square hole in its middle if asked."""

    def ring(x: float, y: float, s: float, clockwise: bool) -> bytes:
        points = [(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)]
        if clockwise:
            points.reverse()
        return struct.pack("<I", len(points)) + b"".join(struct.pack("<dd", *p) for p in points)

    rings = [ring(lon, lat, side, False)]
    if hole:
        middle = side / 2 - hole / 2
        rings.append(ring(lon + middle, lat + middle, hole, True))
    return struct.pack("<BII", 1, 3, len(rings)) + b"".join(rings)


def _multi(*polygons: bytes) -> bytes:
    return struct.pack("<BII", 1, 6, len(polygons)) + b"".join(polygons)


def test_etalab_communes_keep_current_communes_and_arrondissements(tmp_path: Path) -> None:
    path = tmp_path / "communes.json"
    path.write_text(
        json.dumps(
            [
                {"code": "78517", "nom": "Rambouillet", "type": "commune-actuelle",
                 "departement": "78", "population": 26933, "codesPostaux": ["78120"]},
                {"code": "75115", "nom": "Paris 15e Arrondissement",
                 "type": "arrondissement-municipal", "departement": "75", "population": 227746,
                 "codesPostaux": ["75015"]},
                {"code": "14581", "nom": "Ancienne", "type": "commune-deleguee",
                 "departement": "14"},
                {"code": "97411", "nom": "Saint-Denis", "type": "commune-actuelle",
                 "departement": "974", "population": 153001, "codesPostaux": ["97400", "97490"]},
            ]
        ),
        encoding="utf-8",
    )  # fmt: skip
    communes = list(read_etalab_communes(path))
    assert [(c.insee, c.department, c.postal_code) for c in communes] == [
        ("78517", "78", "78120"),
        ("75115", "75", "75015"),
        ("97411", "974", "97400"),
    ]


def test_points_are_area_centroids_of_the_outlines(tmp_path: Path) -> None:
    path = tmp_path / "communes.csv.lzma"
    rows = [
        # id, code, type, parent, geometry
        ("1", "78517", "COM", "", _square(1.8, 48.6, 0.1).hex()),
        # A hole in the middle keeps the centroid where it was.
        ("2", "97411", "COM", "", _square(55.4, -20.95, 0.04, hole=0.02).hex()),
        # Two islands of equal size: the point between them.
        ("3", "29155", "COM", "", _multi(_square(-5.1, 48.4, 0.02), _square(-5.0, 48.4, 0.02)).hex()),
        # A commune created after the outlines were drawn: the union of its former communes.
        ("4", "15031", "COM", "", ""),
        ("5", "15999", "COMD", "4", _square(2.9, 45.0, 0.1).hex()),
        ("6", "15998", "COMD", "4", _square(3.0, 45.0, 0.1).hex()),
    ]  # fmt: skip
    with lzma.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "code", "type", "nom", "commune_parent_id", "geometry"])
        for row_id, code, kind, parent, geometry in rows:
            writer.writerow([row_id, code, kind, f"Commune {code}", parent, geometry])
    points = read_points(path)
    assert points["78517"] == pytest.approx((48.65, 1.85))
    assert points["97411"] == pytest.approx((-20.93, 55.42))
    assert points["29155"] == pytest.approx((48.41, -5.04))
    assert points["15031"] == pytest.approx((45.05, 3.0))
    assert "15999" not in points  # a former commune is no commune of the reference


def test_a_plain_csv_of_points_fills_what_the_outlines_lack(tmp_path: Path) -> None:
    cog = tmp_path / "communes.json"
    cog.write_text(
        json.dumps([{"code": "97502", "nom": "Saint-Pierre", "type": "commune-actuelle",
                     "departement": "975", "codesPostaux": ["97500"]}]),
        encoding="utf-8",
    )  # fmt: skip
    extra = tmp_path / "points.csv"
    extra.write_text("code,latitude,longitude\n97502,46.7811,-56.1764\n", encoding="utf-8")
    (commune,) = with_points(read_etalab_communes(cog), read_points(extra))
    assert (commune.latitude, commune.longitude) == (46.7811, -56.1764)
