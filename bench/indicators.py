"""The ACI year report of a size-4 CPTS, on PostgreSQL.

    python -m bench.indicators [--bookings 600000] [--requests 500000] [--gps 300] [--repeat 5]

Loads a year of a large territory with COPY (GPs, their slots, bookings on them, SNP requests
linked to most bookings, teleconsultations and wound referrals), analyzes the tables, then
times what `GET /api/v1/contracts/{year}/report` and its XLSX export compute: every measured
indicator of the year plus the report against a contract, and the weekly series. Baseline in
the same run: one `count(*)` over the bookings and the requests of the year (the floor cost of
reading the data once). Target (the indicators issue): the year report < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
from sqlalchemy import text

from bench.booking import _create_db, _drop_db, _dsn, machine
from coordination.indicators.contract import from_json
from coordination.indicators.measures import measure
from coordination.indicators.period import Period
from coordination.indicators.report import build_report
from coordination.indicators.weekly import weekly
from integrations.reports.exports import report_xlsx
from server.database import Database
from server.demo.loader import read_demo
from server.migrations import upgrade

YEAR = 2026


async def load(url: str, n_bookings: int, n_requests: int, n_gps: int) -> uuid.UUID:
    rnd = random.Random(8)
    conn = await asyncpg.connect(_dsn(url))
    t = uuid.uuid4()
    now = datetime.now(UTC)
    start = datetime(YEAR, 1, 1, 6, tzinfo=UTC)
    try:
        await conn.execute(
            "INSERT INTO territories (id, slug, name, finess, population, timezone, created_at) "
            "VALUES ($1, 'bench', 'CPTS bench', '780000001', 250000, 'Europe/Paris', $2)",
            t,
            now,
        )
        await conn.execute("INSERT INTO event_counters (territory_id, last_seq) VALUES ($1, 0)", t)
        account = uuid.uuid4()
        await conn.execute(
            "INSERT INTO accounts (id, territory_id, email, display_name, created_at) VALUES ($1,$2,'b@b.test','B',$3)",
            account,
            t,
            now,
        )
        gps = [uuid.uuid4() for _ in range(n_gps)]
        nurse = uuid.uuid4()
        await conn.copy_records_to_table(
            "professionals",
            records=[
                (
                    g,
                    t,
                    f"GP{i}",
                    "Bench",
                    f"gp{i}",
                    "physician",
                    "general_practice",
                    f"{10**10 + i}",
                    None,
                    "member",
                    now,
                    now,
                )
                for i, g in enumerate(gps)
            ]
            + [
                (
                    nurse,
                    t,
                    "IDEL",
                    "Bench",
                    "idel",
                    "nurse",
                    None,
                    None,
                    "123456789",
                    "member",
                    now,
                    now,
                )
            ],
            columns=[
                "id",
                "territory_id",
                "family_name",
                "given_name",
                "sort_key",
                "profession",
                "specialty",
                "rpps",
                "adeli",
                "membership",
                "created_at",
                "updated_at",
            ],
        )
        patients = [uuid.uuid4() for _ in range(50_000)]
        await conn.copy_records_to_table(
            "patients",
            records=[(p, t, "P", "B", date(1950, 1, 1), "female", now) for p in patients],
            columns=[
                "id",
                "territory_id",
                "family_name",
                "given_name",
                "birth_date",
                "sex",
                "created_at",
            ],
        )
        per_gp = n_bookings // n_gps + 1
        slots, bookings, requests = [], [], []
        for g in gps:
            at = start
            for _ in range(per_gp):
                at += timedelta(minutes=15 * rnd.choice([1, 1, 2, 3]))
                sid, bid = uuid.uuid4(), uuid.uuid4()
                slots.append(
                    (sid, t, g, at, at + timedelta(minutes=15), "office", 4, "booked", 1, now, now)
                )
                status = rnd.choice(["honoured"] * 7 + ["no_show", "cancelled", "booked"])
                channel = rnd.choice(
                    ["sas_regulator", "sas_regulator", "pharmacist", "nurse", "cpts_line"]
                )
                req = None
                if len(requests) < n_requests and rnd.random() < 0.9:
                    req = uuid.uuid4()
                    received = at - timedelta(hours=rnd.choice([1, 5, 20, 30, 47, 60, 90]))
                    requests.append(
                        (
                            None if status == "cancelled" else at,
                            req,
                            t,
                            channel,
                            received,
                            "r",
                            "within_48h",
                            rnd.choice(patients),
                            account,
                            "booked",
                            received,
                            bid,
                            now,
                        )
                    )
                bookings.append(
                    (
                        bid,
                        t,
                        sid,
                        g,
                        at,
                        at + timedelta(minutes=15),
                        rnd.choice(patients),
                        req,
                        channel,
                        account,
                        False,
                        status,
                        at,
                        account,
                        now,
                    )
                )
                if len(bookings) >= n_bookings:
                    break
            if len(bookings) >= n_bookings:
                break
        while len(requests) < n_requests:  # unmet and redirected ones, booked nowhere
            received = start + timedelta(minutes=rnd.randrange(0, 525_600))
            requests.append(
                (
                    None,
                    uuid.uuid4(),
                    t,
                    "patient",
                    received,
                    "r",
                    "non_urgent",
                    rnd.choice(patients),
                    account,
                    rnd.choice(["unmet", "redirected_pdsa", "redirected_emergency"]),
                    received,
                    None,
                    now,
                )
            )
        await conn.copy_records_to_table(
            "slots",
            records=slots,
            columns=[
                "id",
                "territory_id",
                "professional_id",
                "starts_at",
                "ends_at",
                "modality",
                "visibility",
                "status",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        await conn.copy_records_to_table(
            "snp_requests",
            records=requests,
            columns=[
                "consultation_at",
                "id",
                "territory_id",
                "origin",
                "received_at",
                "reason",
                "urgency",
                "patient_id",
                "recorded_by",
                "outcome",
                "outcome_at",
                "booking_id",
                "created_at",
            ],
        )
        await conn.copy_records_to_table(
            "bookings",
            records=bookings,
            columns=[
                "id",
                "territory_id",
                "slot_id",
                "professional_id",
                "starts_at",
                "ends_at",
                "patient_id",
                "request_id",
                "channel",
                "booked_by",
                "own_patient",
                "status",
                "status_changed_at",
                "status_changed_by",
                "created_at",
            ],
        )
        expert = uuid.uuid4()
        await conn.execute(
            "INSERT INTO network_experts (id, territory_id, professional_id, expertise, weekly_capacity, active, created_at, updated_at) "
            "VALUES ($1,$2,$3,'vascular',50,true,$4,$4)",
            expert,
            t,
            gps[0],
            now,
        )
        referrals = []
        for _ in range(5_000):
            created = start + timedelta(minutes=rnd.randrange(0, 525_000))
            answered = created + timedelta(hours=rnd.choice([4, 20, 40, 70]))
            referrals.append(
                (
                    uuid.uuid4(),
                    t,
                    account,
                    nurse,
                    rnd.choice(patients),
                    created,
                    "routine",
                    "vascular",
                    "q",
                    "completed",
                    expert,
                    created + timedelta(days=2),
                    created,
                    answered,
                    "a",
                    "none",
                    answered,
                    account,
                    created,
                    1,
                )
            )
        await conn.copy_records_to_table(
            "referrals",
            records=referrals,
            columns=[
                "id",
                "territory_id",
                "requester_account_id",
                "requester_professional_id",
                "patient_id",
                "consent_collected_at",
                "priority",
                "expertise",
                "question",
                "status",
                "assigned_expert_id",
                "due_at",
                "accepted_at",
                "answered_at",
                "advice",
                "follow_up",
                "status_changed_at",
                "status_changed_by",
                "created_at",
                "patient_year_count",
            ],
        )
        for table in (
            "slots",
            "bookings",
            "snp_requests",
            "referrals",
            "patients",
            "professionals",
        ):
            await conn.execute(f"ANALYZE {table}")
    finally:
        await conn.close()
    return t


async def timed(db: Database, territory: uuid.UUID, repeat: int) -> dict[str, list[float]]:
    period = Period.year(YEAR, "Europe/Paris")
    contract = from_json(read_demo("sud_yvelines.json")["aci_contract"])
    out: dict[str, list[float]] = {"report": [], "weekly": [], "xlsx": [], "baseline": []}
    for _ in range(repeat):
        async with db.read() as session:
            t0 = time.perf_counter()
            measured = await measure(session, territory, period, db.read)
            report = build_report(YEAR, period, contract, measured)
            out["report"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            series = await weekly(session, territory, period)
            out["weekly"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report_xlsx(report, measured, series)
            out["xlsx"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await session.execute(
                text(
                    "SELECT (SELECT count(*) FROM bookings WHERE territory_id = :t AND starts_at >= :s AND starts_at < :e),"
                    " (SELECT count(*) FROM snp_requests WHERE territory_id = :t AND received_at >= :s AND received_at < :e)"
                ),
                {"t": territory, "s": period.start, "e": period.end},
            )
            out["baseline"].append(time.perf_counter() - t0)
    return out


async def run(args: argparse.Namespace) -> None:
    name = f"cpts_indicators_{secrets.token_hex(3)}"
    url = await _create_db(name)
    try:
        await upgrade(url)
        t0 = time.perf_counter()
        territory = await load(url, args.bookings, args.requests, args.gps)
        load_s = time.perf_counter() - t0
        db = Database(url)
        try:
            await timed(db, territory, 1)  # warm the caches
            results = await timed(db, territory, args.repeat)
            async with db.read() as session:
                counts = (
                    await session.execute(
                        text(
                            "SELECT (SELECT count(*) FROM bookings), (SELECT count(*) FROM snp_requests), (SELECT count(*) FROM slots)"
                        )
                    )
                ).one()
        finally:
            await db.dispose()
    finally:
        await _drop_db(name)
    print(f"\nmachine: {machine()}")
    print(
        f"data: one territory, {args.gps} GPs, {counts[0]:,} bookings, {counts[1]:,} requests, "
        f"{counts[2]:,} slots, 5,000 referrals over {YEAR} (loaded in {load_s:.0f} s); {args.repeat} runs"
    )
    print("target: the year report < 1 s; baseline: count(*) of the year's bookings and requests\n")
    header = f"{'measure':<48}{'median ms':>11}{'max ms':>10}"
    print(header)
    print("-" * len(header))
    labels = {
        "report": "year report: every indicator + contract",
        "weekly": "weekly series of the year (53 weeks)",
        "xlsx": "XLSX export of report, indicators, series",
        "baseline": "baseline: count(*) bookings + requests",
    }
    for key, label in labels.items():
        values = results[key]
        print(f"{label:<48}{statistics.median(values) * 1000:>11.0f}{max(values) * 1000:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=600_000)
    parser.add_argument("--requests", type=int, default=500_000)
    parser.add_argument("--gps", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
