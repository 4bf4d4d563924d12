"""Matching the waiting list with the volunteering GPs: properties, and hand-computed cases."""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.matching import all_pairs
from coordination.doctor_access.matching import (
    Fragility,
    Proposal,
    Volunteer,
    Waiting,
    priority,
    propose,
)

ACI = frozenset({Fragility.ALD, Fragility.OVER_70, Fragility.C2S})
KM_PER_DEGREE = 2 * math.pi * 6371.0 / 360  # along a meridian, on the matching's sphere


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine, written again here so that the oracle does not share the module's code."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _distance(entry: Waiting, v: Volunteer) -> float | None:
    if None in (entry.latitude, entry.longitude, v.latitude, v.longitude):
        return None
    assert entry.latitude is not None and entry.longitude is not None
    assert v.latitude is not None and v.longitude is not None
    return _km(entry.latitude, entry.longitude, v.latitude, v.longitude)


def _takes(v: Volunteer, entry: Waiting) -> bool:
    """The constraints that do not depend on the run: home visits, communes or radius."""
    if entry.needs_home_visits and not v.home_visits:
        return False
    if v.communes is not None:
        return entry.commune_insee in v.communes
    if v.radius_km is not None:
        d = _distance(entry, v)
        return d is not None and d <= v.radius_km + 1e-9
    return True


def _weight(entry: Waiting) -> int:
    return -priority(entry)[0]


# --- generated territories ------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    entries: list[Waiting]
    volunteers: list[Volunteer]
    per_entry: int


_coordinate = st.floats(0.0, 0.15, allow_nan=False, allow_infinity=False)


@st.composite
def scenarios(draw: st.DrawFn, max_entries: int = 25, max_volunteers: int = 10) -> Scenario:
    """A small territory (about 17 × 11 km), a few communes, scarce capacity."""
    n_communes = draw(st.integers(1, 6))
    communes: list[tuple[str, float | None, float | None]] = []
    for i in range(n_communes):
        if draw(st.integers(0, 9)) == 0:
            communes.append((f"78{i:03d}", None, None))  # a commune without coordinates
        else:
            communes.append((f"78{i:03d}", 48.8 + draw(_coordinate), 2.0 + draw(_coordinate)))
    codes = [c[0] for c in communes]
    n_volunteers = draw(st.integers(0, max_volunteers))
    ids = draw(st.lists(st.uuids(), min_size=n_volunteers, max_size=n_volunteers, unique=True))
    volunteers = []
    for pid in ids:
        remaining = draw(st.integers(0, 4))
        place = draw(st.sampled_from(["commune", "elsewhere", "unknown"]))
        lat: float | None
        lon: float | None
        if place == "commune":  # several GPs at one point: exact ties of distance
            _, lat, lon = draw(st.sampled_from(communes))
        elif place == "elsewhere":
            lat, lon = 48.8 + draw(_coordinate), 2.0 + draw(_coordinate)
        else:
            lat = lon = None
        area = draw(st.sampled_from(["none", "communes", "radius", "both"]))
        listed = frozenset(draw(st.lists(st.sampled_from([*codes, "99999"]), max_size=4)))
        radius = draw(st.floats(0.0, 15.0, allow_nan=False))
        volunteers.append(
            Volunteer(
                professional_id=pid,
                remaining=remaining,
                capacity=remaining + draw(st.integers(0, 4)),
                latitude=lat,
                longitude=lon,
                communes=listed if area in ("communes", "both") else None,
                radius_km=radius if area in ("radius", "both") else None,
                home_visits=draw(st.booleans()),
                ald_room=draw(st.none() | st.integers(0, 3)),
            )
        )
    n_entries = draw(st.integers(0, max_entries))
    entry_ids = draw(st.lists(st.uuids(), min_size=n_entries, max_size=n_entries, unique=True))
    entries = []
    for eid in entry_ids:
        code, lat, lon = draw(st.sampled_from(communes))
        entries.append(
            Waiting(
                id=eid,
                received_on=date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 30))),
                fragilities=frozenset(draw(st.lists(st.sampled_from(list(Fragility)), max_size=3))),
                commune_insee=code,
                latitude=lat,
                longitude=lon,
                needs_home_visits=draw(st.integers(0, 3)) == 0,
            )
        )
    return Scenario(entries, volunteers, draw(st.integers(1, 3)))


def _reference(
    entries: Sequence[Waiting], volunteers: Sequence[Volunteer], per_entry: int
) -> list[Proposal]:
    """The rules read literally, every (entry, volunteer) pair, each entry in turn: the
    benchmark's baseline (bench/matching.py), one reading of the rules for both."""
    return all_pairs(entries, volunteers, per_entry)


# --- properties -----------------------------------------------------------------------------


