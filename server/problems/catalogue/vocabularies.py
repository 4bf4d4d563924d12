"""Domain values said inside a French message: the pages' own words (server/web/labels.py),
lower-cased where a message needs them mid-sentence."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

from server.web import labels

E = TypeVar("E", bound=enum.Enum)


def _lower(words: Mapping[E, str]) -> dict[str, str]:
    return {str(k.value): _lowered(v) for k, v in words.items()}


def _lowered(word: str) -> str:
    """« Réservée » → « réservée », but « IDE plaies » and « PDSA » keep their capitals."""
    return word if word[1:2].isupper() else word[:1].lower() + word[1:]


VOCABULARIES: Mapping[str, Mapping[str, str]] = {
    "booking_status": _lower(labels.BOOKING_STATUSES_SHORT),
    "teleconsultation_status": _lower(labels.TELECONSULTATION_STATUSES),
    "referral_status": _lower(labels.REFERRAL_STATUSES),
    "outcome": _lower(labels.OUTCOMES_SHORT),
    "expertise": _lower(labels.EXPERTISES_SHORT),
    "profession": _lower(labels.PROFESSIONS),
    "role": _lower(labels.ROLES),
    "json_type": {
        "str": "un texte",
        "int": "un nombre entier",
        "float": "un nombre",
        "bool": "vrai ou faux",
        "array": "une liste",
        "object": "un objet",
        "null": "aucune valeur",
        "uuid": "un identifiant",
        "datetime": "une date et heure",
        "date": "une date",
        "time": "une heure",
    },
    "slot_status": {
        "free": "libre",
        "held": "retenu",
        "booked": "réservé",
        "blocked": "bloqué par l'agenda personnel",
        "cancelled": "retiré",
    },
}
