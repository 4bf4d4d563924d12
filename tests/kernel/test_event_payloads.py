"""Each kind's payload type is what its one builder writes: the same keys, no more, no fewer
(the live views and SAS delivery read the payloads by these types)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from coordination.referrals import referrals
from coordination.referrals.models.expert import Expertise
from coordination.referrals.models.referral import Priority, Referral, ReferralStatus
from kernel.event_types import EventType
from scheduling import requests, slots, teleconsultations
from scheduling.bookings import booking_event_payload
from scheduling.models.booking import Booking, BookingPayload, BookingStatus
from scheduling.models.slot import Modality, Slot, SlotStatus, Visibility, visibility_mask
from scheduling.models.snp_request import Origin, SnpRequest, Urgency
from scheduling.models.teleconsultation import (
    ActCode,
    Setting,
    Teleconsultation,
    TeleconsultationStatus,
)

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ID = uuid.uuid4


def _keys(typed: Any) -> set[str]:
    return set(typed.__required_keys__) | set(typed.__optional_keys__)


CASES = [
    (
        "booking",
        BookingPayload,
        booking_event_payload(
            Booking(
                id=ID(),
                territory_id=ID(),
                slot_id=ID(),
                professional_id=ID(),
                starts_at=NOW,
                ends_at=NOW + timedelta(minutes=15),
                patient_id=ID(),
                request_id=None,
                channel=Origin.SAS_REGULATOR,
                booked_by=ID(),
                own_patient=False,
                status=BookingStatus.BOOKED,
            )
        ),
    ),
    (
        "slot",
        slots.SlotPayload,
        slots.slot_event_payload(
            Slot(
                id=ID(),
                territory_id=ID(),
                professional_id=ID(),
                starts_at=NOW,
                ends_at=NOW + timedelta(minutes=15),
                modality=Modality.VIDEO,
                visibility=visibility_mask({Visibility.SNP}),
                assisted=False,
                status=SlotStatus.FREE,
            )
        ),
    ),
    (
        "request",
        requests.RequestPayload,
        requests.request_event_payload(
            SnpRequest(
                id=ID(),
                territory_id=ID(),
                origin=Origin.PHARMACIST,
                received_at=NOW,
                reason="r",
                urgency=Urgency.WITHIN_48H,
                patient_id=ID(),
                recorded_by=ID(),
                outcome=None,
                outcome_at=None,
            )
        ),
    ),
    (
        "teleconsultation",
        teleconsultations.TeleconsultationPayload,
        teleconsultations.event_payload(
            Teleconsultation(
                id=ID(),
                booking_id=ID(),
                slot_id=ID(),
                gp_professional_id=ID(),
                nurse_professional_id=ID(),
                starts_at=NOW,
                ends_at=NOW,
                setting=next(iter(Setting)),
                act_code=next(iter(ActCode)),
                status=TeleconsultationStatus.BOOKED,
                outcome=None,
                rescheduled_from_id=None,
            )
        ),
    ),
    (
        "referral",
        referrals.ReferralPayload,
        referrals.event_payload(
            Referral(
                id=ID(),
                expertise=Expertise.WOUND_NURSE,
                priority=Priority.ROUTINE,
                status=ReferralStatus.REQUESTED,
                assigned_expert_id=None,
                requester_professional_id=ID(),
                requester_account_id=ID(),
                due_at=datetime.combine(date(2027, 3, 3), datetime.min.time(), UTC),
            )
        ),
    ),
]


@pytest.mark.parametrize(("kind", "typed", "written"), CASES, ids=[c[0] for c in CASES])
def test_the_builder_writes_its_type(kind: str, typed: Any, written: dict[str, Any]) -> None:
    assert set(written) == _keys(typed)
    assert any(t.topic == kind for t in EventType)  # a kind of the catalogue


def test_no_event_is_appended_with_an_untyped_payload() -> None:
    # Every payload is built by its kind's typed builder or constructor (a TypedDict), never a
    # dict literal or a merge at the call site.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("scheduling", "coordination"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "append_event"
                ):
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "payload" and isinstance(keyword.value, ast.Dict | ast.BinOp):
                        offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders, offenders
