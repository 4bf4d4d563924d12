"""French health identifiers: RPPS, ADELI, FINESS, SIRET, NIR and the national ids built on them.

Format rules are hard errors. The RPPS Luhn key is only a warning: the ANS's own public examples
fail it (see shared/standards.md §7), and refusing a real professional is worse than a flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.fr import nir as _nir
from stdnum.fr import siret as _siret

from kernel.errors import CodedError

IDNAT_PS_OID = "1.2.250.1.71.4.2.1"
IDNAT_STRUCT_OID = "1.2.250.1.71.4.2.2"

_RPPS = re.compile(r"\d{11}")
_ADELI = re.compile(r"(?:\d{2}|2A|2B)\d{7}")
_FINESS = re.compile(r"(?:\d{2}|2A|2B)\d{7}")


class IdentifierError(CodedError):
    """A value that cannot be the identifier it claims to be."""


@dataclass(frozen=True, slots=True)
class Checked:
    """A normalised identifier and the soft problems found with it."""

    value: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value).upper()


def check_rpps(value: str) -> Checked:
    v = _compact(value)
    if not _RPPS.fullmatch(v):
        raise IdentifierError("RPPS must be 11 digits", code="rpps_format")
    warnings = () if luhn.is_valid(v) else ("RPPS check digit (Luhn) does not match",)
    return Checked(v, warnings)


def check_adeli(value: str) -> Checked:
    v = _compact(value)
    if not _ADELI.fullmatch(v):
        raise IdentifierError(
            "ADELI must be 9 characters: department (2 digits, 2A or 2B) + 7 digits",
            code="adeli_format",
        )
    return Checked(v)


def check_finess(value: str) -> Checked:
    v = _compact(value)
    if not _FINESS.fullmatch(v):
        raise IdentifierError(
            "FINESS must be 9 characters: department (2 digits, 2A or 2B) + 7 digits",
            code="finess_format",
        )
    warnings: tuple[str, ...] = ()
    if v.isdigit() and not luhn.is_valid(v):
        warnings = ("FINESS check digit (Luhn) does not match",)
    return Checked(v, warnings)


def check_siret(value: str) -> Checked:
    v = _compact(value)
    try:
        return Checked(_siret.validate(v))
    except ValidationError as exc:
        raise IdentifierError(f"SIRET is not valid: {exc}", code="siret_invalid") from exc


def check_nir(value: str) -> Checked:
    """A social security number with its 2-digit key (Corsica's 2A/2B handled by stdnum)."""
    v = _compact(value)
    try:
        return Checked(_nir.validate(v))
    except ValidationError as exc:
        raise IdentifierError(f"NIR is not valid: {exc}", code="nir_invalid") from exc


def idnat_ps(*, rpps: str | None = None, adeli: str | None = None) -> str:
    """National professional id: "8" + RPPS, else "0" + ADELI."""
    if rpps:
        return "8" + check_rpps(rpps).value
    if adeli:
        return "0" + check_adeli(adeli).value
    raise IdentifierError(
        "a national id needs an RPPS or an ADELI number", code="rpps_or_adeli_required"
    )


def idnat_struct(*, finess: str | None = None, siret: str | None = None) -> str:
    """National structure id: "1" + FINESS, else "3" + SIRET."""
    if finess:
        return "1" + check_finess(finess).value
    if siret:
        return "3" + check_siret(siret).value
    raise IdentifierError(
        "a structure id needs a FINESS or a SIRET number", code="finess_or_siret_required"
    )
