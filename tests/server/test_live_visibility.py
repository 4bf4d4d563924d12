"""Who receives the calendar events on the live stream (server/live/visibility.py)."""

from __future__ import annotations

import uuid

from kernel.actor import Actor, Role
from server.live.visibility import FULL, Viewer, view_of

TERRITORY = uuid.uuid4()


def viewer(roles: set[Role], professional_id: uuid.UUID | None, *topics: str) -> Viewer:
    actor = Actor(uuid.uuid4(), TERRITORY, "Europe/Paris", frozenset(roles), professional_id)
    return Viewer(actor=actor, expert_id=None, topics=frozenset(topics or ("slots", "mine")))


def test_busy_calendar_events_reach_their_professional_only() -> None:
    gp_id, other_id = uuid.uuid4(), uuid.uuid4()
    data = {
        "calendar_id": str(uuid.uuid4()),
        "professional_id": str(gp_id),
        "conflicting_booking_ids": [str(uuid.uuid4())],
    }
    gp = viewer({Role.GP}, gp_id)
    other = viewer({Role.GP}, other_id)
    coordinator = viewer({Role.COORDINATOR}, None, "slots", "mine", "territory")
    assert view_of("busy_calendar.refreshed", data, None, gp) == FULL
    assert view_of("busy_calendar.refreshed", data, None, other) is None
    assert view_of("busy_calendar.refreshed", data, None, coordinator) == FULL


def test_feed_events_reach_their_owner_only() -> None:
    owner = viewer({Role.GP}, uuid.uuid4())
    data = {"feed_id": str(uuid.uuid4()), "account_id": str(owner.actor.account_id)}
    assert view_of("calendar_feed.created", data, None, owner) == FULL
    assert view_of("calendar_feed.created", data, None, viewer({Role.GP}, uuid.uuid4())) is None


def test_every_kind_of_the_catalogue_is_placed() -> None:
    # A new event type's kind must say who sees it live: its parties (MINE), the board, or
    # the staff alone; none falls through unnoticed.
    from kernel.event_types import EventType
    from server.live.visibility import BOARD_KINDS, MINE, STAFF_ONLY_KINDS

    placed = set(MINE) | BOARD_KINDS | STAFF_ONLY_KINDS
    assert {t.topic for t in EventType} <= placed
    assert not (set(MINE) & BOARD_KINDS) and not (set(MINE) & STAFF_ONLY_KINDS)


def test_a_booking_reaches_its_parties_by_the_domains_rule() -> None:
    from scheduling.bookings import is_booking_party

    gp_id = uuid.uuid4()
    gp = viewer({Role.GP}, gp_id, "mine")
    booker = viewer({Role.REGULATOR}, None, "mine")
    stranger = viewer({Role.REGULATOR}, None, "mine")
    data = {"booked_by": booker.account, "professional_id": str(gp_id), "slot_id": "s"}
    for v in (gp, booker, stranger):
        expected = is_booking_party(v.account, v.professional, data["booked_by"], str(gp_id))
        assert (view_of("booking.created", data, None, v) == FULL) is expected
    assert view_of("booking.created", data, None, stranger) is None


def test_request_events_reach_who_may_read_the_request() -> None:
    # The request board's regulators read every request; a pharmacist only those recorded.
    pharmacist = viewer({Role.PHARMACIST}, None, "mine")
    other = viewer({Role.PHARMACIST}, None, "mine")
    regulator = viewer({Role.REGULATOR}, None, "mine")
    closed = {"request_id": "r", "outcome": "advice", "recorded_by": pharmacist.account}
    # Closed by a regulator: the recorder still learns of it, as they may read the request.
    assert view_of("request.closed", closed, regulator.account, pharmacist) == FULL
    assert view_of("request.closed", closed, regulator.account, regulator) == FULL
    assert view_of("request.closed", closed, regulator.account, other) is None


def test_referral_events_reach_the_experts_who_may_claim_them() -> None:
    expert_id = uuid.uuid4()
    wound = Viewer(
        actor=Actor(
            uuid.uuid4(), TERRITORY, "Europe/Paris", frozenset({Role.EXPERT}), uuid.uuid4()
        ),
        expert_id=expert_id,
        topics=frozenset({"mine"}),
        expertise="wound_nurse",
    )
    requester = viewer({Role.NURSE}, uuid.uuid4(), "mine")
    queued = {
        "referral_id": "x",
        "expertise": "wound_nurse",
        "status": "requested",
        "assigned_expert_id": None,
        "requester_account_id": requester.account,
    }
    assert view_of("referral.requested", queued, None, wound) == FULL  # in their queue
    assert view_of("referral.requested", queued, None, requester) == FULL
    other_queue = queued | {"expertise": "dermatology"}
    assert view_of("referral.requested", other_queue, None, wound) is None
    taken = queued | {"status": "accepted", "assigned_expert_id": str(uuid.uuid4())}
    assert view_of("referral.accepted", taken, None, wound) is None  # someone else's now


def test_referral_events_written_before_the_requester_account_still_reach_the_requester() -> None:
    pro = uuid.uuid4()
    requester = viewer({Role.NURSE}, pro, "mine")
    older = {"referral_id": "x", "status": "requested", "requester_professional_id": str(pro)}
    assert view_of("referral.requested", older, None, requester) == FULL
    assert view_of("referral.requested", older, None, viewer({Role.NURSE}, uuid.uuid4())) is None


def test_waiting_list_events_reach_the_gps_concerned_and_never_name_the_patient() -> None:
    proposed, taker, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    data = {
        "entry_id": str(uuid.uuid4()),
        "status": "proposed",
        "source": "public",
        "fragilities": ["ald"],
        "gp_professional_id": None,
        "professional_ids": [str(proposed)],
    }
    assert view_of("mt_entry.proposed", data, None, viewer({Role.GP}, proposed)) == FULL
    assert view_of("mt_entry.proposed", data, None, viewer({Role.GP}, other)) is None
    accepted = data | {"status": "accepted", "gp_professional_id": str(taker)}
    assert view_of("mt_entry.accepted", accepted, None, viewer({Role.GP}, taker)) == FULL
    assert view_of("mt_entry.accepted", accepted, None, viewer({Role.NURSE}, None)) is None
    capacity = {"professional_id": str(taker), "quarter": "2027-T1", "new_patients": 4}
    assert view_of("mt_capacity.set", capacity, None, viewer({Role.GP}, taker)) == FULL
    assert view_of("mt_capacity.set", capacity, None, viewer({Role.GP}, other)) is None
