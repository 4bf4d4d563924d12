"""Load the demo territories from their JSON descriptions, once (idempotent by territory slug).

Everything goes through the same domain services as the API, so the demo data obeys the same
validation and leaves the same events.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coordination.accounts.passwords import hash_password
from coordination.accounts.service import AccountDraft, create_account
from coordination.directory.membership import Membership
from coordination.directory.professional import Profession
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
from kernel.actor import Role
from kernel.clock import Clock, SystemClock
from server.database import Database

DATA_DIR = Path(__file__).parent / "data"
DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo credential, demo data only
DEMO_FILES = ("sud_yvelines.json", "vexin_normand.json")


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
            professionals[p["key"]] = saved.professional.id
        for a in data["accounts"]:
            await create_account(
                session,
                clock,
                None,
                tid,
                AccountDraft(
                    email=a["email"],
                    display_name=a["display_name"],
                    roles=frozenset(Role(r) for r in a["roles"]),
                    professional_id=professionals[a["professional"]]
                    if a.get("professional")
                    else None,
                    password_hash=password_hash,
                ),
            )
        return (
            f"{t['name']}: loaded {len(data['communes'])} communes, {len(structures)} structures, "
            f"{len(professionals)} professionals, {len(data['accounts'])} accounts"
        )


def read_demo(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


async def load_demo(db: Database, clock: Clock | None = None) -> list[str]:
    clock = clock or SystemClock()
    password_hash = hash_password(DEMO_PASSWORD)
    return [await load_territory(db, clock, read_demo(name), password_hash) for name in DEMO_FILES]


async def load_all(url: str) -> list[str]:
    db = Database(url)
    try:
        return await load_demo(db)
    finally:
        await db.dispose()
