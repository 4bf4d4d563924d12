"""Load the demo territories from their JSON descriptions, once (idempotent by territory slug).

Everything goes through the same domain services as the API, so the demo data obeys the same
validation and leaves the same events.
"""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from coordination.accounts.account import Account
from coordination.accounts.passwords import hash_password
from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.membership import Membership
from coordination.directory.professional import Profession, Professional
from coordination.directory.service import (
    CommuneDraft,
    LocationDraft,
    ProfessionalDraft,
    StructureDraft,
    add_communes,
    create_professional,
    create_structure,
)
from coordination.directory.structure import StructureKind
from coordination.directory.territories import TerritoryDraft, create_territory, find_territory
from coordination.directory.territory import Territory
from coordination.indicators.contract import from_json, save_contract
from coordination.referrals.experts import register_expert
from coordination.referrals.models.expert import Expertise
from kernel.actor import Actor, Role
from kernel.clock import Clock, SystemClock
from scheduling.models.slot import Modality, Visibility
from scheduling.refs import ProfessionalRef
from scheduling.rules import RuleDraft, create_rule
from server.database import Database, Session

DATA_DIR = Path(__file__).parent / "data"
DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, demo data only
DEMO_FILES = ("sud_yvelines.json", "vexin_normand.json")
DEMO_HORIZON_DAYS = 28


def _membership(flag: bool, partner: bool) -> Membership:
    if flag:
        return Membership.MEMBER
    return Membership.PARTNER if partner else Membership.NONE


async def load_territory(
    db: Database, clock: Clock, data: dict[str, Any], password_hash: str
) -> str:
    t = data["territory"]
    async with db.write() as session:
        if await find_territory(session, t["slug"]) is not None:
            return f"{t['name']}: already loaded"
        territory = await create_territory(
            session,
            clock,
            TerritoryDraft(
                slug=t["slug"],
                name=t["name"],
                finess=t["finess"],
                population=t["population"],
                timezone=t.get("timezone", "Europe/Paris"),
                phone=t.get("phone"),
            ),
        )
        tid = territory.id
        await add_communes(
            session,
            clock,
            None,
            tid,
            [
                CommuneDraft(
                    insee=c["insee"],
                    name=c["name"],
                    postal_code=c["postal_code"],
                    latitude=c.get("latitude"),
                    longitude=c.get("longitude"),
                )
                for c in data["communes"]
            ],
        )
        structures = {}
        for s in data.get("structures", []):
            structure, _ = await create_structure(
                session,
                clock,
                None,
                tid,
                StructureDraft(
                    kind=StructureKind(s["kind"]),
                    name=s["name"],
                    commune_insee=s["commune"],
                    address=s["address"],
                    finess=s.get("finess"),
                    siret=s.get("siret"),
                    membership=_membership(s.get("member", True), partner=True),
                ),
            )
            structures[s["key"]] = structure.id
        professionals = {}
        for p in data["professionals"]:
            saved = await create_professional(
                session,
                clock,
                None,
                tid,
                ProfessionalDraft(
                    family_name=p["family_name"],
                    given_name=p["given_name"],
                    profession=Profession(p["profession"]),
                    specialty=p.get("specialty"),
                    rpps=p.get("rpps"),
                    adeli=p.get("adeli"),
                    phone=p.get("phone"),
                    email=p.get("email"),
                    membership=_membership(p.get("member", True), partner=False),
                    locations=[
                        LocationDraft(
                            label=loc["label"],
                            address=loc["address"],
                            commune_insee=loc["commune"],
                            structure_id=structures.get(loc["structure"])
                            if loc.get("structure")
                            else None,
                        )
                        for loc in p.get("locations", [])
                    ],
                ),
            )
            professionals[p["key"]] = saved.professional
        accounts = {}
        for a in data["accounts"]:
            accounts[a["email"]] = await create_account(
                session,
                clock,
                None,
                tid,
                AccountDraft(
                    email=a["email"],
                    display_name=a["display_name"],
                    roles=frozenset(Role(r) for r in a["roles"]),
                    professional_id=(
                        professionals[a["professional"]].id if a.get("professional") else None
                    ),
                    password_hash=password_hash,
                ),
            )
        slots = await _load_availability(session, clock, territory, data, professionals, accounts)
        await _load_experts(session, clock, territory, data, professionals, accounts)
        await _load_contract(session, clock, territory, data, accounts)
        return (
            f"{t['name']}: loaded {len(data['communes'])} communes, {len(structures)} structures, "
            f"{len(professionals)} professionals, {len(data['accounts'])} accounts, "
            f"{slots} slots from {len(data.get('availability', []))} availability rules"
        )


