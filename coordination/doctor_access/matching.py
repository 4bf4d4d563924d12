"""Proposing GPs to the patients of the waiting list: a pure function, no database, no I/O.

The waiting list is served in `priority` order, and each entry gets up to `per_entry` of the
volunteering GPs it is eligible for, best first. Every proposal uses one of the GP's
`remaining` places (and one of its `ald_room` for an ALD entry) for the rest of the run, so
that nobody is proposed more patients than they agreed to take this quarter.

Priority (the sort key of the waiting list, more fragile first): the sum of the weights of the
entry's fragilities, then the oldest `received_on`, then `id` (a total, deterministic order).
The weights (`WEIGHTS`):
- ALD, 70 and over, C2S: 16 each. These are the patients the CPAM counts in the ACI indicator
  ("patients sans médecin traitant": en ALD, de 70 ans et plus, bénéficiaires de la C2S). One
  of them outweighs all the other fragilities together (4 + 3 + 2 + 1 = 10 < 16), and two of
  them outweigh one plus all the others (32 > 26).
- disability 4, isolation 3, pregnancy 2, child under 16: 1. They add up, so that isolation
  with a pregnancy (5) comes before a disability alone (4).

Eligibility of a volunteer for an entry:
- `remaining`, after what this run already proposed, is above 0;
- an entry that needs home visits only goes to a GP who makes them;
- if the GP gave `communes`, the entry's commune is in it; else if they gave `radius_km`, the
  distance between the entry's commune point and the practice is at most the radius (an
  unknown point on either side: not eligible); with neither, any commune of the territory;
- an ALD entry only goes to a GP whose `ald_room` is None (no limit) or, after this run's ALD
  proposals, above 0.

Ranking of the eligible volunteers, best first:
1. the distance, by buckets of `DISTANCE_BUCKET_KM` (2 km): 0 to < 2 km, 2 to < 4 km, ...;
   an unknown distance (no point for the commune or the practice) comes last;
2. in the same bucket, the higher remaining share (`remaining / capacity`, as it stands when
   the entry is served): the GP who has given away the smaller part of what they offered
   comes first, which spreads the patients fairly;
3. then the exact distance, then `professional_id`.
The buckets: the entry's point is its commune's, not the patient's address, so a difference
of a kilometre or two between two practices says little about who is nearer the patient; the
buckets let the fairness rule decide between practices that are about as near. Without them
the share would only separate GPs of the same practice (the same point), and the nearest
practice of a commune would be used up first. In bench/matching.py (1,000 entries, 300 GPs
with 4,217 places), 2 km buckets bring the standard deviation of the share of places used
from 0.33 to 0.22 and the GPs never proposed from 13 to 4, for 0.17 km more to the first GP
(1.71 km against 1.54); 5 km buckets spread more, but cost 1.5 km.

Cost: the distances are computed once per (commune point, volunteer): a territory has 40 to
150 communes, not 5,000 entries. Each commune point keeps its candidates sorted by distance
(one list for the entries that need home visits, one for ALD entries...); an entry walks its
list and stops after the group (bucket) of its `per_entry`-th candidate, then ranks that
handful by share. A GP with no place left (no ALD room, in the lists of ALD entries) is
dropped from a list the first time a walk meets them, so walks do not lengthen as the GPs fill
up. A walk is at most V steps (V volunteers) and only an entry that gets a GP, using a place,
walks more than the drops: O(C·V + min(E, P)·V + E·log E) for C communes, E entries, P
places, and the walks are short unless most GPs fall in one bucket. 5,000 entries × 300
volunteers: about 50 ms on a 2-core machine (bench/matching.py); 190 ms when no GP has a
point, 0.5 s if moreover each GP offered 100 places (all 5,000 entries then served).
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

EARTH_RADIUS_KM = 6371.0  # the same sphere as coordination.directory.lookup.distance_km
DISTANCE_BUCKET_KM = 2.0
MAX_PER_ENTRY = 3


class Fragility(enum.StrEnum):
    ALD = "ald"  # affection de longue durée
    OVER_70 = "over_70"
    C2S = "c2s"  # complémentaire santé solidaire
    DISABILITY = "disability"
    ISOLATION = "isolation"
    PREGNANCY = "pregnancy"
    CHILD_UNDER_16 = "child_under_16"


WEIGHTS: Mapping[Fragility, int] = MappingProxyType(
    {
        Fragility.ALD: 16,
        Fragility.OVER_70: 16,
        Fragility.C2S: 16,
        Fragility.DISABILITY: 4,
        Fragility.ISOLATION: 3,
        Fragility.PREGNANCY: 2,
        Fragility.CHILD_UNDER_16: 1,
    }
)


@dataclass(frozen=True, slots=True)
class Waiting:
    """One entry of the waiting list."""

    id: uuid.UUID
    received_on: date
    fragilities: frozenset[Fragility]
    commune_insee: str
    latitude: float | None  # the commune's point (None: unknown)
    longitude: float | None
    needs_home_visits: bool


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A GP taking new patients this quarter."""

    professional_id: uuid.UUID
    remaining: int  # new patients they may still be proposed this quarter (≥ 0)
    capacity: int  # what they stated for the quarter (≥ remaining)
    latitude: float | None  # their main practice
    longitude: float | None
    communes: frozenset[str] | None  # INSEE codes they take patients from; None: no list
    radius_km: float | None  # or a radius around the practice; None: no radius
    home_visits: bool  # do they make home visits
    ald_room: int | None  # how many more ALD patients they take (None: no limit)


