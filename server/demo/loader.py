"""Load the demo territories, once (idempotent by territory slug), the way a real CPTS starts:

1. the national commune reference from open-data files (`communes.json` in the format of
   `@etalab/decoupage-administratif`, points in a code,latitude,longitude CSV), as
   `cpts communes import` reads them;
2. each territory made of those communes, as `cpts territory create` makes it;
3. its professionals imported from the national directory's extraction (one file for both,
   `PS_LibreAcces_Personne_activite_demo.txt` in the ANS format), as `cpts directory import`;
4. then what a CPTS records itself (its JSON): structures, memberships, accounts, agendas, the
   wound-care network, the ACI contract.

Everything goes through the same use cases as the API and the CLI, so the demo data obeys the
same validation and leaves the same events.
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
from coordination.directory.communes_reference import refresh_reference
from coordination.directory.membership import Membership
from coordination.directory.national_import import import_directory
from coordination.directory.professional import Professional
from coordination.directory.service import (
    ProfessionalPatch,
    StructureDraft,
    create_structure,
    professionals_by_national_id,
    update_professional,
)
from coordination.directory.structure import StructureKind
from coordination.directory.territories import TerritoryDraft, find_territory, onboard_territory
from coordination.directory.territory import Territory
from coordination.indicators.contract import from_json, save_contract
from coordination.referrals.experts import register_expert
from coordination.referrals.models.expert import Expertise
from integrations.annuaire.extraction import read_activities
from integrations.cog import read_etalab_communes, read_points, with_points
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
# The professionals of both territories, as the ANS extraction lists them.
NATIONAL_DIRECTORY = "PS_LibreAcces_Personne_activite_demo.txt"


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
        # As the platform's operator makes it (`cpts territory create`).
        change = await onboard_territory(
            session,
            clock,
            None,
            TerritoryDraft(
                slug=t["slug"],
                name=t["name"],
                finess=t["finess"],
                population=t["population"],
                timezone=t.get("timezone", "Europe/Paris"),
                phone=t.get("phone"),
                communes=[c["insee"] for c in data["communes"]],
            ),
        )
        territory = change.territory
        tid = territory.id
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
        # Its professionals from the national directory (`cpts directory import`).
        with (DATA_DIR / NATIONAL_DIRECTORY).open("rb") as stream:
            activities = list(read_activities(stream, {c["insee"] for c in data["communes"]}))
        await import_directory(session, clock, None, tid, activities, source=NATIONAL_DIRECTORY)
        national = await professionals_by_national_id(session, tid)
        professionals = {
            p["key"]: national[p.get("rpps") or p["adeli"]] for p in data["professionals"]
        }
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
        await _record_memberships(session, clock, territory, data, professionals, accounts)
        slots = await _load_availability(session, clock, territory, data, professionals, accounts)
        await _load_experts(session, clock, territory, data, professionals, accounts)
        await _load_contract(session, clock, territory, data, accounts)
        return (
            f"{t['name']}: loaded {len(change.communes_added)} communes, {len(structures)} "
            f"structures, {len(professionals)} professionals, {len(data['accounts'])} accounts, "
            f"{slots} slots from {len(data.get('availability', []))} availability rules"
        )


def _staff(territory: Territory, accounts: dict[str, Account], role: Role) -> Actor:
    account = next(a for a in accounts.values() if role in a.roles)
    return Actor(account.id, territory.id, territory.timezone, account.roles)


async def _record_memberships(
    session: Session,
    clock: Clock,
    territory: Territory,
    data: dict[str, Any],
    professionals: dict[str, Professional],
    accounts: dict[str, Account],
) -> None:
    """What the national directory does not know, the coordinator records: who is a member,
    and the specialties of the CPTS's own (wound-care nurse…)."""
    coordinator = _staff(territory, accounts, Role.COORDINATOR)
    for p in data["professionals"]:
        specialty = p.get("specialty")
        await update_professional(
            session,
            clock,
            coordinator,
            professionals[p["key"]].id,
            ProfessionalPatch(
                membership=_membership(p.get("member", True), partner=False),
                specialty=specialty if specialty != "general_practice" else None,
            ),
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
    actor = _staff(territory, accounts, Role.ADMIN)
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
    coordinator = _staff(territory, accounts, Role.COORDINATOR)
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


async def load_national_reference(db: Database, clock: Clock) -> None:
    """The demo's communes in the national reference (`cpts communes import`)."""
    communes = with_points(
        read_etalab_communes(DATA_DIR / "communes.json"),
        read_points(DATA_DIR / "communes_points.csv"),
    )
    async with db.write() as session:
        await refresh_reference(session, clock, communes)


async def load_demo(db: Database, clock: Clock | None = None) -> list[str]:
    clock = clock or SystemClock()
    password_hash = hash_password(DEMO_PASSWORD)
    await load_national_reference(db, clock)
    lines = [await load_territory(db, clock, read_demo(name), password_hash) for name in DEMO_FILES]
    await db.analyze("slots")  # the demo's agendas were just published in bulk
    return lines


async def load_all(url: str) -> list[str]:
    db = Database(url)
    try:
        return await load_demo(db)
    finally:
        await db.dispose()