@given(scenarios())
def test_never_over_capacity_nor_ald_room(s: Scenario) -> None:
    proposals = propose(s.entries, s.volunteers, per_entry=s.per_entry)
    by_id = {e.id: e for e in s.entries}
    times: Counter[uuid.UUID] = Counter()
    ald_times: Counter[uuid.UUID] = Counter()
    for p in proposals:
        times.update(p.professional_ids)
        if Fragility.ALD in by_id[p.entry_id].fragilities:
            ald_times.update(p.professional_ids)
    for v in s.volunteers:
        assert times[v.professional_id] <= v.remaining
        if v.ald_room is not None:
            assert ald_times[v.professional_id] <= v.ald_room


@given(scenarios())
def test_every_proposed_gp_is_eligible(s: Scenario) -> None:
    proposals = propose(s.entries, s.volunteers, per_entry=s.per_entry)
    by_id = {e.id: e for e in s.entries}
    volunteers = {v.professional_id: v for v in s.volunteers}
    for p in proposals:
        entry = by_id[p.entry_id]
        for pid in p.professional_ids:
            v = volunteers[pid]
            assert _takes(v, entry), (entry, v)
            assert v.remaining > 0
            if Fragility.ALD in entry.fragilities:
                assert v.ald_room is None or v.ald_room > 0


@given(scenarios())
def test_shape_one_proposal_per_entry_in_priority_order(s: Scenario) -> None:
    proposals = propose(s.entries, s.volunteers, per_entry=s.per_entry)
    assert [p.entry_id for p in proposals] == [e.id for e in sorted(s.entries, key=priority)]
    known = {v.professional_id for v in s.volunteers}
    for p in proposals:
        assert len(p.professional_ids) <= s.per_entry
        assert len(set(p.professional_ids)) == len(p.professional_ids)
        assert set(p.professional_ids) <= known


@given(scenarios())
def test_an_entry_short_of_gps_lost_none_to_a_later_entry(s: Scenario) -> None:
    """The more fragile first, as a checkable statement about one run's output.

    Let E be an entry that got fewer than `per_entry` GPs, and F any entry served after it
    (so F is less fragile, or as fragile and younger). No GP proposed to F could have been
    proposed to E: such a GP had places left when E was served (counters only go down, and F
    got one later), so it must fail E's own constraints (home visits, communes or radius) or,
    E having an ALD, it had no ALD room left when E was served. A matching that serves the
    entries out of order, or skips an eligible GP, breaks this.
    """
    proposals = propose(s.entries, s.volunteers, per_entry=s.per_entry)
    by_id = {e.id: e for e in s.entries}
    volunteers = {v.professional_id: v for v in s.volunteers}
    ald_before: Counter[uuid.UUID] = Counter()  # ALD proposals made before the entry at i
    for i, p in enumerate(proposals):
        entry = by_id[p.entry_id]
        ald = Fragility.ALD in entry.fragilities
        if len(p.professional_ids) < s.per_entry:
            for later in proposals[i + 1 :]:
                for pid in later.professional_ids:
                    if pid in p.professional_ids:
                        continue
                    v = volunteers[pid]
                    no_ald_room = ald and v.ald_room is not None and ald_before[pid] >= v.ald_room
                    assert not _takes(v, entry) or no_ald_room, (entry, by_id[later.entry_id], v)
        if ald:
            ald_before.update(p.professional_ids)


