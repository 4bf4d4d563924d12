"""Indicators of a hand-built data set, on both databases, against values computed here
independently (plain Python over the same list of facts, not the SQL under test)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from coordination.accounts.account import Account
from coordination.directory.commune import Commune
from coordination.directory.membership import Membership
from coordination.directory.professional import PracticeLocation, Profession, Professional
from coordination.directory.territory import Territory
from coordination.indicators.measures import measure
from coordination.indicators.period import Period
from coordination.indicators.weekly import weekly
from coordination.referrals.assessment import WoundAssessment
from coordination.referrals.models.expert import Expert
from coordination.referrals.models.referral import Referral
from kernel.clock import FrozenClock
from scheduling.models.booking import Booking
from scheduling.models.slot import Slot
from scheduling.models.snp_request import SnpRequest
from scheduling.models.teleconsultation import Teleconsultation
from scheduling.patient import Patient
from server.database import Database

PARIS = ZoneInfo("Europe/Paris")
FIRST, LAST = date(2026, 3, 2), date(2026, 4, 12)  # six local weeks, across the 29 March DST change


def local(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def in_period(instant: datetime) -> bool:
    day = instant.astimezone(PARIS).date()
    return FIRST <= day <= LAST


def nearest_rank(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[-(-len(ordered) * q // 100) - 1]


@dataclass
class Facts:
    slots: list[dict]
    bookings: list[dict]
    requests: list[dict]
    teles: list[dict]
    referrals: list[dict]
    gps: dict[uuid.UUID, str]


async def build(db: Database, territory: Territory, clock: FrozenClock) -> Facts:
    rnd = random.Random(20260302)
    now = clock.now()
    t = territory.id
    commune = {
        "id": uuid.uuid4(),
        "territory_id": t,
        "insee": "78517",
        "name": "Rambouillet",
        "postal_code": "78120",
    }
    pros = []
    for i in range(4):
        pros.append(
            {
                "id": uuid.uuid4(),
                "territory_id": t,
                "family_name": f"Médecin{i}",
                "given_name": "Test",
                "sort_key": f"medecin{i}",
                "profession": Profession.PHYSICIAN,
                "specialty": "general_practice" if i < 3 else "dermatology",
                "rpps": f"{rnd.randrange(10**10, 10**11)}",
                "membership": Membership.MEMBER if i != 2 else Membership.NONE,
                "created_at": now,
                "updated_at": now,
            }
        )
    nurse = {
        "id": uuid.uuid4(),
        "territory_id": t,
        "family_name": "Infirmière",
        "given_name": "Ida",
        "sort_key": "infirmiere",
        "adeli": f"{rnd.randrange(10**8, 10**9)}",
        "profession": Profession.NURSE,
        "membership": Membership.MEMBER,
        "created_at": now,
        "updated_at": now,
    }
    locations = [
        {
            "id": uuid.uuid4(),
            "territory_id": t,
            "professional_id": p["id"],
            "label": "Cabinet",
            "address": "1 rue",
            "commune_id": commune["id"],
        }
        for p in [*pros, nurse]
    ]
    account = {
        "id": uuid.uuid4(),
        "territory_id": t,
        "email": f"{uuid.uuid4().hex}@t.test",
        "display_name": "Régulateur",
        "created_at": now,
    }
    nurse_account = {
        "id": uuid.uuid4(),
        "territory_id": t,
        "email": f"{uuid.uuid4().hex}@t.test",
        "display_name": "IDEL",
        "professional_id": nurse["id"],
        "created_at": now,
    }
    patient = {
        "id": uuid.uuid4(),
        "territory_id": t,
        "family_name": "X",
        "given_name": "Y",
        "birth_date": date(1950, 1, 1),
        "sex": "female",
        "created_at": now,
    }

    slots, bookings, requests, teles, referrals, assessments = [], [], [], [], [], []
    gps = [p for p in pros[:3]]
    # Slots from a week before to a week after the period: the edges must not count.
    day = FIRST - timedelta(days=7)
    while day <= LAST + timedelta(days=7):
        for gp_index, gp in enumerate([*gps, pros[3]]):
            for k in range(rnd.choice([0, 2, 4, 6])):
                start = local(day, 8 + gp_index * 2, 0) + timedelta(minutes=20 * k)
                status = rnd.choice(
                    ["free", "free", "booked", "booked", "cancelled", "blocked", "held"]
                )
                slot = {
                    "id": uuid.uuid4(),
                    "territory_id": t,
                    "professional_id": gp["id"],
                    "starts_at": start,
                    "ends_at": start + timedelta(minutes=rnd.choice([15, 20])),
                    "modality": "office",
                    "visibility": 4,
                    "status": status,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                if status == "held":
                    slot |= {"hold_id": uuid.uuid4(), "held_until": now}
                slots.append(slot)
        day += timedelta(days=1)
    booked_slots = [s for s in slots if s["status"] == "booked"]
    rnd.shuffle(booked_slots)
    # Requests: received across the period and its edges; two thirds end booked.
    for i, slot in enumerate(booked_slots):
        status = rnd.choice(["booked", "honoured", "honoured", "no_show", "cancelled"])
        channel = rnd.choice(["sas_regulator", "sas_regulator", "pharmacist", "nurse"])
        booking = {
            "id": uuid.uuid4(),
            "territory_id": t,
            "slot_id": slot["id"],
            "professional_id": slot["professional_id"],
            "starts_at": slot["starts_at"],
            "ends_at": slot["ends_at"],
            "patient_id": patient["id"],
            "channel": channel,
            "booked_by": account["id"],
            "own_patient": rnd.random() < 0.1,
            "status": status,
            "status_changed_at": now,
            "status_changed_by": account["id"],
            "created_at": now,
        }
        if i % 3 != 2:
            received = slot["starts_at"] - timedelta(
                hours=rnd.choice([2, 10, 23, 25, 40, 47, 50, 70])
            )
            request = {
                "id": uuid.uuid4(),
                "territory_id": t,
                "origin": channel,
                "received_at": received,
                "reason": "r",
                "urgency": "within_48h",
                "patient_id": patient["id"],
                "recorded_by": account["id"],
                "outcome": "booked",
                "outcome_at": received,
                "booking_id": booking["id"],
                "created_at": now,
            }
            booking["request_id"] = request["id"]
            if status != "cancelled":  # what the booking path records on the request
                request["consultation_at"] = slot["starts_at"]
            requests.append(request)
        bookings.append(booking)
    for i in range(40):
        received = local(FIRST - timedelta(days=3) + timedelta(days=i), 9)
        outcome = rnd.choice(
            [None, "unmet", "redirected_emergency", "redirected_pdsa", "cancelled"]
        )
        requests.append(
            {
                "id": uuid.uuid4(),
                "territory_id": t,
                "origin": rnd.choice(["patient", "cpts_line"]),
                "received_at": received,
                "reason": "r",
                "urgency": "non_urgent",
                "patient_id": patient["id"],
                "recorded_by": account["id"],
                "outcome": outcome,
                "outcome_at": received if outcome else None,
                "consultation_at": None,
                "created_at": now,
            }
        )
    # Teleconsultations on free video slots of GP 0, assisted by the nurse.
    for i in range(14):
        start = local(FIRST + timedelta(days=3 * i - 4), 19)
        slot = {
            "id": uuid.uuid4(),
            "territory_id": t,
            "professional_id": gps[0]["id"],
            "starts_at": start,
            "ends_at": start + timedelta(minutes=20),
            "modality": "video",
            "visibility": 2,
            "assisted": True,
            "status": "booked",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        slots.append(slot)
        setting, act = rnd.choice(
            [("home", "TLD"), ("dedicated_place", "TLL"), ("nursing_visit", "TLS")]
        )
        status = rnd.choice(["booked", "completed", "completed", "no_show", "cancelled"])
        booking = {
            "id": uuid.uuid4(),
            "territory_id": t,
            "slot_id": slot["id"],
            "professional_id": gps[0]["id"],
            "starts_at": start,
            "ends_at": slot["ends_at"],
            "patient_id": patient["id"],
            "channel": "nurse",
            "booked_by": nurse_account["id"],
            "own_patient": False,
            "status": {"completed": "honoured"}.get(
                status, "booked" if status != "cancelled" else "cancelled"
            ),
            "status_changed_at": now,
            "status_changed_by": nurse_account["id"],
            "created_at": now,
        }
        bookings.append(booking)
        tele = {
            "id": uuid.uuid4(),
            "territory_id": t,
            "booking_id": booking["id"],
            "slot_id": slot["id"],
            "gp_professional_id": gps[0]["id"],
            "nurse_professional_id": nurse["id"],
            "nurse_account_id": nurse_account["id"],
            "patient_id": patient["id"],
            "starts_at": start,
            "ends_at": slot["ends_at"],
            "setting": setting,
            "act_code": act,
            "consent_collected_at": now,
            "reason": "r",
            "video_url": "https://meet.example/x",
            "status": status,
            "status_changed_at": now,
            "status_changed_by": nurse_account["id"],
            "created_at": now,
        }
        if status in ("completed",):
            tele |= {"started_at": start, "completed_at": start, "outcome": "advice"}
        if status == "no_show":
            tele |= {"started_at": start}
        teles.append(tele)
    expert = {
        "id": uuid.uuid4(),
        "territory_id": t,
        "professional_id": pros[3]["id"],
        "expertise": "dermatology",
        "weekly_capacity": 10,
        "created_at": now,
        "updated_at": now,
    }
    # Referrals created across the period, answered or not, some late.
    for i in range(25):
        created = local(FIRST - timedelta(days=2) + timedelta(days=2 * i), 11)
        due = created + timedelta(days=2)
        answered = (
            None if i % 5 == 4 else created + timedelta(hours=rnd.choice([5, 20, 47, 60, 80]))
        )
        ref = {
            "id": uuid.uuid4(),
            "territory_id": t,
            "requester_account_id": nurse_account["id"],
            "requester_professional_id": nurse["id"],
            "patient_id": patient["id"],
            "consent_collected_at": now,
            "priority": "routine",
            "expertise": rnd.choice(["vascular", "dermatology"]),
            "question": "q",
            "status": "completed" if answered else "requested",
            "due_at": due,
            "answered_at": answered,
            "follow_up": rnd.choice(["none", "assisted_teleconsultation"]) if answered else None,
            "status_changed_at": now,
            "status_changed_by": nurse_account["id"],
            "created_at": created,
        }
        if answered:
            ref |= {"advice": "a", "accepted_at": created, "assigned_expert_id": expert["id"]}
            if ref["follow_up"] == "assisted_teleconsultation" and i % 2 == 0:
                ref["follow_up_teleconsultation_id"] = teles[i % len(teles)]["id"]
        referrals.append(ref)
        assessments.append(
            {
                "id": uuid.uuid4(),
                "referral_id": ref["id"],
                "seq": 1,
                "assessed_at": created,
                "assessed_by": nurse_account["id"],
                "wound_type": rnd.choice(["venous_ulcer", "diabetic_foot"]),
                "body_site": "jambe",
                "length_cm": 2.0,
                "width_cm": 1.0,
                "depth_cm": 0.1,
                "area_cm2": 2.0,
                "age_weeks": 8,
                "chronic": True,
                "bed_black": 0,
                "bed_yellow": 50,
                "bed_red": 50,
                "bed_pink": 0,
                "exudate": "low",
                "infection_signs": [],
                "pain": 3,
            }
        )
    async with db.write() as session:
        await session.execute(insert(Commune), [commune])
        await session.execute(insert(Professional), [*pros, nurse])
        await session.execute(insert(PracticeLocation), locations)
        await session.execute(insert(Account), [account, nurse_account])
        await session.execute(insert(Patient), [patient])
        await session.execute(insert(Slot), slots)
        await session.execute(insert(SnpRequest), requests)
        await session.execute(insert(Booking), bookings)
        await session.execute(insert(Teleconsultation), teles)
        await session.execute(insert(Expert), [expert])
        await session.execute(insert(Referral), referrals)
        await session.execute(insert(WoundAssessment), assessments)
    names = {gp["id"]: f"Dr {gp['given_name']} {gp['family_name']}" for gp in gps}
    return Facts(slots, bookings, requests, teles, referrals, names)


async def test_indicators_match_an_independent_count(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    facts = await build(database, territory, clock)
    period = Period.of(FIRST, LAST, "Europe/Paris")
    async with database.read() as session:
        got = {k: m.value for k, m in (await measure(session, territory.id, period)).items()}
        breakdown = {
            k: m.breakdown for k, m in (await measure(session, territory.id, period)).items()
        }

    gp_ids = set(facts.gps)
    offered = [
        s
        for s in facts.slots
        if s["professional_id"] in gp_ids
        and in_period(s["starts_at"])
        and s["status"] in ("free", "held", "booked")
    ]
    seconds_by_gp: dict[uuid.UUID, float] = {}
    for s in offered:
        seconds_by_gp[s["professional_id"]] = (
            seconds_by_gp.get(s["professional_id"], 0)
            + (s["ends_at"] - s["starts_at"]).total_seconds()
        )
    weeks = ((LAST - FIRST).days + 1) / 7  # calendar weeks, though one hour short (DST)
    per_week = {g: sec / 3600 / weeks for g, sec in seconds_by_gp.items()}
    assert got["snp.slots_offered"] == len(offered)
    assert got["snp.slot_hours_offered"] == round(sum(seconds_by_gp.values()) / 3600, 2)
    assert got["snp.participating_gps"] == len(seconds_by_gp)
    assert got["snp.gps_meeting_2h_rule"] == sum(1 for h in per_week.values() if h >= 2)
    assert breakdown["snp.gps_meeting_2h_rule"]["hours_per_week_by_gp"] == {
        facts.gps[g]: round(h, 2)
        for g, h in sorted(per_week.items(), key=lambda x: facts.gps[x[0]])
    }

    bookings = {b["id"]: b for b in facts.bookings}
    received = [r for r in facts.requests if in_period(r["received_at"])]
    met = [
        r
        for r in received
        if r["outcome"] == "booked" and bookings[r["booking_id"]]["status"] != "cancelled"
    ]
    delays = [
        (bookings[r["booking_id"]]["starts_at"] - r["received_at"]).total_seconds() for r in met
    ]
    assert got["snp.requests_received"] == len(received)
    assert got["snp.requests_met"] == len(met)
    assert got["snp.requests_met_within_24h"] == sum(1 for d in delays if d <= 86400)
    within48 = sum(1 for d in delays if d <= 2 * 86400)
    assert got["snp.requests_met_within_48h"] == within48
    assert got["snp.requests_met_within_48h_share"] == round(100 * within48 / len(received), 1)
    assert got["snp.requests_unmet"] == sum(1 for r in received if r["outcome"] == "unmet")
    assert got["snp.requests_redirected"] == sum(
        1 for r in received if (r["outcome"] or "").startswith("redirected")
    )
    assert got["snp.delay_median_hours"] == round(nearest_rank(delays, 50) / 3600, 2)
    assert got["snp.delay_p90_hours"] == round(nearest_rank(delays, 90) / 3600, 2)
    by_origin = {
        o: sum(1 for r in received if r["origin"] == o)
        for o in (
            "sas_regulator",
            "pharmacist",
            "nurse",
            "other_professional",
            "cpts_line",
            "patient",
        )
    }
    assert breakdown["snp.requests_received"]["by_origin"] == by_origin

    in_p = [b for b in facts.bookings if in_period(b["starts_at"])]
    for status, key in (
        ("honoured", "snp.bookings_honoured"),
        ("no_show", "snp.bookings_no_show"),
        ("cancelled", "snp.bookings_cancelled"),
    ):
        assert got[key] == sum(1 for b in in_p if b["status"] == status and not b["own_patient"]), (
            key
        )
    sas = [
        b
        for b in in_p
        # As the published definition says, and as the 20-a-week warning counts: not cancelled.
        if b["channel"] == "sas_regulator" and not b["own_patient"] and b["status"] != "cancelled"
    ]
    per_week: dict[tuple, int] = {}
    for b in sas:
        d = b["starts_at"].astimezone(PARIS).date()
        key = (b["professional_id"], d - timedelta(days=d.weekday()))
        per_week[key] = per_week.get(key, 0) + 1
    assert got["snp.sas_consultations"] == len(sas)
    assert got["snp.sas_max_per_gp_week"] == max(per_week.values())
    assert got["snp.sas_gp_weeks_over_cap"] == sum(1 for v in per_week.values() if v > 20)

    teles = [x for x in facts.teles if in_period(x["starts_at"])]
    live = [x for x in teles if x["status"] != "cancelled"]
    assert got["tele.booked"] == len(live)
    for act in ("TLD", "TLL", "TLS"):
        assert got[f"tele.{act.lower()}"] == sum(
            1 for x in teles if x["act_code"] == act and x["status"] == "completed"
        )
    assert got["tele.completed"] == sum(1 for x in teles if x["status"] == "completed")
    assert got["tele.no_show"] == sum(1 for x in teles if x["status"] == "no_show")

    refs = [r for r in facts.referrals if in_period(r["created_at"])]
    answered = [r for r in refs if r["answered_at"]]
    in_time = [r for r in answered if r["answered_at"] <= r["due_at"]]
    assert got["referrals.received"] == len(refs)
    assert got["referrals.answered"] == len(answered)
    assert got["referrals.answered_within_deadline"] == len(in_time)
    # As the published definition says: over the referrals received.
    assert got["referrals.answered_within_deadline_share"] == round(
        100 * len(in_time) / len(refs), 1
    )
    response = [(r["answered_at"] - r["created_at"]).total_seconds() for r in answered]
    assert got["referrals.median_response_hours"] == round(nearest_rank(response, 50) / 3600, 2)
    tele_status = {x["id"]: x["status"] for x in facts.teles}
    assert got["referrals.follow_up_teleconsultations"] == sum(
        1
        for r in refs
        if r.get("follow_up_teleconsultation_id")
        and tele_status[r["follow_up_teleconsultation_id"]] != "cancelled"
    )
    assert got["directory.members"] == 4  # three of the four physicians, and the nurse
    assert breakdown["directory.members"]["by_commune"] == {"Rambouillet": 4}

    async with database.read() as session:
        series = await weekly(session, territory.id, period)
    assert len(series.weeks) == 6 and series.weeks[0] == FIRST
    assert sum(series.series["snp.requests_received"]) == len(received)
    assert sum(series.series["snp.slots_offered"]) == len(offered)
    assert sum(series.series["snp.requests_met_within_48h"]) == within48
    monday_after_dst = date(2026, 3, 30)
    expected_week = sum(
        1
        for r in received
        if monday_after_dst
        <= r["received_at"].astimezone(PARIS).date()
        < monday_after_dst + timedelta(days=7)
    )
    assert series.series["snp.requests_received"][4] == expected_week


async def test_a_day_belongs_to_the_territory_s_calendar(
    database: Database, territory: Territory, clock: FrozenClock
) -> None:
    """A request at 23:30 on 31 December in Réunion (19:30 UTC) counts in that year."""
    facts = await build(database, territory, clock)
    del facts
    reunion = Period.year(2026, "Indian/Reunion")
    assert reunion.start == datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    assert reunion.end == datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    weeks = Period.of(date(2026, 3, 23), date(2026, 4, 5), "Europe/Paris").weeks()
    assert [w.start for w in weeks] == [
        datetime(2026, 3, 22, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
    ]
