"""Which outbox events a socket's holder may receive, and in which shape.

Events never carry a patient's identity (each domain builds its payloads that way), so what is
decided here is who learns *that* something happened to whom:

- `slots`: the territory's board. Slot and hold events as they are; booking events reduced to
  the slot's new state (no channel, no booker, no request).
- `mine`: what the holder may read of the object the event is about, by the domain's own
  rule: bookings they made or are consulted for, teleconsultations they are the GP or nurse
  of, referrals they asked, are assigned, or may claim from their expertise's queue, requests
  they recorded (the whole board for regulators and staff), their imported calendars and
  their feed URLs.
- `territory`: everything of the territory, for the CPTS staff only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coordination.referrals.referrals import ReferralFacts, sees_referral
from kernel.actor import Actor, Role
from scheduling.bookings import is_booking_party
from scheduling.requests import is_request_reader, sees_all_requests
from scheduling.teleconsultations import is_teleconsultation_party

TOPICS = ("slots", "mine", "territory")
_SLOT_FIELDS = ("slot_id", "professional_id", "starts_at", "ends_at", "status")


@dataclass(frozen=True, slots=True)
class Viewer:
    actor: Actor
    expert_id: uuid.UUID | None  # the holder's active expert record, if any
    topics: frozenset[str]
    expertise: str | None = None  # that record's expertise

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


def _kind(type_: str) -> str:
    """The kind of object an event is about (`EventType.topic`): `booking` for
    `booking.created`. Read off the stored string, so that a row of a type this version no
    longer writes is still told apart."""
    return type_.partition(".")[0]


def _booking(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    return is_booking_party(
        v.account, v.professional, data.get("booked_by"), data.get("professional_id")
    )


def _teleconsultation(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    return is_teleconsultation_party(
        v.professional, data.get("gp_professional_id"), data.get("nurse_professional_id")
    )


def _referral(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    if "requester_account_id" not in data:
        # Events written before the payload named the requester's account: by their
        # professional, as they were then.
        pro, expert = v.professional, str(v.expert_id) if v.expert_id else None
        return (pro is not None and data.get("requester_professional_id") == pro) or (
            expert is not None and data.get("assigned_expert_id") == expert
        )
    return sees_referral(
        v.actor.is_staff,
        v.account,
        str(v.expert_id) if v.expert_id else None,
        v.expertise,
        ReferralFacts(
            str(data.get("requester_account_id")),
            data.get("assigned_expert_id"),
            str(data.get("status")),
            str(data.get("expertise")),
        ),
    )


def _request(data: dict[str, Any], by: str | None, v: Viewer) -> bool:
    # Events written before `recorded_by` was in the payload: their actor recorded them.
    recorded_by = data.get("recorded_by", by)
    return is_request_reader(sees_all_requests(v.actor), v.account, recorded_by)


def _busy_calendar(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    return v.professional is not None and data.get("professional_id") == v.professional


def _calendar_feed(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    return data.get("account_id") == v.account


def _mt_entry(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    """A waiting-list entry reaches the GPs proposed for it and the GP who took it."""
    me = v.professional
    return me is not None and (
        me in (data.get("professional_ids") or []) or data.get("gp_professional_id") == me
    )


def _mt_capacity(data: dict[str, Any], _by: str | None, v: Viewer) -> bool:
    return v.professional is not None and data.get("professional_id") == v.professional


# Whose `mine` an event of each kind reaches: its parties, by the domain's own predicates
# where the payload carries what they compare. Every kind of the catalogue (EventType.topic)
# is here, on the board, or for the staff alone (tests/server/test_live_visibility.py).
MINE: dict[str, Callable[[dict[str, Any], str | None, Viewer], bool]] = {
    "booking": _booking,
    "teleconsultation": _teleconsultation,
    "referral": _referral,
    "request": _request,
    "busy_calendar": _busy_calendar,
    "calendar_feed": _calendar_feed,
    "mt_entry": _mt_entry,
    "mt_capacity": _mt_capacity,
}
BOARD_KINDS = frozenset({"slot", "hold"})  # the `slots` topic: the territory's board
STAFF_ONLY_KINDS = frozenset(
    {
        "account",
        "auth",
        "territory",
        "directory",
        "availability_rule",
        "network",
        "expert",
        "aci_contract",
        "patient",
        "commune_reference",  # the platform's own log: no territory's stream carries it
    }
)


FULL = "full"
BOARD = "board"


def view_of(type_: str, data: dict[str, Any], actor_account: str | None, v: Viewer) -> str | None:
    """Which view of the event this viewer gets: FULL, BOARD (a booking reduced to its slot's
    new state), or None when it is not for them. Views, not dicts, so that a worker encodes
    each event once per view rather than once per socket."""
    if "territory" in v.topics:
        return FULL
    kind = _kind(type_)
    if "mine" in v.topics:
        party = MINE.get(kind)
        if party is not None and party(data, actor_account, v):
            return FULL
    if "slots" in v.topics:
        if kind in BOARD_KINDS:
            return FULL
        if kind == "booking":
            return BOARD
    return None


def board_view(data: dict[str, Any]) -> dict[str, Any]:
    taken = data.get("status") in ("booked", "honoured", "no_show")
    return {k: data.get(k) for k in _SLOT_FIELDS} | {"status": "booked" if taken else "free"}
