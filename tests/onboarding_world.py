"""What the onboarding tests build: national communes of their own, and extraction files in
the ANS's documented format (`PS_LibreAcces_Personne_activite`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.commune import CommuneReference
from coordination.directory.communes_reference import ReferenceCommune, refresh_reference
from integrations.annuaire.extraction import PUBLISHED_HEADER as HEADER
from kernel.clock import Clock
from tests.directory_world import digits, luhn_number


async def fresh_reference(
    session: AsyncSession, clock: Clock, count: int, department: str = "2A"
) -> list[ReferenceCommune]:
    """`count` communes the national reference did not have, now in it (Corsican codes: no
    other test's)."""
    taken = set(await session.scalars(select(CommuneReference.insee)))
    codes: list[str] = []
    while len(codes) < count:
        code = department + digits(3)
        if code not in taken and code not in codes:
            codes.append(code)
    communes = [
        ReferenceCommune(
            insee=code,
            name=f"Commune {code}",
            department=department,
            population=1000 + i,
            postal_code="20000",
            latitude=41.9 + i / 100,
            longitude=8.7 + i / 100,
        )
        for i, code in enumerate(codes)
    ]
    await refresh_reference(session, clock, communes)
    return communes


COLUMNS = HEADER.rstrip("|").split("|")


@dataclass(frozen=True, slots=True)
class Row:
    """One activity, with the columns an import reads; the others get plausible values."""

    rpps: str
    family: str
    given: str
    profession: str = "10"  # TRE_G15: 10 médecin, 60 infirmier, 21 pharmacien
    skill: str = "SM54"
    commune: str = "78517"
    street: str = "GAMBETTA"
    number: str = "14"
    structure: str = ""
    site: str = "CABINET MEDICAL"
    finess: str = ""
    phone: str = "0134831245"
    email: str = ""
    id_type: str = "8"


def _line(row: Row) -> str:
    values = dict.fromkeys(COLUMNS, "")
    labels = {"10": "Médecin", "60": "Infirmier", "21": "Pharmacien"}
    values.update(
        {
            "Type d'identifiant PP": row.id_type,
            "Identifiant PP": row.rpps,
            "Identification nationale PP": row.id_type + row.rpps,
            "Code civilité": "M",
            "Libellé civilité": "Monsieur",
            "Nom d'exercice": row.family,
            "Prénom d'exercice": row.given,
            "Code profession": row.profession,
            "Libellé profession": labels.get(row.profession, "Autre"),
            "Code catégorie professionnelle": "C",
            "Libellé catégorie professionnelle": "Civil",
            "Code type savoir-faire": "S" if row.skill else "",
            "Libellé type savoir-faire": "Spécialité ordinale" if row.skill else "",
            "Code savoir-faire": row.skill,
            "Libellé savoir-faire": "Médecine Générale" if row.skill == "SM54" else row.skill,
            "Code mode exercice": "L",
            "Libellé mode exercice": "Libéral",
            "Numéro FINESS site": row.finess,
            "Identifiant technique de la structure": row.structure,
            "Raison sociale site": row.site,
            "Numéro Voie (coord. structure)": row.number,
            "Code type de voie (coord. structure)": "R",
            "Libellé type de voie (coord. structure)": "Rue",
            "Libellé Voie (coord. structure)": row.street,
            "Code postal (coord. structure)": "78120",
            "Code commune (coord. structure)": row.commune,
            "Libellé commune (coord. structure)": "Rambouillet",
            "Code pays (coord. structure)": "99100",
            "Libellé pays (coord. structure)": "France",
            "Téléphone (coord. structure)": row.phone,
            "Adresse e-mail (coord. structure)": row.email,
            "Code Département (structure)": row.commune[:2],
            "Autorité d'enregistrement": "CNOM/CNOM/CNOM",
            "Code secteur d'activité": "SA07",
            "Libellé secteur d'activité": "Cabinet individuel",
        }
    )
    return "|".join(values[c] for c in COLUMNS) + "|"


def write_extraction(path: Path, rows: list[Row], newline: str = "\n") -> Path:
    path.write_bytes((newline.join([HEADER, *(_line(r) for r in rows)]) + newline).encode())
    return path


def rpps() -> str:
    return luhn_number("1", 11)


# The MSSanté extraction's header, as published (31 columns).
MSSANTE_HEADER = (
    "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
    "Type identifiant structure|Identification Structure|Service de rattachement|"
    "Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|"
    "Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|"
    "Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|"
    "Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION structure BAL|"
    "L3COMPLEMENTDISTRIBUTION structure BAL|L4NUMEROVOIE structure BAL|"
    "L4COMPLEMENTNUMEROVOIE structure BAL|NL4TYPEVOIE structure BAL|L4LIBELLEVOIE structure BAL|"
    "L5LIEUDITMENTION structure BAL|L6LIGNEACHEMINEMENT structure BAL|Code postal structure BAL|"
    "Département structure BAL|Pays structure BAL"
)


def write_mssante(path: Path, boxes: list[tuple[str, str, str]]) -> Path:
    """(type PER or ORG, address, national id) per mailbox."""
    width = len(MSSANTE_HEADER.split("|"))
    lines = [MSSANTE_HEADER]
    for kind, address, national_id in boxes:
        fields = [""] * width
        fields[0], fields[1], fields[2], fields[4] = kind, address, national_id[0], national_id
        fields[3] = national_id[1:]
        lines.append("|".join(fields))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
