"""What scheduling needs to know of the directory, handed in by the caller.

Scheduling does not import the directory (coordination depends on scheduling, not the reverse):
a use case that needs the professional an agenda belongs to is handed a `Professionals` (the
directory's implementation: coordination/directory/refs.py) and asks it for this reference.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.actor import Actor


@dataclass(frozen=True, slots=True)
class ProfessionalRef:
    id: uuid.UUID
    territory_id: uuid.UUID
    profession: str
    location_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


class Professionals(Protocol):
    """The directory as scheduling sees it."""

    async def ref(
        self, session: AsyncSession, actor: Actor, professional_id: uuid.UUID | None
    ) -> ProfessionalRef:
        """The professional an agenda action is about: `professional_id`, or the caller
        when None; NotFound outside the actor's territory."""
        ...

    async def other_cpts(
        self, session: AsyncSession, professional: ProfessionalRef
    ) -> dict[uuid.UUID, str]:
        """The other CPTS of the deployment this professional belongs to as well (the same
        person by their national id), by territory id: their names."""
        ...
