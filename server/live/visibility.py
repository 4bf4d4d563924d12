"""Which outbox events a socket's holder may receive, and in which shape.

Events never carry a patient's identity (each domain builds its payloads that way), so what is
decided here is who learns *that* something happened to whom:

- `slots`: the territory's board. Slot and hold events as they are; booking events reduced to
  the slot's new state (no channel, no booker, no request).
- `mine`: the holder's own bookings (made or consulted), teleconsultations (as GP or nurse),
  referrals (asked, or assigned to them as expert), requests they recorded, their imported
  calendars and their feed URLs.
- `territory`: everything of the territory, for the CPTS staff only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from kernel.actor import Actor, Role

TOPICS = ("slots", "mine", "territory")
_BOARD_PREFIXES = ("slot.", "hold.")
_SLOT_FIELDS = ("slot_id", "professional_id", "starts_at", "ends_at", "status")


@dataclass(frozen=True, slots=True)
class Viewer:
    actor: Actor
    expert_id: uuid.UUID | None
    topics: frozenset[str]

    @property
    def account(self) -> str:
        return str(self.actor.account_id)

    @property
    def professional(self) -> str | None:
        return str(self.actor.professional_id) if self.actor.professional_id else None


def allowed_topics(actor: Actor) -> frozenset[str]:
    base = {"slots", "mine"}
    if actor.has_any(Role.COORDINATOR, Role.ADMIN):
        base.add("territory")
    return frozenset(base)


def _is_mine(type_: str, data: dict[str, Any], actor_account: str | None, v: Viewer) -> bool:
    me, pro = v.account, v.professional
    if type_.startswith("booking."):
        return data.get("booked_by") == me or (
            pro is not None and data.get("professional_id") == pro
        )
    if type_.startswith("teleconsultation."):
        return pro is not None and pro in (
            data.get("gp_professional_id"),
            data.get("nurse_professional_id"),
        )
    if type_.startswith("referral."):
        expert = str(v.expert_id) if v.expert_id else None
        return (pro is not None and data.get("requester_professional_id") == pro) or (
            expert is not None and data.get("assigned_expert_id") == expert
        )
    if type_.startswith("request."):
        return actor_account == me
    if type_.startswith("busy_calendar."):
        return pro is not None and data.get("professional_id") == pro
    if type_.startswith("calendar_feed."):
        return data.get("account_id") == me
    return False


FULL = "full"
BOARD = "board"


def view_of(type_: str, data: dict[str, Any], actor_account: str | None, v: Viewer) -> str | None:
    """Which view of the event this viewer gets: FULL, BOARD (a booking reduced to its slot's
    new state), or None when it is not for them. Views, not dicts, so that a worker encodes
    each event once per view rather than once per socket."""
    if "territory" in v.topics:
        return FULL
    if "mine" in v.topics and _is_mine(type_, data, actor_account, v):
        return FULL
    if "slots" in v.topics:
        if type_.startswith(_BOARD_PREFIXES):
            return FULL
        if type_.startswith("booking."):
            return BOARD
    return None


def board_view(data: dict[str, Any]) -> dict[str, Any]:
    taken = data.get("status") in ("booked", "honoured", "no_show")
    return {k: data.get(k) for k in _SLOT_FIELDS} | {"status": "booked" if taken else "free"}