@dataclass(frozen=True, slots=True)
class Proposal:
    entry_id: uuid.UUID
    professional_ids: tuple[uuid.UUID, ...]  # 0 to `per_entry`, best first


def fragility_weight(fragilities: frozenset[Fragility]) -> int:
    """The sum of the weights of the fragilities (see the module's docstring)."""
    return sum(WEIGHTS[f] for f in fragilities)


def priority(entry: Waiting) -> tuple[int, date, uuid.UUID]:
    """The sort key of the waiting list: more fragile first, then older entries, then id."""
    return (-fragility_weight(entry.fragilities), entry.received_on, entry.id)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def propose(
    entries: Sequence[Waiting], volunteers: Sequence[Volunteer], *, per_entry: int = 3
) -> list[Proposal]:
    """Up to `per_entry` GPs for each entry, in priority order (see the module's docstring).

    One Proposal per entry, in `priority` order, an empty tuple when nobody is eligible. The
    same inputs, in any order, give the same output. Raises ValueError on a programming error:
    `per_entry` outside 1–3, a negative `remaining`, `capacity`, `ald_room` or `radius_km`,
    `remaining` above `capacity`, two entries or two volunteers with the same id.
    """
    return _propose(entries, volunteers, per_entry, DISTANCE_BUCKET_KM)


# --- the run --------------------------------------------------------------------------------


class _Gp:
    """A volunteer's counters during a run."""

    __slots__ = ("ald_room", "capacity", "home_visits", "id", "remaining")

    def __init__(self, volunteer: Volunteer) -> None:
        self.id = volunteer.professional_id
        self.remaining = volunteer.remaining
        self.capacity = volunteer.capacity
        self.ald_room = volunteer.ald_room
        self.home_visits = volunteer.home_visits


# A volunteer seen from one commune point: (group, exact distance, id, counters). The group
# is the distance bucket (the exact distance without buckets; inf when unknown): the share
# decides within a group. Sorted, these tuples are the static part of the ranking.
_Candidate = tuple[float, float, uuid.UUID, _Gp]
_Ranked = tuple[float, float, float, uuid.UUID, _Gp]  # (group, -share, distance, id, counters)
_Point = tuple[str, float | None, float | None]


