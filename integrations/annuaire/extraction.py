"""`PS_LibreAcces_Personne_activite_<horodatage>.txt`: one row per activity of a professional.

The ANS publishes it daily (zip at service.annuaire.sante.fr, mirrored on data.gouv.fr): UTF-8,
fields separated by `|` with no quoting at all (a `"` is text), one header line, each line
ending with a `|` of its own; about 2.3 million rows and 800 MB. Columns are found by their
header names, not positions: the ANS appended columns before (`Code rôle`… in 2023).

The file streams a line at a time; a row outside the territory's communes is dropped after a
single split, before anything else is built, so memory stays that of the territory's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import BinaryIO

from coordination.directory.national_import import NationalActivity
from kernel.errors import CodedError

# The header names this reader needs, as the ANS writes them.
ID_TYPE = "Type d'identifiant PP"
IDENTIFIER = "Identifiant PP"
FAMILY = "Nom d'exercice"
GIVEN = "Prénom d'exercice"
PROFESSION = "Code profession"
SKILL_TYPE = "Code type savoir-faire"
SKILL = "Code savoir-faire"
SKILL_LABEL = "Libellé savoir-faire"
MODE = "Code mode exercice"
SIRET = "Numéro SIRET site"
FINESS = "Numéro FINESS site"
STRUCTURE_ID = "Identifiant technique de la structure"
SITE_NAME = "Raison sociale site"
SITE_BRAND = "Enseigne commerciale site"
NUMBER = "Numéro Voie (coord. structure)"
REPEAT = "Indice répétition voie (coord. structure)"
WAY_TYPE = "Libellé type de voie (coord. structure)"
WAY = "Libellé Voie (coord. structure)"
POSTAL_CODE = "Code postal (coord. structure)"
COMMUNE = "Code commune (coord. structure)"
PHONE = "Téléphone (coord. structure)"
EMAIL = "Adresse e-mail (coord. structure)"
REQUIRED = (
    ID_TYPE, IDENTIFIER, FAMILY, GIVEN, PROFESSION, SKILL_TYPE, SKILL, SKILL_LABEL, MODE, SIRET,
    FINESS, STRUCTURE_ID, SITE_NAME, SITE_BRAND, NUMBER, REPEAT, WAY_TYPE, WAY, POSTAL_CODE,
    COMMUNE, PHONE, EMAIL,
)  # fmt: skip
# The whole header as the ANS publishes it (56 columns and a trailing "|", 2026): what the
# samples of the tests, the demo and the benchmark are written with. The reader needs only
# REQUIRED among them, wherever they stand.
PUBLISHED_HEADER = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|"
    "Code profession|Libellé profession|Code catégorie professionnelle|"
    "Libellé catégorie professionnelle|Code type savoir-faire|Libellé type savoir-faire|"
    "Code savoir-faire|Libellé savoir-faire|Code mode exercice|Libellé mode exercice|"
    "Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|"
    "Numéro FINESS établissement juridique|Identifiant technique de la structure|"
    "Raison sociale site|Enseigne commerciale site|Complément destinataire (coord. structure)|"
    "Complément point géographique (coord. structure)|Numéro Voie (coord. structure)|"
    "Indice répétition voie (coord. structure)|Code type de voie (coord. structure)|"
    "Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|"
    "Mention distribution (coord. structure)|Bureau cedex (coord. structure)|"
    "Code postal (coord. structure)|Code commune (coord. structure)|"
    "Libellé commune (coord. structure)|Code pays (coord. structure)|"
    "Libellé pays (coord. structure)|Téléphone (coord. structure)|"
    "Téléphone 2 (coord. structure)|Télécopie (coord. structure)|"
    "Adresse e-mail (coord. structure)|Code Département (structure)|"
    "Libellé Département (structure)|Ancien identifiant de la structure|"
    "Autorité d'enregistrement|Code secteur d'activité|Libellé secteur d'activité|"
    "Code section tableau pharmaciens|Libellé section tableau pharmaciens|Code rôle|"
    "Libellé rôle|Code genre activité|Libellé genre activité|"
)
MAX_LINE = 16 * 1024  # a real row is under 1 KB; a longer one is not this file's
Progress = Callable[[int], None]  # bytes read since the last call


class NotTheExtraction(CodedError):
    """The file lacks the columns of the ANS extraction (or a line is absurdly long)."""


def _header(line: bytes) -> dict[str, int]:
    if len(line) > MAX_LINE:
        raise NotTheExtraction(
            f"a header of more than {MAX_LINE} bytes: not the extraction",
            code="extraction_line_too_long",
            params={"kilobytes": MAX_LINE // 1024},
        )
    names = _text(line).lstrip("\ufeff").rstrip("\r\n").split("|")
    columns = {name.strip(): i for i, name in enumerate(names) if name.strip()}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise NotTheExtraction(
            "not the Annuaire Santé extraction: no column " + ", ".join(missing),
            code="extraction_columns_missing",
            params={"missing": missing},
        )
    return columns


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's lines, none read past MAX_LINE bytes (iterating a file would read a
    line of any length whole before its length could be looked at)."""
    for raw in iter(lambda: stream.readline(MAX_LINE + 1), b""):
        if len(raw) > MAX_LINE:
            raise NotTheExtraction(
                f"a line of more than {MAX_LINE} bytes: not the extraction",
                code="extraction_line_too_long",
                params={"kilobytes": MAX_LINE // 1024},
            )
        yield raw


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotTheExtraction(f"not UTF-8 text: {exc.reason}", code="extraction_not_utf8") from exc


def _address(number: str, repeat: str, way_type: str, way: str) -> str:
    return " ".join(part for part in (number + repeat.lower(), way_type, way) if part).strip()


def read_activities(
    stream: BinaryIO,
    communes: Collection[str] | None = None,
    progress: Progress | None = None,
) -> Iterator[NationalActivity]:
    """The activities of the file practised in `communes` (INSEE codes; None: all)."""
    first = stream.readline(MAX_LINE + 1)
    columns = _header(first)
    at = columns.__getitem__
    commune_at = at(COMMUNE)
    width = max(columns.values()) + 1
    picks = [at(name) for name in REQUIRED]
    wanted = frozenset(communes) if communes is not None else None
    unread = len(first)
    for raw in _lines(stream):
        unread += len(raw)
        if progress is not None and unread >= 1 << 20:
            progress(unread)
            unread = 0
        fields = _text(raw).rstrip("\r\n").split("|")
        if len(fields) < width:
            continue  # a truncated last line
        if wanted is not None and fields[commune_at] not in wanted:
            continue
        (
            id_type, identifier, family, given, profession, skill_type, skill, skill_label, mode,
            siret, finess, structure_id, site_name, site_brand, number, repeat, way_type, way,
            postal_code, commune, phone, email,
        ) = (fields[i].strip() for i in picks)  # fmt: skip
        yield NationalActivity(
            id_type=id_type,
            identifier=identifier,
            family_name=family,
            given_name=given,
            profession_code=profession,
            specialty_code=skill if skill_type == "S" else "",
            specialty_label=skill_label if skill_type == "S" else "",
            mode=mode,
            structure_key=structure_id
            or (("siret:" + siret) if siret else "")
            or (("finess:" + finess) if finess else ""),
            site_name=site_brand or site_name,
            siret=siret,
            finess=finess,
            address=_address(number, repeat, way_type, way),
            postal_code=postal_code,
            commune_insee=commune,
            phone=phone,
            email=email,
        )
    if progress is not None and unread:
        progress(unread)


def open_extraction(path: Path) -> BinaryIO:
    return path.open("rb", buffering=1 << 20)


# The MSSanté extraction (`Extraction_Correspondance_MSSante_<horodatage>.txt`, same format):
# one row per secure mailbox; a professional's own are of type PER.
MSSANTE_TYPE = "Type de BAL"
MSSANTE_ADDRESS = "Adresse BAL"
MSSANTE_IDNPS = "Identification nationale PP"


def read_mssante(stream: BinaryIO, wanted: Collection[str]) -> dict[str, str]:
    """National id ("8" + RPPS, "0" + ADELI) → the professional's own MSSanté address, for the
    ids in `wanted` (the first listed when there are several)."""
    first = stream.readline(MAX_LINE + 1)
    if len(first) > MAX_LINE:
        raise NotTheExtraction(
            f"a header of more than {MAX_LINE} bytes: not the extraction",
            code="extraction_line_too_long",
            params={"kilobytes": MAX_LINE // 1024},
        )
    names = _text(first).lstrip("\ufeff").rstrip("\r\n").split("|")
    columns = {name.strip(): i for i, name in enumerate(names)}
    missing = [n for n in (MSSANTE_TYPE, MSSANTE_ADDRESS, MSSANTE_IDNPS) if n not in columns]
    if missing:
        raise NotTheExtraction(
            "not the MSSanté extraction: no column " + ", ".join(missing),
            code="mssante_columns_missing",
            params={"missing": missing},
        )
    kind_at, address_at, id_at = (
        columns[n] for n in (MSSANTE_TYPE, MSSANTE_ADDRESS, MSSANTE_IDNPS)
    )
    width = max(kind_at, address_at, id_at) + 1
    found: dict[str, str] = {}
    for raw in _lines(stream):
        fields = _text(raw).rstrip("\r\n").split("|")
        if len(fields) < width or fields[kind_at] != "PER":
            continue
        national_id = fields[id_at].strip()
        if national_id in wanted and national_id not in found:
            found[national_id] = fields[address_at].strip()[:254]
    return found
