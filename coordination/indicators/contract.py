"""The territory's ACI contract of a year, as data: missions with their fixed and variable
parts, and the indicators the variable parts pay on.

Amounts, targets and thresholds differ per contract and per year (they are negotiated with
the CPAM and the ARS), so none is a constant here. The document is stored whole, replaced by
compare-and-swap on its version: two coordinators editing at once cannot silently overwrite
each other.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import JSON, ForeignKey, Integer, UniqueConstraint, Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coordination.indicators.catalogue import BY_KEY, Mission
from kernel.actor import Actor
from kernel.clock import Clock
from kernel.database import Base, id_column
from kernel.errors import Conflict, Invalid, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.events import append_event


class Direction(enum.StrEnum):
    AT_LEAST = "at_least"  # a rate or a count to reach: the highest step reached pays
    AT_MOST = "at_most"  # a count to bring down (e.g. ALD patients without MT): the lowest


@dataclass(frozen=True, slots=True)
class Step:
    threshold: float
    amount_eur: float


@dataclass(frozen=True, slots=True)
class ContractIndicator:
    key: str
    label: str
    target: float
    direction: Direction
    steps: tuple[Step, ...]
    measure: str | None = None  # a key of catalogue.py; None: entered by hand
    manual_value: float | None = None  # for what the server cannot measure (screening rates…)
    # The day a hand-entered figure stands for: the CPAM's counts (patients in ALD without a
    # médecin traitant…) are dated figures, read again when the CPAM publishes new ones.
    manual_as_of: date | None = None


@dataclass(frozen=True, slots=True)
class ContractMission:
    mission: Mission
    fixed_eur: float
    variable_eur: float
    indicators: tuple[ContractIndicator, ...]


@dataclass(frozen=True, slots=True)
class ContractDocument:
    missions: tuple[ContractMission, ...]
    operating_eur: float = 0.0  # the envelope for running the CPTS, outside the missions


class AciContract(Base):
    __tablename__ = "aci_contracts"
    __table_args__ = (UniqueConstraint("territory_id", "year"),)

    id: Mapped[uuid.UUID] = id_column()
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), nullable=False
    )
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)
    updated_by: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)


def check(document: ContractDocument) -> ContractDocument:
    """Reject what would make the report meaningless; errors name the field."""
    seen_missions: set[Mission] = set()
    seen_keys: set[str] = set()
    for i, m in enumerate(document.missions):
        where = f"missions[{i}]"
        if m.mission in seen_missions:
            raise Invalid(
                "each mission appears once",
                code="contract_mission_repeated",
                field=f"{where}.mission",
            )
        seen_missions.add(m.mission)
        if m.fixed_eur < 0 or m.variable_eur < 0:
            raise Invalid(
                "amounts are positive", code="contract_amount_negative", field=f"{where}.fixed_eur"
            )
        for j, ind in enumerate(m.indicators):
            at = f"{where}.indicators[{j}]"
            if ind.key in seen_keys:
                raise Invalid(
                    "indicator keys are unique in a contract",
                    code="contract_indicator_key_repeated",
                    field=f"{at}.key",
                )
            seen_keys.add(ind.key)
            if ind.measure is not None and ind.measure not in BY_KEY:
                raise Invalid(
                    f"unknown measured indicator {ind.measure!r}",
                    code="contract_measure_unknown",
                    params={"measure": ind.measure},
                    field=f"{at}.measure",
                )
            if ind.manual_as_of is not None and ind.manual_value is None:
                raise Invalid(
                    "a date goes with a figure entered by hand",
                    code="contract_as_of_without_value",
                    field=f"{at}.manual_as_of",
                )
            if ind.measure is not None and ind.manual_value is not None:
                raise Invalid(
                    "a measured indicator has no manual value",
                    code="contract_measured_manual_value",
                    field=f"{at}.manual_value",
                )
            if not ind.steps:
                raise Invalid(
                    "at least one step", code="contract_steps_required", field=f"{at}.steps"
                )
            thresholds = [s.threshold for s in ind.steps]
            if thresholds != sorted(set(thresholds)):
                raise Invalid(
                    "step thresholds strictly increase",
                    code="contract_steps_order",
                    field=f"{at}.steps",
                )
            if any(s.amount_eur < 0 for s in ind.steps):
                raise Invalid(
                    "amounts are positive", code="contract_amount_negative", field=f"{at}.steps"
                )
            if max(s.amount_eur for s in ind.steps) > m.variable_eur:
                raise Invalid(
                    "a step pays more than the mission's variable part",
                    code="contract_step_above_variable",
                    field=f"{at}.steps",
                )
    return document


def to_json(document: ContractDocument) -> dict[str, Any]:
    raw = asdict(document)
    for mission in raw["missions"]:
        for ind in mission["indicators"]:
            if ind["manual_as_of"] is not None:
                ind["manual_as_of"] = ind["manual_as_of"].isoformat()
    return raw


def from_json(raw: dict[str, Any]) -> ContractDocument:
    return ContractDocument(
        operating_eur=float(raw.get("operating_eur", 0)),
        missions=tuple(
            ContractMission(
                mission=Mission(m["mission"]),
                fixed_eur=float(m["fixed_eur"]),
                variable_eur=float(m["variable_eur"]),
                indicators=tuple(
                    ContractIndicator(
                        key=i["key"],
                        label=i["label"],
                        target=float(i["target"]),
                        direction=Direction(i["direction"]),
                        steps=tuple(
                            Step(float(s["threshold"]), float(s["amount_eur"])) for s in i["steps"]
                        ),
                        measure=i.get("measure"),
                        manual_value=None
                        if i.get("manual_value") is None
                        else float(i["manual_value"]),
                        manual_as_of=date.fromisoformat(i["manual_as_of"])
                        if i.get("manual_as_of")
                        else None,
                    )
                    for i in m["indicators"]
                ),
            )
            for m in raw["missions"]
        ),
    )


async def get_contract(session: AsyncSession, actor: Actor, year: int) -> AciContract:
    found = await session.scalar(
        select(AciContract).where(
            AciContract.territory_id == actor.territory_id, AciContract.year == year
        )
    )
    if found is None:
        raise NotFound(
            f"no ACI contract recorded for {year}",
            code="contract_not_found",
            params={"year": year},
        )
    return found


class AciContractPayload(TypedDict):
    year: int
    version: int


async def save_contract(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    year: int,
    document: ContractDocument,
    expected_version: int | None,
) -> AciContract:
    """Create the year's contract (expected_version None) or replace version N by N+1."""
    if not actor.is_staff:
        raise NotAllowed(
            "the contract is kept by the coordinators and admins", code="contract_staff_only"
        )
    if not 2019 <= year <= 2100:
        raise Invalid("year out of range", code="contract_year_range", field="year")
    raw = to_json(check(document))
    now = clock.now()
    if expected_version is None:
        existing = await session.scalar(
            select(AciContract.version).where(
                AciContract.territory_id == actor.territory_id, AciContract.year == year
            )
        )
        if existing is not None:
            raise Conflict(
                f"the {year} contract exists (version {existing}): send its version",
                code="contract_exists",
                params={"year": year, "version": existing},
                field="version",
            )
        contract = AciContract(
            id=uuid.uuid4(),
            territory_id=actor.territory_id,
            year=year,
            document=raw,
            version=1,
            updated_at=now,
            updated_by=actor.account_id,
        )
        session.add(contract)
        await session.flush()
    else:
        saved = await session.scalar(
            update(AciContract)
            .where(
                AciContract.territory_id == actor.territory_id,
                AciContract.year == year,
                AciContract.version == expected_version,
            )
            .values(
                document=raw,
                version=AciContract.version + 1,
                updated_at=now,
                updated_by=actor.account_id,
            )
            .returning(AciContract)
        )
        if saved is None:
            await get_contract(session, actor, year)  # 404 if there is none
            raise Conflict(
                "the contract changed meanwhile: reload it",
                code="contract_changed",
                field="version",
            )
        contract = saved
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.ACI_CONTRACT_SAVED,
        actor=actor,
        subject_id=contract.id,
        payload=AciContractPayload(year=year, version=contract.version),
    )
    return contract