def _check(entries: Sequence[Waiting], volunteers: Sequence[Volunteer], per_entry: int) -> None:
    if isinstance(per_entry, bool) or not 1 <= per_entry <= MAX_PER_ENTRY:
        raise ValueError(f"per_entry is between 1 and {MAX_PER_ENTRY}, not {per_entry!r}")
    if len({e.id for e in entries}) != len(entries):
        raise ValueError("two entries of the waiting list have the same id")
    if len({v.professional_id for v in volunteers}) != len(volunteers):
        raise ValueError("two volunteers have the same professional_id")
    for v in volunteers:
        if v.remaining < 0 or v.capacity < 0:
            raise ValueError(f"volunteer {v.professional_id}: negative remaining or capacity")
        if v.remaining > v.capacity:
            raise ValueError(f"volunteer {v.professional_id}: remaining above capacity")
        if v.ald_room is not None and v.ald_room < 0:
            raise ValueError(f"volunteer {v.professional_id}: negative ald_room")
        if v.radius_km is not None and not v.radius_km >= 0:  # also rejects NaN
            raise ValueError(f"volunteer {v.professional_id}: negative radius_km")


def _candidates(
    point: _Point, volunteers: Sequence[Volunteer], gps: Sequence[_Gp], bucket_km: float | None
) -> list[_Candidate]:
    """The volunteers whose area takes this commune point, sorted by distance."""
    insee, lat, lon = point
    out: list[_Candidate] = []
    for v, gp in zip(volunteers, gps, strict=True):
        d = math.inf  # unknown: no point for the commune or the practice
        vlat, vlon = v.latitude, v.longitude
        if lat is not None and lon is not None and vlat is not None and vlon is not None:
            d = distance_km(lat, lon, vlat, vlon)
            if not math.isfinite(d):  # a NaN coordinate: unknown as well
                d = math.inf
        if v.communes is not None:
            if insee not in v.communes:
                continue
        elif v.radius_km is not None and not d <= v.radius_km:  # inf: never within a radius
            continue
        group = d // bucket_km if bucket_km and d != math.inf else d
        out.append((group, d, gp.id, gp))
    out.sort(key=lambda c: (c[0], c[1], c[2]))
    return out


def _propose(
    entries: Sequence[Waiting],
    volunteers: Sequence[Volunteer],
    per_entry: int,
    bucket_km: float | None,
) -> list[Proposal]:
    """`propose`, with the bucket width as a parameter (None: no buckets) for the benchmark."""
    _check(entries, volunteers, per_entry)
    ordered_volunteers = sorted(volunteers, key=lambda v: v.professional_id)
    gps = [_Gp(v) for v in ordered_volunteers]
    by_point: dict[_Point, list[_Candidate]] = {}
    # Per (commune point, needs home visits, has ALD): the candidates still worth walking.
    lists: dict[tuple[_Point, bool, bool], list[_Candidate]] = {}
    proposals: list[Proposal] = []
    for entry in sorted(entries, key=priority):
        ald = Fragility.ALD in entry.fragilities
        point = (entry.commune_insee, entry.latitude, entry.longitude)
        key = (point, entry.needs_home_visits, ald)
        walk = lists.get(key)
        if walk is None:
            base = by_point.get(point)
            if base is None:
                base = by_point[point] = _candidates(point, ordered_volunteers, gps, bucket_km)
            walk = lists[key] = [c for c in base if c[3].home_visits or not entry.needs_home_visits]
        # The candidates of the groups up to that of the per_entry-th, ranked with the share.
        pool: list[_Ranked] = []
        last = math.nan  # the group of the per_entry-th candidate, once there are that many
        i = 0
        while i < len(walk):
            group, d, pid, gp = walk[i]
            if gp.remaining == 0 or (ald and gp.ald_room == 0):
                del walk[i]  # for good: counters only go down during a run
                continue
            if group > last:  # False while last is NaN
                break
            pool.append((group, -gp.remaining / gp.capacity, d, pid, gp))
            if len(pool) == per_entry:
                last = group
            i += 1
        pool.sort()  # the ids differ: the counters are never compared
        chosen = pool[:per_entry]
        for item in chosen:
            gp = item[4]
            gp.remaining -= 1
            if ald and gp.ald_room is not None:
                gp.ald_room -= 1
        proposals.append(Proposal(entry.id, tuple(item[3] for item in chosen)))
    return proposals
