"""Identifier rules with the vectors of shared/standards.md §7."""

from __future__ import annotations

import pytest

from kernel.identifiers import (
    IdentifierError,
    check_adeli,
    check_finess,
    check_nir,
    check_rpps,
    check_siret,
    idnat_ps,
    idnat_struct,
)


@pytest.mark.parametrize(
    "nir",
    ["295109912611193", "253072B07300470", "253072A07300443", "137047624348415", "262087503203977"],
)
def test_valid_nir(nir: str) -> None:
    assert check_nir(nir).value == nir


@pytest.mark.parametrize("nir", ["295109912611199", "253072C07300443", "6546546546546703"])
def test_invalid_nir(nir: str) -> None:
    with pytest.raises(IdentifierError):
        check_nir(nir)


def test_nir_accepts_spaces() -> None:
    assert check_nir("2 95 10 99 126 111 93").value == "295109912611193"


def test_rpps_luhn_is_a_warning_not_an_error() -> None:
    # The SAS IG's own examples fail Luhn: format is hard, the key only warns.
    for ig_example in ["10100050075", "10101288385", "10106738385", "10002673899", "00001288385"]:
        checked = check_rpps(ig_example)
        assert checked.value == ig_example
        assert checked.warnings
    assert check_rpps("79927398713").warnings == ()


@pytest.mark.parametrize("bad", ["1234567890", "123456789012", "1010005007A", ""])
def test_rpps_format(bad: str) -> None:
    with pytest.raises(IdentifierError, match="11 digits"):
        check_rpps(bad)


def test_adeli_format() -> None:
    assert check_adeli("786012345").value == "786012345"
    assert check_adeli("2A6012345").value == "2A6012345"
    with pytest.raises(IdentifierError):
        check_adeli("78601234")


def test_finess_and_siret() -> None:
    assert check_finess("780000001").value == "780000001"
    assert check_finess("780000002").warnings  # wrong Luhn key → warning only
    with pytest.raises(IdentifierError):
        check_finess("78000000")
    assert check_siret("73282932000074").value == "73282932000074"
    with pytest.raises(IdentifierError):
        check_siret("73282932000075")


def test_national_ids() -> None:
    assert idnat_ps(rpps="10100050075") == "810100050075"
    assert idnat_ps(adeli="786012345") == "0786012345"
    assert idnat_struct(finess="780000001") == "1780000001"
    assert idnat_struct(siret="73282932000074") == "373282932000074"
    with pytest.raises(IdentifierError):
        idnat_ps()
