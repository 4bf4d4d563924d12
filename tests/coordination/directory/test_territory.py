from __future__ import annotations

import pytest

from coordination.directory.territories import TerritoryDraft, create_territory
from coordination.directory.territory import aci_size
from kernel.clock import FrozenClock
from kernel.errors import Invalid
from server.database import Database


@pytest.mark.parametrize(
    ("population", "size"),
    [
        (0, 1),
        (32_048, 1),
        (39_999, 1),
        (40_000, 2),
        (79_999, 2),
        (80_000, 3),
        (174_999, 3),
        (175_000, 4),
        (300_000, 4),
    ],
)
def test_aci_size(population: int, size: int) -> None:
    assert aci_size(population) == size


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (TerritoryDraft(slug="a", name="A", finess="123", population=1), "finess"),
        (TerritoryDraft(slug="b", name="B", finess="780000001", population=-1), "population"),
        (
            TerritoryDraft(
                slug="c", name="C", finess="780000001", population=1, timezone="Mars/Olympus"
            ),
            "timezone",
        ),
        (
            TerritoryDraft(slug="d", name="D", finess="780000001", population=1, timezone="+02:00"),
            "timezone",
        ),
    ],
)
async def test_territory_validation(
    database: Database, clock: FrozenClock, draft: TerritoryDraft, field: str
) -> None:
    async with database.write() as session:
        with pytest.raises(Invalid) as error:
            await create_territory(session, clock, draft)
    assert error.value.field == field


async def test_reunion_territory(database: Database, clock: FrozenClock) -> None:
    async with database.write() as session:
        territory = await create_territory(
            session,
            clock,
            TerritoryDraft(
                slug="cpts-sud-reunion-test",
                name="CPTS Sud Réunion",
                finess="974000007",
                population=120_000,
                timezone="Indian/Reunion",
            ),
        )
    assert territory.timezone == "Indian/Reunion" and territory.aci_size == 3
