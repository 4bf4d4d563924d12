"""Phone numbers and departments as the national and international formats want them.

The directory stores a phone as it was typed ("01 30 12 34 56"); FHIR consumers want it in
international form ("+33130123456", the SAS IG's `+33` form; "+262262123456" in La Réunion,
whose numbers are not French metropolitan ones), as the numbering plans say (phonenumbers).
"""

from __future__ import annotations

import phonenumbers

# Overseas departments number their phones in their own country codes.
_REGION_OF_DEPARTMENT = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}


def department_of(insee: str) -> str:
    """The department of a commune's INSEE code: "78" for 78646, "2A" for 2A004, "974" for
    97411 (overseas departments have three digits)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def international(phone: str | None, department: str | None = None) -> str | None:
    """`phone` in E.164 ("+33130123456"), read in the department's numbering plan; None when
    it is absent or no valid number."""
    number = _parsed(phone, department)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None
    )


def spoken(phone: str | None) -> str | None:
    """`phone` as a patient dials it from France ("01 34 83 12 46"; an overseas number with
    its own format); as typed when it is no valid number."""
    number = _parsed(phone, None)
    if number is None:
        return phone or None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _parsed(phone: str | None, department: str | None) -> phonenumbers.PhoneNumber | None:
    if not phone:
        return None
    if department is None:  # unknown: the first plan of France's where it is a number
        regions = ["FR", *_REGION_OF_DEPARTMENT.values()]
    else:
        regions = [_REGION_OF_DEPARTMENT.get(department, "FR")]
    for region in regions:
        try:
            number = phonenumbers.parse(phone, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return number
    return None
