"""What scheduling needs to know of the directory, handed in by the caller.

Scheduling does not import the directory (coordination depends on scheduling, not the reverse);
the server looks the professional up in the territory's directory and passes this reference.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ProfessionalRef:
    id: uuid.UUID
    territory_id: uuid.UUID
    profession: str
    location_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
