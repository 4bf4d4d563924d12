"""Routing of new referrals in the domain: the least-loaded available expert of the
expertise, never one who is absent or at capacity; none available leaves it in the queue."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime

from stdnum import luhn

from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.professional import Profession
from coordination.directory.service import LocationDraft, ProfessionalDraft, create_professional
from coordination.directory.territory import Territory
from coordination.referrals import experts, referrals
from coordination.referrals.assessment import AssessmentDraft, BedColours, Exudate, WoundType
from coordination.referrals.models.expert import Expertise
from coordination.referrals.models.referral import Priority
from kernel.actor import Actor, Role
from kernel.clock import FrozenClock
from scheduling.patient import PatientDraft, Sex
from server.database import Database

NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)  # a Tuesday


def _rpps() -> str:
    body = "1" + "".join(secrets.choice("0123456789") for _ in range(9))
    return body + luhn.calc_check_digit(body)


async def _nurse(
    database: Database, clock: FrozenClock, territory: Territory, name: str
) -> uuid.UUID:
    async with database.write() as session:
        saved = await create_professional(
            session,
            clock,
            None,
            territory.id,
            ProfessionalDraft(
                family_name=name,
                given_name="Inès",
                profession=Profession.NURSE,
                rpps=_rpps(),
                locations=[LocationDraft("Cabinet", "2 rue de la Gare", "78000")],
            ),
        )
    return saved.professional.id


def _referral() -> referrals.ReferralDraft:
    return referrals.ReferralDraft(
        patient=PatientDraft("Payet", "Lucie", date(1941, 3, 4), Sex.FEMALE),
        consent_given=True,
        consent_collected_at=NOW,
        priority=Priority.ROUTINE,
        expertise=Expertise.WOUND_NURSE,
        question="Ulcère qui ne cicatrise pas depuis 6 semaines",
        assessment=AssessmentDraft(
            wound_type=WoundType.VENOUS_ULCER,
            body_site="malléole interne gauche",
            length_cm=3.0,
            width_cm=2.0,
            depth_cm=0.2,
            age_weeks=6,
            bed_colours=BedColours(black=0, yellow=40, red=60, pink=0),
            exudate=Exudate.MODERATE,
            pain=4,
        ),
    )


async def test_the_least_loaded_present_expert_gets_each_new_referral(
    database: Database, clock: FrozenClock, territory: Territory
) -> None:
    clock.set(NOW)
    from coordination.directory.service import CommuneDraft, add_communes

    async with database.write() as session:
        await add_communes(
            session, clock, None, territory.id, [CommuneDraft("78000", "Versailles", "78000")]
        )
    staff = Actor(uuid.uuid4(), territory.id, territory.timezone, frozenset({Role.COORDINATOR}))
    pros = [await _nurse(database, clock, territory, n) for n in ("Absente", "Une", "Deux")]
    async with database.write() as session:
        away, one, two = [
            await experts.register_expert(session, clock, staff, p, Expertise.WOUND_NURSE, 2)
            for p in pros
        ]
        await experts.add_absence(
            session, clock, staff, away.id, date(2027, 3, 1), date(2027, 3, 5), None
        )
    requester_pro = await _nurse(database, clock, territory, "Demandeuse")
    async with database.write() as session:
        account = await create_account(
            session,
            clock,
            None,
            territory.id,
            AccountDraft(
                email=f"idel-{uuid.uuid4().hex[:8]}@example.test",
                display_name="IDEL",
                roles=frozenset({Role.NURSE}),
                professional_id=requester_pro,
            ),
        )
    nurse = Actor(
        account.id, territory.id, territory.timezone, frozenset({Role.NURSE}), requester_pro
    )
    assigned = []
    warnings = []
    for _ in range(5):
        async with database.write() as session:
            created = await referrals.create_referral(session, clock, nurse, _referral())
        assigned.append(created.referral.assigned_expert_id)
        warnings.append(created.warnings)
    # Two each for the two present experts (capacity 2 a week), alternating by load; the
    # absent one gets none; the fifth waits in the queue, and the requester is told.
    assert sorted(map(str, assigned[:4])) == sorted(map(str, [one.id, one.id, two.id, two.id]))
    assert assigned[0] != assigned[1]
    assert away.id not in assigned
    assert assigned[4] is None and any(w.startswith("unassigned") for w in warnings[4])