async def _load_contract(
    session: Session,
    clock: Clock,
    territory: Territory,
    data: dict[str, Any],
    accounts: dict[str, Account],
) -> None:
    """This year's ACI contract, recorded by the territory's admin."""
    if "aci_contract" not in data:
        return
    admin = next(a for a in accounts.values() if Role.ADMIN in a.roles)
    actor = Actor(admin.id, territory.id, territory.timezone, admin.roles)
    year = clock.now().astimezone(ZoneInfo(territory.timezone)).year
    await save_contract(session, clock, actor, year, from_json(data["aci_contract"]), None)


async def _load_experts(
    session: Session,
    clock: Clock,
    territory: Territory,
    data: dict[str, Any],
    professionals: dict[str, Professional],
    accounts: dict[str, Account],
) -> None:
    """The wound-care network's experts, registered by the territory's coordinator."""
    if not data.get("experts"):
        return
    account = next(a for a in accounts.values() if Role.COORDINATOR in a.roles)
    coordinator = Actor(
        account_id=account.id,
        territory_id=territory.id,
        timezone=territory.timezone,
        roles=account.roles,
    )
    for e in data.get("experts", []):
        await register_expert(
            session,
            clock,
            coordinator,
            professionals[e["professional"]].id,
            Expertise(e["expertise"]),
            e["weekly_capacity"],
        )


async def _load_availability(
    session: Session,
    clock: Clock,
    territory: Territory,
    data: dict[str, Any],
    professionals: dict[str, Professional],
    accounts: dict[str, Account],
) -> int:
    """Each demo GP publishes recurring SNP slots, as their own account would."""
    domain = data["territory"]["email_domain"]
    created = 0
    for rule in data.get("availability", []):
        professional = professionals[rule["professional"]]
        account = accounts[f"{rule['professional']}@{domain}"]
        actor = Actor(
            account_id=account.id,
            territory_id=territory.id,
            timezone=territory.timezone,
            roles=account.roles,
            professional_id=professional.id,
        )
        ref = ProfessionalRef(
            id=professional.id,
            territory_id=territory.id,
            profession=professional.profession.value,
            location_ids=frozenset(loc.id for loc in professional.locations),
        )
        result = await create_rule(
            session,
            clock,
            actor,
            ref,
            RuleDraft(
                rrule=rule["rrule"],
                start_date=clock.now().date(),
                start_time=time.fromisoformat(rule["start_time"]),
                end_time=time.fromisoformat(rule["end_time"]),
                slot_minutes=rule["slot_minutes"],
                modality=Modality(rule["modality"]),
                visibility=frozenset(Visibility(v) for v in rule["visibility"]),
                location_id=professional.locations[0].id if rule["modality"] == "office" else None,
                assisted=bool(rule.get("assisted", False)),
            ),
            DEMO_HORIZON_DAYS,
        )
        created += result.created
    return created


def read_demo(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


async def load_demo(db: Database, clock: Clock | None = None) -> list[str]:
    clock = clock or SystemClock()
    password_hash = hash_password(DEMO_PASSWORD)
    lines = [await load_territory(db, clock, read_demo(name), password_hash) for name in DEMO_FILES]
    await db.analyze("slots")  # the demo's agendas were just published in bulk
    return lines


async def load_all(url: str) -> list[str]:
    db = Database(url)
    try:
        return await load_demo(db)
    finally:
        await db.dispose()