@given(scenarios())
def test_less_fragile_entries_do_not_change_what_the_more_fragile_get(s: Scenario) -> None:
    """Whatever follows an entry in priority order cannot take anything from it: the
    proposals of the first k entries are the same as when only those k entries wait."""
    ordered = sorted(s.entries, key=priority)
    full = propose(s.entries, s.volunteers, per_entry=s.per_entry)
    for k in {0, len(ordered) // 3, len(ordered) // 2, max(len(ordered) - 1, 0)}:
        assert propose(ordered[:k], s.volunteers, per_entry=s.per_entry) == full[:k]


@given(scenarios(), st.randoms(use_true_random=False))
def test_same_inputs_in_any_order_give_the_same_proposals(s: Scenario, rnd: random.Random) -> None:
    entries, volunteers = list(s.entries), list(s.volunteers)
    rnd.shuffle(entries)
    rnd.shuffle(volunteers)
    first = propose(s.entries, s.volunteers, per_entry=s.per_entry)
    assert propose(entries, volunteers, per_entry=s.per_entry) == first
    assert propose(tuple(entries), tuple(volunteers), per_entry=s.per_entry) == first


@settings(max_examples=300)
@given(scenarios())
def test_same_as_the_rules_read_literally(s: Scenario) -> None:
    """Ranking and counters together: the per-commune walk equals the all-pairs reference."""
    assert propose(s.entries, s.volunteers, per_entry=s.per_entry) == _reference(
        s.entries, s.volunteers, s.per_entry
    )


@given(scenarios(max_volunteers=0))
def test_priority_puts_the_aci_fragilities_first_then_weight_then_age(s: Scenario) -> None:
    ordered = sorted(s.entries, key=priority)
    for a, b in itertools.pairwise(ordered):
        assert not (b.fragilities & ACI and not a.fragilities & ACI)
        assert _weight(a) >= _weight(b)
        if _weight(a) == _weight(b):
            assert (a.received_on, a.id) < (b.received_on, b.id)


# --- examples computed by hand --------------------------------------------------------------

LAT, LON = 48.8, 2.0
DAY = date(2026, 1, 5)


def _uuid(n: int) -> uuid.UUID:
    return uuid.UUID(int=n)


def _gp(n: int, north_km: float | None = 0.0, **extra: object) -> Volunteer:
    values: dict[str, object] = {
        "professional_id": _uuid(n),
        "remaining": 10,
        "capacity": 10,
        "latitude": None if north_km is None else LAT + north_km / KM_PER_DEGREE,
        "longitude": None if north_km is None else LON,
        "communes": None,
        "radius_km": None,
        "home_visits": False,
        "ald_room": None,
    } | extra
    return Volunteer(**values)  # type: ignore[arg-type]


def _entry(n: int, *fragilities: Fragility, **extra: object) -> Waiting:
    values: dict[str, object] = {
        "id": _uuid(1000 + n),
        "received_on": DAY,
        "fragilities": frozenset(fragilities),
        "commune_insee": "78001",
        "latitude": LAT,
        "longitude": LON,
        "needs_home_visits": False,
    } | extra
    return Waiting(**values)  # type: ignore[arg-type]


def _gps(proposal: Proposal) -> list[int]:
    return [pid.int for pid in proposal.professional_ids]


def test_nearest_first() -> None:
    # 1, 5, 9 and 13 km north: one per 2 km bucket, so distance decides before the share.
    gps = [_gp(4, 13), _gp(2, 5, remaining=1), _gp(3, 9), _gp(1, 1, remaining=1)]
    (p,) = propose([_entry(1)], gps)
    assert _gps(p) == [1, 2, 3]
    (p,) = propose([_entry(1)], gps, per_entry=1)
    assert _gps(p) == [1]


def test_equidistant_gps_the_higher_remaining_share_first() -> None:
    # Same practice: 2/10 left against 5/10 left.
    (p,) = propose([_entry(1)], [_gp(1, 3, remaining=2), _gp(2, 3, remaining=5)])
    assert _gps(p) == [2, 1]
    # 0.5 km and 1.5 km: the same 2 km bucket, so the share decides; then the exact distance.
    (p,) = propose([_entry(1)], [_gp(1, 0.5, remaining=2), _gp(2, 1.5, remaining=5)])
    assert _gps(p) == [2, 1]
    (p,) = propose([_entry(1)], [_gp(1, 0.5, remaining=5), _gp(2, 1.5, remaining=5)])
    assert _gps(p) == [1, 2]
    # 4/8 and 5/10 are the same share: then the nearer.
    (p,) = propose([_entry(1)], [_gp(1, 1.5, remaining=4, capacity=8), _gp(2, 0.5, remaining=5)])
    assert _gps(p) == [2, 1]


def test_the_share_spreads_a_run_over_a_practice() -> None:
    # Two GPs of one practice, 4 places each, one GP per entry: they take turns
    # (the tie of the first entry goes to the lower id).
    gps = [_gp(2, 1, remaining=4, capacity=4), _gp(1, 1, remaining=4, capacity=4)]
    proposals = propose([_entry(i, received_on=DAY + timedelta(days=i)) for i in range(9)],
                        gps, per_entry=1)  # fmt: skip
    assert [_gps(p) for p in proposals] == [[1], [2], [1], [2], [1], [2], [1], [2], []]


def test_the_share_is_the_current_one_whatever_the_commune() -> None:
    # The same two GPs for entries of two communes, served in turns: a place given to an
    # entry of one commune counts for the next entry of the other (A, B, A, B by the shares
    # 4/4-4/4, 3/4-4/4, 3/4-3/4, 2/4-3/4).
    gps = [_gp(1, 1, remaining=4, capacity=4), _gp(2, 1, remaining=4, capacity=4)]
    entries = [
        _entry(i, commune_insee=("78001", "78002")[i % 2], received_on=DAY + timedelta(days=i))
        for i in range(4)
    ]
    assert [_gps(p) for p in propose(entries, gps, per_entry=1)] == [[1], [2], [1], [2]]


def test_home_visits_are_needed_only_when_the_entry_needs_them() -> None:
    gps = [_gp(1, 1), _gp(2, 7, home_visits=True)]
    at_home, at_office = propose(
        [_entry(1, needs_home_visits=True, received_on=DAY), _entry(2, received_on=DAY)], gps
    )
    assert at_home.entry_id == _uuid(1001)
    assert _gps(at_home) == [2]
    assert _gps(at_office) == [1, 2]


def test_ald_room_limits_the_ald_entries_only() -> None:
    gps = [_gp(1, 1, ald_room=1), _gp(2, 9)]
    first, second, plain = propose(
        [
            _entry(1, Fragility.ALD, received_on=DAY),
            _entry(2, Fragility.ALD, received_on=DAY + timedelta(days=1)),
            _entry(3),
        ],
        gps,
    )
    assert (_gps(first), _gps(second), _gps(plain)) == ([1, 2], [2], [1, 2])
    (p,) = propose([_entry(1, Fragility.ALD)], [_gp(1, 1, ald_room=0), _gp(2, 9)])
    assert _gps(p) == [2]


def test_the_more_fragile_get_the_last_place() -> None:
    gp = _gp(1, 1, remaining=1, capacity=12)
    old_plain = _entry(1, received_on=DAY - timedelta(days=300))
    child = _entry(2, Fragility.CHILD_UNDER_16, Fragility.PREGNANCY)
    c2s = _entry(3, Fragility.C2S, received_on=DAY + timedelta(days=30))
    proposals = propose([old_plain, child, c2s], [gp])
    assert [(p.entry_id.int - 1000, _gps(p)) for p in proposals] == [(3, [1]), (2, []), (1, [])]


def test_weights() -> None:
    one_aci = _entry(1, Fragility.OVER_70, received_on=DAY + timedelta(days=9))
    all_others = _entry(
        2, Fragility.DISABILITY, Fragility.ISOLATION, Fragility.PREGNANCY, Fragility.CHILD_UNDER_16
    )
    two_aci = _entry(3, Fragility.ALD, Fragility.C2S, received_on=DAY + timedelta(days=20))
    isolated_pregnant = _entry(4, Fragility.ISOLATION, Fragility.PREGNANCY)
    disabled = _entry(5, Fragility.DISABILITY, received_on=DAY - timedelta(days=99))
    nothing_old = _entry(6, received_on=DAY - timedelta(days=999))
    nothing = _entry(7)
    shuffled = [nothing, disabled, one_aci, isolated_pregnant, two_aci, nothing_old, all_others]
    assert sorted(shuffled, key=priority) == [
        two_aci, one_aci, all_others, isolated_pregnant, disabled, nothing_old, nothing
    ]  # fmt: skip


def test_communes_and_radius() -> None:
    entry = _entry(1)
    gps = [
        _gp(1, 1, communes=frozenset({"78002"})),  # near, but not this commune
        _gp(2, 12, communes=frozenset({"78001"}), radius_km=1.0),  # the list wins over the radius
        _gp(3, 4, radius_km=3.9),  # 4 km away: outside
        _gp(4, 4, radius_km=4.1),
        _gp(5, None, radius_km=50.0),  # no practice point: never within a radius
    ]
    (p,) = propose([entry], gps)
    assert _gps(p) == [4, 2]
    # A commune without a point: listed communes and unconstrained GPs only, unknown distance.
    (p,) = propose([_entry(1, latitude=None, longitude=None)], [*gps, _gp(6, 30)])
    assert _gps(p) == [2, 6]  # both unknown, both 10/10: by id


def test_unknown_distance_comes_last() -> None:
    (p,) = propose([_entry(1)], [_gp(1, None), _gp(2, 25, remaining=1), _gp(3, 3)])
    assert _gps(p) == [3, 2, 1]


def test_nobody_eligible_gives_an_empty_proposal() -> None:
    assert propose([_entry(1)], []) == [Proposal(_uuid(1001), ())]
    assert propose([_entry(1)], [_gp(1, 1, remaining=0)]) == [Proposal(_uuid(1001), ())]
    assert propose([], [_gp(1)]) == []


@pytest.mark.parametrize("per_entry", [0, 4, -1])
def test_per_entry_is_one_to_three(per_entry: int) -> None:
    with pytest.raises(ValueError, match="per_entry"):
        propose([_entry(1)], [_gp(1)], per_entry=per_entry)


@pytest.mark.parametrize(
    "bad",
    [
        {"remaining": -1},
        {"capacity": -1, "remaining": 0},
        {"remaining": 11},
        {"ald_room": -1},
        {"radius_km": -2.0},
    ],
)
def test_bad_volunteers_are_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="volunteer"):
        propose([_entry(1)], [replace(_gp(1), **bad)])  # type: ignore[arg-type]


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="same"):
        propose([_entry(1), _entry(1)], [_gp(1)])
    with pytest.raises(ValueError, match="same"):
        propose([_entry(1)], [_gp(1), _gp(1, 3)])
