"""Who is acting: the resolved account with its roles and territory, passed into every service."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    GP = "gp"
    NURSE = "nurse"
    EXPERT = "expert"
    PHARMACIST = "pharmacist"
    REGULATOR = "regulator"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    SAS_PLATFORM = "sas_platform"  # the national SAS platform's client: searches free slots only
    # The hosting platform's operator (the agency or company running several CPTS on one
    # deployment): creates and configures territories, and is no territory's member.
    OPERATOR = "operator"


# The territory an operator acts in: none. Every territory-scoped query finds nothing there.
PLATFORM = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class Actor:
    account_id: uuid.UUID
    territory_id: uuid.UUID
    timezone: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    professional_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None

    def has_any(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def in_no_territory(self) -> bool:
        """An account of the platform's (an operator's): no territory's door opens to it."""
        return self.territory_id == PLATFORM

    @property
    def is_operator(self) -> bool:
        """The platform's operator: the role, held by an account of no territory (a
        territory's account holding the role is no operator)."""
        return self.in_no_territory and Role.OPERATOR in self.roles

    @property
    def is_staff(self) -> bool:
        """Coordinators and admins run the territory: they see and manage its directory."""
        return self.has_any(Role.COORDINATOR, Role.ADMIN)
