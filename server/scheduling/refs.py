"""Resolve directory facts for the scheduling domain (which cannot import the directory)."""

from __future__ import annotations

import uuid

from coordination.directory.service import get_professional
from kernel.actor import Actor
from kernel.errors import Invalid
from scheduling.refs import ProfessionalRef
from server.database import Session


async def professional_ref(
    session: Session, actor: Actor, professional_id: uuid.UUID | None
) -> ProfessionalRef:
    """The professional an agenda action is about: given explicitly, or the caller."""
    pid = professional_id or actor.professional_id
    if pid is None:
        raise Invalid(
            "professional_id is required when the caller is not a professional",
            field="professional_id",
        )
    professional = await get_professional(session, actor, pid)
    return ProfessionalRef(
        id=professional.id,
        territory_id=professional.territory_id,
        profession=professional.profession.value,
        location_ids=frozenset(loc.id for loc in professional.locations),
    )
