"""A territory with one GP practising at one place, made through the directory's own doors:
the setup the scheduling and SAS tests share."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import luhn

from coordination.directory.professional import Profession
from coordination.directory.service import (
    CommuneDraft,
    LocationDraft,
    ProfessionalDraft,
    add_communes,
    create_professional,
)
from coordination.directory.territories import TerritoryDraft, create_territory
from coordination.directory.territory import Territory
from kernel.clock import Clock
from scheduling.refs import ProfessionalRef


def digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def luhn_number(prefix: str, length: int) -> str:
    """A number of `length` digits starting with `prefix`, with its Luhn key (FINESS, RPPS)."""
    body = prefix + digits(length - len(prefix) - 1)
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True, slots=True)
class TerritoryWithGp:
    territory: Territory
    professional: ProfessionalRef


def gp_body(rpps: str, commune_insee: str) -> dict[str, Any]:
    """POST /api/v1/professionals' body for a GP of this RPPS with a practice in this commune
    (the same person, entered in each CPTS they belong to)."""
    return {
        "family_name": "Lambert",
        "given_name": "Claire",
        "profession": "physician",
        "rpps": rpps,
        "locations": [
            {
                "label": "Cabinet",
                "address": "3 place du Marché",
                "commune_insee": commune_insee,
                "phone": "01 39 00 00 00",
            }
        ],
    }


async def territory_with_gp(
    session: AsyncSession,
    clock: Clock,
    *,
    commune: CommuneDraft,
    address: str,
    timezone: str = "Europe/Paris",
    rpps: str | None = None,
    family_name: str = "Payet",
    phone: str | None = None,
) -> TerritoryWithGp:
    territory = await create_territory(
        session,
        clock,
        TerritoryDraft(
            slug=f"t-{uuid.uuid4().hex[:10]}",
            name="CPTS test",
            finess=luhn_number(commune.insee[:2], 9),
            population=100_000,
            timezone=timezone,
            phone=phone,
        ),
    )
    await add_communes(session, clock, None, territory.id, [commune])
    saved = await create_professional(
        session,
        clock,
        None,
        territory.id,
        ProfessionalDraft(
            family_name=family_name,
            given_name="Jean",
            profession=Profession.PHYSICIAN,
            rpps=rpps or luhn_number("1", 11),
            locations=[LocationDraft("Cabinet", address, commune.insee)],
        ),
    )
    pro = saved.professional
    ref = ProfessionalRef(
        id=pro.id,
        territory_id=territory.id,
        profession=pro.profession.value,
        location_ids=frozenset(loc.id for loc in pro.locations),
    )
    return TerritoryWithGp(territory, ref)
