"""Minimal patient identity for unscheduled care: enough to call and to welcome, no more.

An INS may only be shared when the identity is "qualified"; we keep the NIR optional and
validated by its key, and never put any of this in logs or broadcast events.
"""

from __future__ import annotations

import enum
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel import statements
from kernel.database import Base, id_column, str_enum
from kernel.errors import Invalid
from kernel.identifiers import IdentifierError, check_nir
from kernel.statements import Prepared

NAME_LENGTH = 100  # a name's column, and its folded twin's


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (Index("ix_patients_person", "territory_id", "birth_date", "family_folded"),)

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    family_name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    given_name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, 10), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    nir: Mapped[str | None] = mapped_column(String(15), nullable=True)
    # The names folded (`fold_name`), written with them: a person is found by birth date and
    # folded names in SQL, whatever the number of other rows born that day.
    family_folded: Mapped[str | None] = mapped_column(String(NAME_LENGTH), nullable=True)
    given_folded: Mapped[str | None] = mapped_column(String(NAME_LENGTH), nullable=True)
    created_at: Mapped[datetime] = mapped_column(nullable=False)
    # Set when retention replaced the identity (coordination/privacy/retention.py).
    purged_at: Mapped[datetime | None] = mapped_column(nullable=True)

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}.{self.family_name[:1]}.".upper()


@dataclass(frozen=True, slots=True)
class PatientDraft:
    family_name: str
    given_name: str
    birth_date: date
    sex: Sex
    phone: str | None = None
    nir: str | None = None


def _visible(name: str) -> str:
    """A name as it shows: composed (NFC), invisible format characters (zero-width spaces,
    joiners, byte-order marks) dropped, spaces collapsed."""
    composed = unicodedata.normalize("NFC", name)
    shown = "".join(ch for ch in composed if unicodedata.category(ch) != "Cf")
    return " ".join(shown.split())


def checked(draft: PatientDraft, now: datetime) -> PatientDraft:
    """The identity validated and normalised; errors name the field under `patient.`."""
    family_name, given_name = _visible(draft.family_name), _visible(draft.given_name)
    for name, value in (("family_name", family_name), ("given_name", given_name)):
        if not value:
            raise Invalid(f"{name} must not be empty", code="field_empty", field=f"patient.{name}")
    today = now.date()
    if draft.birth_date > today or draft.birth_date.year < today.year - 130:
        raise Invalid(
            "birth date is not plausible",
            code="patient_birth_date_implausible",
            field="patient.birth_date",
        )
    nir = None
    if draft.nir:
        try:
            nir = check_nir(draft.nir).value
        except IdentifierError as exc:
            raise Invalid.of(exc, field="patient.nir") from exc
    return PatientDraft(
        family_name=family_name,
        given_name=given_name,
        birth_date=draft.birth_date,
        sex=draft.sex,
        phone=draft.phone,
        nir=nir,
    )


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o"})


def fold_name(name: str) -> str:
    """A name as people mean it: accents, case, hyphens, apostrophes and extra spaces do not
    matter; letters of every script stay (an Иванов is not a Петров)."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LIGATURES))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    spaced = bare.replace("-", " ").replace("'", " ").replace("\u2019", " ")
    return " ".join(spaced.casefold().split())[:NAME_LENGTH]


def searched_name(family_name: str) -> str:
    """A family name searched for, folded: two letters at least (a search for « D » would
    list half a territory born that day)."""
    wanted = fold_name(family_name)
    if len(wanted) < 2:
        raise Invalid(
            "give at least two letters of the family name",
            code="patient_search_name_short",
            field="family_name",
        )
    return wanted


def same_person(
    known: Patient | PatientDraft,
    identity: PatientDraft,
) -> bool:
    """Same NIR when both have one; otherwise same birth date and folded names."""
    if known.nir and identity.nir:
        return known.nir == identity.nir
    return (
        known.birth_date == identity.birth_date
        and fold_name(known.family_name) == fold_name(identity.family_name)
        and fold_name(known.given_name) == fold_name(identity.given_name)
    )


def patient_row(territory_id: uuid.UUID, identity: PatientDraft, now: datetime) -> dict[str, Any]:
    """The columns of a new patient row from a `checked` identity."""
    return {
        "id": uuid.uuid4(),
        "territory_id": territory_id,
        "family_name": identity.family_name,
        "given_name": identity.given_name,
        "birth_date": identity.birth_date,
        "sex": identity.sex,
        "phone": identity.phone,
        "nir": identity.nir,
        "family_folded": fold_name(identity.family_name),
        "given_folded": fold_name(identity.given_name),
        "created_at": now,
        "purged_at": None,
    }


async def patients_by_id(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Patient]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(Patient).where(Patient.id.in_(wanted)))
    return {p.id: p for p in rows}


_IDENTITY = Prepared(
    select(
        Patient.family_name,
        Patient.given_name,
        Patient.birth_date,
        Patient.sex,
        Patient.phone,
        Patient.nir,
    ).where(Patient.id == bindparam("patient_id", type_=Uuid()))
)


async def identity_of(session: AsyncSession, patient_id: uuid.UUID) -> PatientDraft:
    """The stored identity of a patient, by one prepared statement (the answer of a booking
    names it); the caller has checked that it may read it."""
    row = await statements.fetchrow(session, _IDENTITY, patient_id=patient_id)
    assert row is not None, "a booking's patient is never deleted (retention purges it)"
    return PatientDraft(*row)


def draft_of(patient: Patient) -> PatientDraft:
    """The identity of a stored patient, as a new booking takes it."""
    return PatientDraft(
        family_name=patient.family_name,
        given_name=patient.given_name,
        birth_date=patient.birth_date,
        sex=patient.sex,
        phone=patient.phone,
        nir=patient.nir,
    )
