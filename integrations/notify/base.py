"""What a notifier sends, and the interface every notifier implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Notice:
    to: str  # an e-mail address
    subject: str
    body: str
    kind: str  # what it is about, for logs and metrics: "teleconsultation.reminder", …


class Notifier(Protocol):
    async def send(self, notice: Notice) -> None:
        """Deliver or raise; callers decide whether a failure matters."""
        ...
