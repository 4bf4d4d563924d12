"""`communes.json` of `@etalab/decoupage-administratif`: one object per commune."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec

from coordination.directory.communes_reference import ReferenceCommune

# Current communes and the municipal arrondissements of Paris, Lyon and Marseille (the
# national directory addresses practices in them); not the former communes (déléguées,
# associées) that live on inside another.
KINDS = frozenset({"commune-actuelle", "arrondissement-municipal"})
MAX_BYTES = 64 * 1024 * 1024  # the 2026 file is 8.6 MB


class _Commune(msgspec.Struct):
    code: str
    nom: str
    type: str
    departement: str | None = None
    population: int | None = None
    codesPostaux: list[str] = []


def read_etalab_communes(path: Path) -> Iterator[ReferenceCommune]:
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path} is larger than {MAX_BYTES} bytes: not the communes file")
    rows = msgspec.json.decode(path.read_bytes(), type=list[_Commune])
    for row in rows:
        if row.type not in KINDS or not row.departement:
            continue
        yield ReferenceCommune(
            insee=row.code,
            name=row.nom,
            department=row.departement,
            population=row.population,
            postal_code=row.codesPostaux[0] if row.codesPostaux else None,
        )
