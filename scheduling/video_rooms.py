"""Where a teleconsultation's video room comes from: an interface the server fills.

The default (integrations/video) gives Jitsi-compatible rooms under a configured base URL; a
certified teleconsultation platform can take its place without the domain knowing.
"""

from __future__ import annotations

import uuid
from typing import Protocol


class VideoRooms(Protocol):
    def room_url(self, teleconsultation_id: uuid.UUID) -> str:
        """An unguessable URL of a room for this teleconsultation only."""
        ...
