"""The event catalogue: one member per stored type, `kind.what` shaped."""

from __future__ import annotations

import re

from coordination.referrals.models.referral import ReferralStatus
from kernel.event_types import EventType


def test_values_are_unique_and_shaped() -> None:
    values = [t.value for t in EventType]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", v) for v in values)
    assert EventType.BOOKING_CREATED.topic == "booking"


def test_every_referral_decision_has_its_event() -> None:
    # workflow.py names the event of a decision after the status it leads to.
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED):
        assert EventType(f"referral.{status.value}")
