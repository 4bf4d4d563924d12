"""Proposing GPs to a territory's waiting list: `propose`, and the all-pairs way it replaced.

    python -m bench.matching [--communes 100] [--entries 5000] [--volunteers 300] [--repeat 7]
        [--baseline-repeat 3] [--spread-entries 1000] [--seed 11]

A synthetic territory, seeded: `--communes` communes in a 40 km square (2 % without a point),
practices of 1 to 4 GPs near them (3 % without a point), `--volunteers` GPs with capacities
5–30 (some of it already proposed this quarter), a mix of areas (none, a radius of 5–15 km, a
list of the communes within 8 km), home visits, ALD room; and `--entries` waiting patients,
their fragilities drawn with the shares of a waiting list (ALD 12 %, 70 and over 18 %, C2S
14 %, disability 5 %, isolation 8 %, pregnancy 3 %, under 16 15 %) and home visits needed by a
quarter of the 70 and over, 4 % of the others. Rows, in this one process:

- `propose` (coordination.doctor_access.matching): median and max of `--repeat` runs;
- baseline, all pairs: every (entry, volunteer) haversine, then the eligibility test, the
  eligible ones sorted, entry after entry (the rules read literally), on the full input, median of
  `--baseline-repeat` runs; its proposals must be the same;
- `propose` when no practice has a point (the worst case of its walks: every GP in the one
  "unknown distance" group, radii then exclude everyone, so those GPs take any commune).
Target (the matching issue): 5,000 entries × 300 volunteers in < 1 s.

Then the spread of a waiting list the capacity can serve (`--spread-entries`): the 2 km
distance buckets that `propose` uses, against the exact distance (the share then only breaks
exact ties) and wider buckets: how evenly the GPs are used, and how far the first GP is.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bench.booking import machine
from coordination.doctor_access.matching import (
    DISTANCE_BUCKET_KM,
    Fragility,
    Proposal,
    Volunteer,
    Waiting,
    _propose,
    distance_km,
    priority,
    propose,
)

SQUARE_KM = 40.0
ORIGIN = (48.60, 1.80)  # the south-west corner (Yvelines)
KM_LAT = 111.195
KM_LON = KM_LAT * math.cos(math.radians(ORIGIN[0] + SQUARE_KM / 2 / KM_LAT))
SHARES = {
    Fragility.ALD: 0.12,
    Fragility.OVER_70: 0.18,
    Fragility.C2S: 0.14,
    Fragility.DISABILITY: 0.05,
    Fragility.ISOLATION: 0.08,
    Fragility.PREGNANCY: 0.03,
    Fragility.CHILD_UNDER_16: 0.15,
}
TARGET_S = 1.0

Point = tuple[str, float | None, float | None]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(x_km: float, y_km: float) -> tuple[float, float]:
    return ORIGIN[0] + y_km / KM_LAT, ORIGIN[1] + x_km / KM_LON


def territory(n_communes: int, seed: int) -> list[Point]:
    rng = random.Random(seed)
    communes: list[Point] = []
    for i in range(n_communes):
        lat, lon = _at(rng.uniform(0, SQUARE_KM), rng.uniform(0, SQUARE_KM))
        known = rng.random() >= 0.02
        communes.append((f"78{i:03d}", lat if known else None, lon if known else None))
    return communes


def volunteers(communes: Sequence[Point], n: int, seed: int) -> list[Volunteer]:
    rng = random.Random(seed + 1)
    located = [c for c in communes if c[1] is not None]
    out: list[Volunteer] = []
    while len(out) < n:
        _, clat, clon = rng.choice(located)
        assert clat is not None and clon is not None
        unknown = rng.random() < 0.03
        lat = None if unknown else clat + rng.uniform(-1.5, 1.5) / KM_LAT
        lon = None if unknown else clon + rng.uniform(-1.5, 1.5) / KM_LON
        near = frozenset(
            c[0]
            for c in communes
            if c[1] is not None and c[2] is not None and distance_km(clat, clon, c[1], c[2]) <= 8.0
        )
        for _ in range(min(rng.choice([1, 1, 2, 2, 3, 4]), n - len(out))):
            capacity = rng.randint(5, 30)
            area = rng.random()
            out.append(
                Volunteer(
                    professional_id=_uuid(rng),
                    remaining=capacity - rng.randint(0, capacity // 3),
                    capacity=capacity,
                    latitude=lat,
                    longitude=lon,
                    communes=near if area < 0.3 else None,
                    radius_km=rng.choice([5.0, 10.0, 15.0]) if 0.3 <= area < 0.6 else None,
                    home_visits=rng.random() < 0.4,
                    ald_room=None if rng.random() < 0.6 else rng.randint(2, 10),
                )
            )
    return out


def waiting_list(communes: Sequence[Point], n: int, seed: int) -> list[Waiting]:
    rng = random.Random(seed + 2)
    out: list[Waiting] = []
    for _ in range(n):
        fragilities = {f for f, share in SHARES.items() if rng.random() < share}
        if Fragility.OVER_70 in fragilities:
            fragilities -= {Fragility.PREGNANCY, Fragility.CHILD_UNDER_16}
        insee, lat, lon = rng.choice(communes)
        home = rng.random() < (0.25 if Fragility.OVER_70 in fragilities else 0.04)
        out.append(
            Waiting(
                id=_uuid(rng),
                received_on=date(2025, 1, 1) + timedelta(days=rng.randrange(540)),
                fragilities=frozenset(fragilities),
                commune_insee=insee,
                latitude=lat,
                longitude=lon,
                needs_home_visits=home,
            )
        )
    return out


def all_pairs(
    entries: Sequence[Waiting], gps: Sequence[Volunteer], per_entry: int = 3
) -> list[Proposal]:
    """The baseline: the rules read literally, every pair of every entry."""
    remaining = {v.professional_id: v.remaining for v in gps}
    ald_room = {v.professional_id: v.ald_room for v in gps}
    out = []
    for entry in sorted(entries, key=priority):
        ald = Fragility.ALD in entry.fragilities
        ranked = []
        for v in gps:
            pid = v.professional_id
            d = math.inf
            if (
                entry.latitude is not None
                and entry.longitude is not None
                and v.latitude is not None
                and v.longitude is not None
            ):
                d = distance_km(entry.latitude, entry.longitude, v.latitude, v.longitude)
            room = ald_room[pid]
            if remaining[pid] <= 0 or (ald and room is not None and room <= 0):
                continue
            if entry.needs_home_visits and not v.home_visits:
                continue
            if v.communes is not None:
                if entry.commune_insee not in v.communes:
                    continue
            elif v.radius_km is not None and not d <= v.radius_km:
                continue
            bucket = d // DISTANCE_BUCKET_KM if d != math.inf else d
            ranked.append((bucket, -remaining[pid] / v.capacity, d, pid))
        ranked.sort()
        chosen = tuple(r[3] for r in ranked[:per_entry])
        for pid in chosen:
            remaining[pid] -= 1
            room = ald_room[pid]
            if ald and room is not None:
                ald_room[pid] = room - 1
        out.append(Proposal(entry.id, chosen))
    return out


def _times(run: Callable[[], list[Proposal]], repeat: int) -> tuple[list[float], list[Proposal]]:
    times = []
    result: list[Proposal] = []
    for _ in range(repeat):
        gc.collect()  # each run starts without the previous one's garbage
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return times, result


def _spread(
    entries: Sequence[Waiting], gps: Sequence[Volunteer], proposals: Sequence[Proposal]
) -> tuple[float, int, float]:
    """Over the GPs with places left: the sd of the share of those places proposed, how many
    were never proposed; and the mean distance from an entry to its first GP."""
    times = Counter(pid for p in proposals for pid in p.professional_ids)
    used = [times[v.professional_id] / v.remaining for v in gps if v.remaining]
    by_id = {e.id: e for e in entries}
    where = {v.professional_id: (v.latitude, v.longitude) for v in gps}
    firsts = []
    for p in proposals:
        e = by_id[p.entry_id]
        lat, lon = where[p.professional_ids[0]] if p.professional_ids else (None, None)
        if e.latitude is not None and e.longitude is not None and lat is not None:
            assert lon is not None
            firsts.append(distance_km(e.latitude, e.longitude, lat, lon))
    idle = sum(1 for v in gps if v.remaining and not times[v.professional_id])
    return statistics.pstdev(used), idle, statistics.mean(firsts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline-repeat", type=int, default=3)
    parser.add_argument("--spread-entries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    communes = territory(args.communes, args.seed)
    gps = volunteers(communes, args.volunteers, args.seed)
    entries = waiting_list(communes, args.entries, args.seed)
    places = sum(v.remaining for v in gps)
    fragile = sum(1 for e in entries if e.fragilities)

    times, proposals = _times(lambda: propose(entries, gps), args.repeat)
    base_times, baseline = _times(lambda: all_pairs(entries, gps), args.baseline_repeat)
    same = "yes" if baseline == proposals else "NO"
    served = sum(1 for p in proposals if p.professional_ids)
    full = sum(1 for p in proposals if len(p.professional_ids) == 3)
    made = sum(len(p.professional_ids) for p in proposals)
    median, worst = statistics.median(times), max(times)
    base_median = statistics.median(base_times)
    blind = [replace(v, latitude=None, longitude=None, radius_km=None) for v in gps]
    blind_times, blind_proposals = _times(lambda: propose(entries, blind), args.repeat)

    print(f"machine: {machine()}")
    print(
        f"input: {args.communes} communes in a {SQUARE_KM:g} km square, {len(gps)} volunteers "
        f"({places:,} places left of {sum(v.capacity for v in gps):,}), {len(entries):,} "
        f"entries ({fragile / len(entries):.0%} with a fragility), 3 GPs per entry; seed "
        f"{args.seed}"
    )
    print()
    print("| row | runs | median ms | max ms | proposals | entries served | 3 GPs | 0 GPs |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| propose | {args.repeat} | {median * 1000:,.1f} | {worst * 1000:,.1f} | {made:,} | "
        f"{served:,} | {full:,} | {(len(entries) - served) / len(entries):.1%} |"
    )
    print(
        f"| baseline: all pairs (same proposals: {same}) | {args.baseline_repeat} | "
        f"{base_median * 1000:,.1f} | {max(base_times) * 1000:,.1f} | "
        f"{sum(len(p.professional_ids) for p in baseline):,} | "
        f"{sum(1 for p in baseline if p.professional_ids):,} | | |"
    )
    blind_served = sum(1 for p in blind_proposals if p.professional_ids)
    print(
        f"| propose, no practice point | {args.repeat} | "
        f"{statistics.median(blind_times) * 1000:,.1f} | {max(blind_times) * 1000:,.1f} | "
        f"{sum(len(p.professional_ids) for p in blind_proposals):,} | {blind_served:,} | "
        f"{sum(1 for p in blind_proposals if len(p.professional_ids) == 3):,} | "
        f"{(len(entries) - blind_served) / len(entries):.1%} |"
    )
    print()
    met = "met" if worst < TARGET_S else "NOT met"
    print(
        f"speed-up: {base_median / median:.0f}x; target {len(entries):,} × {len(gps)} "
        f"< {TARGET_S:g} s: {met} (max {worst * 1000:,.0f} ms)"
    )

    few = waiting_list(communes, args.spread_entries, args.seed + 100)
    demand = 3 * len(few)
    print()
    print(
        f"spread: {len(few):,} entries ({demand:,} proposals asked for {places:,} places), "
        f"over the {sum(1 for v in gps if v.remaining)} GPs with places left"
    )
    print()
    print("| ranking | sd of the share of places used | GPs never proposed | km to the 1st GP |")
    print("|---|---|---|---|")
    for label, bucket in (
        ("exact distance (share breaks ties)", None),
        (f"buckets of {DISTANCE_BUCKET_KM:g} km (propose)", DISTANCE_BUCKET_KM),
        ("buckets of 5 km", 5.0),
    ):
        sd, idle, km = _spread(few, gps, _propose(few, gps, 3, bucket))
        print(f"| {label} | {sd:.3f} | {idle} | {km:.2f} |")


if __name__ == "__main__":
    main()
