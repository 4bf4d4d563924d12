"""Helpers for the wound-care network tests: referral bodies, and a network of one's own."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from stdnum import luhn

from coordination.accounts.passwords import hash_password
from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.professional import Profession
from coordination.directory.service import ProfessionalDraft, create_professional
from coordination.directory.territory import Territory
from kernel.actor import Role
from kernel.clock import FrozenClock
from server.database import Database
from server.demo.loader import DEMO_PASSWORD
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT

URL = "/api/v1/referrals"
ASSESSMENT: dict[str, Any] = {
    "wound_type": "venous_ulcer",
    "body_site": "malléole interne gauche",
    "length_cm": 4.0,
    "width_cm": 2.5,
    "depth_cm": 0.3,
    "age_weeks": 9,
    "bed_colours": {"black": 0, "yellow": 40, "red": 60, "pink": 0},
    "exudate": "moderate",
    "infection_signs": ["erythema", "odour"],
    "pain": 6,
    "dressing": "Hydrofibre + compression",
}


def referral_body(clock: FrozenClock, **extra: Any) -> dict[str, Any]:
    return {
        "patient": PATIENT | {"family_name": f"Plaie-{uuid.uuid4().hex[:8]}"},
        "consent": {"given": True, "collected_at": clock.now().isoformat()},
        "priority": "routine",
        "expertise": "vascular",
        "question": "Ulcère qui ne cicatrise pas malgré la compression : IPS à refaire ?",
        "assessment": ASSESSMENT,
    } | extra


async def refer(
    client: httpx.AsyncClient, headers: dict[str, str], clock: FrozenClock, **extra: Any
) -> dict[str, Any]:
    response = await client.post(URL, json=referral_body(clock, **extra), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# A network of one's own (a fresh territory), so that loads, capacities and lists hold exactly
# what the test made: key → (profession, roles).
NETWORK = {
    "coordinator": (None, {Role.COORDINATOR}),
    "nurse1": (Profession.NURSE, {Role.NURSE}),
    "nurse2": (Profession.NURSE, {Role.NURSE}),
    "woundnurse": (Profession.NURSE, {Role.NURSE, Role.EXPERT}),
    "derm1": (Profession.PHYSICIAN, {Role.EXPERT}),
    "derm2": (Profession.PHYSICIAN, {Role.EXPERT}),
}


class Network:
    def __init__(self, territory: Territory) -> None:
        self.territory = territory
        self.professional_ids: dict[str, str] = {}

    def email(self, key: str) -> str:
        return f"{key}@{self.territory.slug}.test"

    async def login(self, client: httpx.AsyncClient, key: str) -> dict[str, str]:
        return await login(client, self.email(key))

    async def register(
        self,
        client: httpx.AsyncClient,
        clock: FrozenClock,
        key: str,
        expertise: str,
        weekly_capacity: int,
    ) -> dict[str, Any]:
        staff = await self.login(client, "coordinator")
        body = {
            "professional_id": self.professional_ids[key],
            "expertise": expertise,
            "weekly_capacity": weekly_capacity,
        }
        response = await client.post("/api/v1/network/experts", json=body, headers=staff)
        assert response.status_code == 201, response.text
        clock.advance(timedelta(seconds=1))  # registration order is routing's last tie-break
        expert: dict[str, Any] = response.json()
        return expert


async def network(database: Database, clock: FrozenClock, territory: Territory) -> Network:
    net = Network(territory)
    async with database.write() as session:
        for n, (key, (profession, roles)) in enumerate(NETWORK.items()):
            professional_id = None
            if profession is not None:
                rpps = f"1{n:09d}" + luhn.calc_check_digit(f"1{n:09d}")
                saved = await create_professional(
                    session,
                    clock,
                    None,
                    territory.id,
                    ProfessionalDraft(
                        family_name=key.capitalize(),
                        given_name="Test",
                        profession=profession,
                        rpps=rpps if profession is Profession.PHYSICIAN else None,
                        adeli=f"786{n:06d}" if profession is Profession.NURSE else None,
                    ),
                )
                professional_id = saved.professional.id
                net.professional_ids[key] = str(professional_id)
            await create_account(
                session,
                clock,
                None,
                territory.id,
                AccountDraft(
                    email=net.email(key),
                    display_name=key,
                    roles=frozenset(roles),
                    password_hash=hash_password(DEMO_PASSWORD),  # the demo's, not a policy's
                    professional_id=professional_id,
                ),
            )
    return net
