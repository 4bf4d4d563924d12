"""Indicators, the ACI contract and its report through the HTTP API, on both databases."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from openpyxl import load_workbook

from kernel.clock import FrozenClock
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT, fresh_start, gp_session, publish_slot

REQUIRED = {
    "snp.requests_received",
    "snp.requests_met",
    "snp.requests_met_within_48h",
    "snp.slots_offered",
    "snp.bookings_honoured",
    "snp.bookings_no_show",
    "snp.participating_gps",
    "tele.completed",
    "referrals.received",
    "referrals.answered_within_deadline",
}


def values(body: dict[str, Any]) -> dict[str, Any]:
    return {i["key"]: i["value"] for i in body["indicators"]}


async def test_indicators_answer_every_contract_key_and_move_with_a_booking(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    staff = await login(client, "coordinator@sud-yvelines.test")
    today = clock.now().astimezone(ZoneInfo("Europe/Paris")).date()  # the territory's day
    params = {"from": f"{today.year}-01-01", "to": today.isoformat()}
    before = await client.get("/api/v1/indicators", headers=staff, params=params)
    assert before.status_code == 200, before.text
    body = before.json()
    assert body["period"] == {
        "from": params["from"],
        "to": params["to"],
        "timezone": "Europe/Paris",
        "days": body["period"]["days"],
    }
    assert set(values(body)) >= REQUIRED
    for item in body["indicators"]:
        assert (
            item["label"] and item["definition"] and item["unit"] in ("count", "hours", "percent")
        )

    gp, _ = await gp_session(client, 2)
    slot = await publish_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    request = await client.post(
        "/api/v1/requests",
        headers=regulator,
        json={"origin": "sas_regulator", "reason": "Angine fébrile", "patient": PATIENT},
    )
    assert request.status_code == 201
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={
            "slot_id": slot["id"],
            "request_id": request.json()["id"],
            "channel": "sas_regulator",
            "patient": PATIENT,
        },
    )
    assert booked.status_code == 201
    after = values((await client.get("/api/v1/indicators", headers=staff, params=params)).json())
    was = values(body)
    assert after["snp.requests_received"] == was["snp.requests_received"] + 1
    assert after["snp.requests_met"] == was["snp.requests_met"] + 1
    cancelled = await client.post(
        f"/api/v1/bookings/{booked.json()['id']}/cancel", json={}, headers=regulator
    )
    assert cancelled.status_code == 200
    later = values((await client.get("/api/v1/indicators", headers=staff, params=params)).json())
    assert later["snp.requests_met"] == was["snp.requests_met"], "a cancelled booking meets nothing"
    assert later["snp.requests_received"] == after["snp.requests_received"]
    reopened = (
        await client.get(f"/api/v1/requests/{request.json()['id']}", headers=regulator)
    ).json()
    assert reopened["outcome"] is None, "the request is open again, to be booked anew"


async def test_indicators_are_for_staff_and_check_their_period(client: httpx.AsyncClient) -> None:
    gp, _ = await gp_session(client, 3)
    assert (await client.get("/api/v1/indicators", headers=gp)).status_code == 403
    staff = await login(client, "coordinator@sud-yvelines.test")
    backwards = await client.get(
        "/api/v1/indicators", headers=staff, params={"from": "2026-05-01", "to": "2026-04-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"
    absurd = await client.get(
        "/api/v1/indicators", headers=staff, params={"from": "2016-01-01", "to": "2026-01-01"}
    )
    assert absurd.status_code == 422
    garbage = await client.get("/api/v1/indicators", headers=staff, params={"from": "hier"})
    assert garbage.status_code in (400, 422) and garbage.json()["field"] == "from"


async def test_exports_open_in_a_spreadsheet(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    staff = await login(client, "coordinator@sud-yvelines.test")
    year = clock.now().year
    params = {
        "from": f"{year}-01-01",
        "to": clock.now().astimezone(ZoneInfo("Europe/Paris")).date().isoformat(),
    }
    as_csv = await client.get(
        "/api/v1/indicators", headers=staff, params=params | {"format": "csv"}
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Mission", "Clé", "Indicateur", "Valeur", "Unité", "Définition"]
    assert {r[1] for r in rows[1:]} >= REQUIRED

    as_xlsx = await client.get(
        "/api/v1/indicators", headers=staff, params=params | {"format": "xlsx"}
    )
    book = load_workbook(io.BytesIO(as_xlsx.content), read_only=True)
    assert {"Accès aux soins", "Parcours pluriprofessionnels", "Séries hebdomadaires"} <= set(
        book.sheetnames
    )
    weekly = list(book["Séries hebdomadaires"].iter_rows(values_only=True))
    assert weekly[0][0] == "Semaine du" and len(weekly) > 1

    report = await client.get(
        f"/api/v1/contracts/{year}/report", headers=staff, params={"format": "xlsx"}
    )
    sheets = load_workbook(io.BytesIO(report.content), read_only=True).sheetnames
    assert sheets[0] == "Synthèse" and "Prévention" in sheets
    printable = await client.get(
        f"/api/v1/contracts/{year}/report", headers=staff, params={"format": "html"}
    )
    assert printable.status_code == 200 and "rapport ACI" in printable.text
    assert printable.headers["content-type"].startswith("text/html")
    # It names the CPTS, and the year's total stands apart from the variable part projected.
    assert "<h1>CPTS Sud Yvelines – rapport ACI" in printable.text
    assert "Versement projeté de l&#39;année" in printable.text or (
        "Versement projeté de l'année" in printable.text
    )


async def test_contract_as_data_and_its_projected_payment(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    staff = await login(client, "coordinator@sud-yvelines.test")
    year = clock.now().year
    contract = (await client.get(f"/api/v1/contracts/{year}", headers=staff)).json()
    assert contract["version"] >= 1 and {m["mission"] for m in contract["missions"]} >= {
        "access",
        "pathways",
    }
    report = (await client.get(f"/api/v1/contracts/{year}/report", headers=staff)).json()
    lines = {i["key"]: i for m in report["missions"] for i in m["indicators"]}
    ald = lines["ald_without_mt"]  # entered by hand: 80, at most; steps 50 / 100 / 219
    assert ald["source"] == "manual" and ald["value"] == 80 and ald["step_reached"] == 2
    assert ald["payment_eur"] == 6000
    screening = lines["screening"]  # 62 %, at least; steps 50 / 60 / 70
    assert screening["step_reached"] == 2 and screening["payment_eur"] == 2500
    for m in report["missions"]:
        assert m["projected_variable_eur"] == min(
            m["variable_eur"], sum(i["payment_eur"] for i in m["indicators"])
        )
    assert (
        report["projected_total_eur"]
        == report["operating_eur"] + report["fixed_eur"] + report["projected_variable_eur"]
    )

    edited = dict(contract)
    edited.pop("year"), edited.pop("updated_at")
    for mission in edited["missions"]:
        for indicator in mission["indicators"]:
            if indicator["key"] == "ald_without_mt":
                indicator["manual_value"] = 40  # the CPAM's count, dated
                indicator["manual_as_of"] = f"{year}-03-31"
    saved = await client.put(f"/api/v1/contracts/{year}", headers=staff, json=edited)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == contract["version"] + 1
    kept = {i["key"]: i for m in saved.json()["missions"] for i in m["indicators"]}
    assert kept["ald_without_mt"]["manual_as_of"] == f"{year}-03-31"
    stale = await client.put(f"/api/v1/contracts/{year}", headers=staff, json=edited)
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    again = (await client.get(f"/api/v1/contracts/{year}/report", headers=staff)).json()
    ald = {i["key"]: i for m in again["missions"] for i in m["indicators"]}["ald_without_mt"]
    assert ald["step_reached"] == 1 and ald["payment_eur"] == 9000
    assert ald["as_of"] == f"{year}-03-31"

    # A label that a spreadsheet would run as a formula stays text in the exports.
    trap = edited | {"version": saved.json()["version"]}
    trap["missions"][0]["indicators"][0]["label"] = '=HYPERLINK("http://evil.example","x")'
    assert (
        await client.put(f"/api/v1/contracts/{year}", headers=staff, json=trap)
    ).status_code == 200
    saved = await client.get(f"/api/v1/contracts/{year}", headers=staff)
    xlsx = await client.get(
        f"/api/v1/contracts/{year}/report", headers=staff, params={"format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content))["Accès aux soins"]
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    as_csv = await client.get(
        f"/api/v1/contracts/{year}/report", headers=staff, params={"format": "csv"}
    )
    assert "'=HYPERLINK" in as_csv.content.decode("utf-8-sig")

    broken = edited | {"version": saved.json()["version"]}
    broken["missions"][0]["indicators"][0]["measure"] = "snp.nonexistent"
    refused = await client.put(f"/api/v1/contracts/{year}", headers=staff, json=broken)
    assert (
        refused.status_code == 422
        and refused.json()["field"] == "missions[0].indicators[0].measure"
    )
    assert (await client.get(f"/api/v1/contracts/{year - 5}", headers=staff)).status_code == 404
    gp, _ = await gp_session(client, 4)
    assert (await client.get(f"/api/v1/contracts/{year}", headers=gp)).status_code == 403
