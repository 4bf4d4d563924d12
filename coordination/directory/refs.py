"""The directory's side of scheduling's `Professionals` port (scheduling/refs.py)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coordination.directory.practitioners import other_cpts
from coordination.directory.service import get_professional
from kernel.actor import Actor
from kernel.errors import Invalid
from scheduling.refs import ProfessionalRef


class DirectoryProfessionals:
    async def ref(
        self, session: AsyncSession, actor: Actor, professional_id: uuid.UUID | None
    ) -> ProfessionalRef:
        pid = professional_id or actor.professional_id
        if pid is None:
            raise Invalid(
                "professional_id is required when the caller is not a professional",
                code="professional_required",
                field="professional_id",
            )
        professional = await get_professional(session, actor, pid)
        return ProfessionalRef(
            id=professional.id,
            territory_id=professional.territory_id,
            profession=professional.profession.value,
            location_ids=frozenset(loc.id for loc in professional.locations),
        )

    async def other_cpts(
        self, session: AsyncSession, professional: ProfessionalRef
    ) -> dict[uuid.UUID, str]:
        return await other_cpts(session, professional.id)


PROFESSIONALS = DirectoryProfessionals()


async def professional_ref(
    session: AsyncSession, actor: Actor, professional_id: uuid.UUID | None
) -> ProfessionalRef:
    """`PROFESSIONALS.ref`: the professional an agenda action is about, given or the caller."""
    return await PROFESSIONALS.ref(session, actor, professional_id)
