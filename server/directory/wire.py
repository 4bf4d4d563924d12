"""Wire shapes of the directory API, and their translation from domain objects."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec

from coordination.directory.commune import Commune
from coordination.directory.membership import Membership
from coordination.directory.professional import Profession, Professional
from coordination.directory.service import (
    CommuneDraft,
    LocationDraft,
    ProfessionalDraft,
    StructureDraft,
)
from coordination.directory.structure import Structure, StructureKind
from coordination.directory.territory import Territory
from server.wire_types import Email, Insee, Phone

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class TerritoryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    slug: str
    name: str
    finess: str
    idnat_struct: str
    population: int
    aci_size: int
    timezone: str
    holiday_subdivision: str | None = None
    phone: str | None = None


class CommuneOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    insee: str
    name: str
    postal_code: str
    latitude: float | None
    longitude: float | None


class LocationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    label: str
    address: str
    commune_id: uuid.UUID
    structure_id: uuid.UUID | None
    phone: str | None


class ProfessionalOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    family_name: str
    given_name: str
    display_name: str
    profession: Profession
    specialty: str | None
    rpps: str | None
    adeli: str | None
    idnat_ps: str
    phone: str | None
    email: str | None
    mssante: str | None  # the secure mail address (MSSanté) of the national directory
    membership: Membership
    # Imported from the national directory and still listed there at the last import.
    in_national_directory: bool
    locations: list[LocationOut]


class ProfessionalSaved(ProfessionalOut, kw_only=True):
    warnings: list[str]


class ProfessionalPage(msgspec.Struct, kw_only=True):
    items: list[ProfessionalOut]
    next: str | None


class CommuneList(msgspec.Struct, kw_only=True):
    items: list[CommuneOut]
    next: str | None = None


class StructureOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: StructureKind
    name: str
    finess: str | None
    siret: str | None
    idnat_struct: str
    commune_id: uuid.UUID
    address: str
    membership: Membership


class StructureSaved(StructureOut, kw_only=True):
    warnings: list[str]


class StructureList(msgspec.Struct, kw_only=True):
    items: list[StructureOut]
    next: str | None = None


class LocationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    commune_insee: Insee
    structure_id: uuid.UUID | None = None
    phone: Phone | None = None

    def draft(self) -> LocationDraft:
        return LocationDraft(**msgspec.structs.asdict(self))


class ProfessionalIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    family_name: Name
    given_name: Name
    profession: Profession
    specialty: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    rpps: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    adeli: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    phone: Phone | None = None
    email: Email | None = None
    membership: Membership = Membership.MEMBER
    locations: Annotated[list[LocationIn], msgspec.Meta(max_length=10)] = []

    def draft(self) -> ProfessionalDraft:
        fields = msgspec.structs.asdict(self)
        fields["locations"] = [loc.draft() for loc in self.locations]
        return ProfessionalDraft(**fields)


class ProfessionalPatchIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    phone: Phone | None = None
    email: Email | None = None
    specialty: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    membership: Membership | None = None
    add_locations: Annotated[list[LocationIn], msgspec.Meta(max_length=10)] = []
    remove_location_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=10)] = []


class CommuneIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    insee: Insee
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    postal_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")]
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None

    def draft(self) -> CommuneDraft:
        return CommuneDraft(**msgspec.structs.asdict(self))


class StructureIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: StructureKind
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    commune_insee: Insee
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    finess: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    siret: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    membership: Membership = Membership.MEMBER

    def draft(self) -> StructureDraft:
        return StructureDraft(**msgspec.structs.asdict(self))


def commune_out(c: Commune) -> CommuneOut:
    return CommuneOut(
        id=c.id,
        insee=c.insee,
        name=c.name,
        postal_code=c.postal_code,
        latitude=c.latitude,
        longitude=c.longitude,
    )


def professional_out(p: Professional) -> ProfessionalOut:
    return ProfessionalOut(**_professional_fields(p))


def professional_saved(p: Professional, warnings: list[str]) -> ProfessionalSaved:
    return ProfessionalSaved(**_professional_fields(p), warnings=warnings)


def _professional_fields(p: Professional) -> dict[str, Any]:
    return {
        "id": p.id,
        "family_name": p.family_name,
        "given_name": p.given_name,
        "display_name": p.display_name,
        "profession": p.profession,
        "specialty": p.specialty,
        "rpps": p.rpps,
        "adeli": p.adeli,
        "idnat_ps": p.idnat_ps,
        "phone": p.phone,
        "email": p.email,
        "mssante": p.mssante,
        "membership": p.membership,
        "in_national_directory": p.national is not None and p.national_gone_at is None,
        "locations": [
            LocationOut(
                id=loc.id,
                label=loc.label,
                address=loc.address,
                commune_id=loc.commune_id,
                structure_id=loc.structure_id,
                phone=loc.phone,
            )
            for loc in p.locations
        ],
    }


def _structure_fields(s: Structure) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": s.kind,
        "name": s.name,
        "finess": s.finess,
        "siret": s.siret,
        "idnat_struct": s.idnat_struct,
        "commune_id": s.commune_id,
        "address": s.address,
        "membership": s.membership,
    }


def structure_out(s: Structure) -> StructureOut:
    return StructureOut(**_structure_fields(s))


def structure_saved(s: Structure, warnings: list[str]) -> StructureSaved:
    return StructureSaved(**_structure_fields(s), warnings=warnings)


def territory_out(t: Territory) -> TerritoryOut:
    return TerritoryOut(
        id=t.id,
        slug=t.slug,
        name=t.name,
        finess=t.finess,
        idnat_struct=t.idnat_struct,
        population=t.population,
        aci_size=t.aci_size,
        timezone=t.timezone,
        holiday_subdivision=t.holiday_subdivision,
        phone=t.phone,
    )
