"""The ANS extraction reader: columns by name, no quoting, UTF-8 with or without BOM."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from integrations.annuaire.extraction import NotTheExtraction, read_activities
from tests.onboarding_world import HEADER, Row, write_extraction


def test_rows_of_the_territory_only_with_their_fields(tmp_path: Path) -> None:
    path = write_extraction(
        tmp_path / "x.txt",
        [
            Row("10001045367", "GUIGNARD", "ERIC", commune="78517", structure="C75912415900",
                site='CABINET "LES TILLEULS"', number="6", street="DE BESANCON"),
            Row("10001045368", "AUTRE", "Ailleurs", commune="31555"),
        ],
    )  # fmt: skip
    reported: list[int] = []
    with path.open("rb") as stream:
        (row,) = read_activities(stream, {"78517"}, reported.append)
    assert (row.id_type, row.identifier, row.family_name) == ("8", "10001045367", "GUIGNARD")
    assert (row.profession_code, row.specialty_code) == ("10", "SM54")
    assert row.site_name == 'CABINET "LES TILLEULS"'  # a quote is text: no CSV quoting
    assert row.address == "6 Rue DE BESANCON"
    assert row.structure_key == "C75912415900" and row.commune_insee == "78517"
    assert sum(reported) == path.stat().st_size


def test_a_bom_and_columns_in_another_order(tmp_path: Path) -> None:
    names = HEADER.rstrip("|").split("|")
    moved = [names[-1], *names[:-1]]
    line = "|".join(
        "78517"
        if n == "Code commune (coord. structure)"
        else ("8" if n == "Type d'identifiant PP" else "x")
        for n in moved
    )
    data = ("\ufeff" + "|".join(moved) + "|\r\n" + line + "|\r\n").encode()
    (row,) = read_activities(io.BytesIO(data), {"78517"})
    assert row.commune_insee == "78517" and row.id_type == "8"


def test_another_file_is_refused() -> None:
    with pytest.raises(NotTheExtraction, match="Identifiant PP"):
        list(read_activities(io.BytesIO(b"code;nom\n78517;Rambouillet\n")))
    header = (HEADER + "\n").encode()
    with pytest.raises(NotTheExtraction, match="bytes"):
        list(read_activities(io.BytesIO(header + b"8|" + b"x" * 20_000 + b"\n")))
    with pytest.raises(NotTheExtraction, match="UTF-8"):
        list(read_activities(io.BytesIO(header + "8|é".encode("latin-1") + b"\n")))


def test_a_huge_line_is_refused_without_being_read_whole() -> None:
    """One line of 64 MiB: refused after MAX_LINE bytes, not after reading it all."""

    class Endless(io.RawIOBase):
        served = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            if self.served == 0:
                header = (HEADER + "\n").encode()
                buffer[: len(header)] = header
                self.served = len(header)
                return len(header)
            n = len(buffer)
            buffer[:n] = b"x" * n
            self.served += n
            return n

    stream = Endless()
    with pytest.raises(NotTheExtraction):
        list(read_activities(io.BufferedReader(stream, 65536)))  # type: ignore[arg-type]
    assert stream.served < 1 << 20
