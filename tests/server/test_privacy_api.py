"""Data protection for the coordinators: the audit log of patient reads, a patient's data on
request, and the retention job that purges identities after the delay."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import select

from kernel.clock import FrozenClock
from kernel.events import Event
from server.jobs import purge_expired_identities
from server.state import AppServices
from tests.conftest import login
from tests.server.scheduling_helpers import fresh_start, gp_session, publish_slot


def _patient() -> dict[str, Any]:
    return {
        "family_name": f"Privé-{uuid.uuid4().hex[:8]}",
        "given_name": "Agathe",
        "birth_date": "1950-07-14",
        "sex": "female",
        "phone": "+33 6 00 00 00 01",
        "nir": None,
    }


async def _request(client: httpx.AsyncClient, patient: dict[str, Any]) -> dict[str, Any]:
    regulator = await login(client, "regulator@sud-yvelines.test")
    body = {"origin": "sas_regulator", "reason": "Fièvre", "patient": patient}
    response = await client.post("/api/v1/requests", headers=regulator, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _patient_id(client: httpx.AsyncClient, patient: dict[str, Any]) -> str:
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    found = await client.get(
        "/api/v1/patients",
        headers=coordinator,
        params={"family_name": patient["family_name"], "birth_date": patient["birth_date"]},
    )
    assert found.status_code == 200, found.text
    (match,) = found.json()
    return str(match["id"])


async def test_audit_log_shows_who_read_a_patient(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    patient = _patient()
    request = await _request(client, patient)
    regulator = await login(client, "regulator@sud-yvelines.test")
    assert (
        await client.get(f"/api/v1/requests/{request['id']}", headers=regulator)
    ).status_code == 200
    gp, _ = await gp_session(client, 4)
    slot = await publish_slot(client, gp, fresh_start(clock))
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot["id"], "request_id": request["id"], "channel": "sas_regulator"},
    )
    assert booked.status_code == 201, booked.text
    assert (await client.get("/api/v1/bookings", headers=gp)).status_code == 200

    coordinator = await login(client, "coordinator@sud-yvelines.test")
    patient_id = await _patient_id(client, patient)
    log = await client.get(
        "/api/v1/audit/reads", headers=coordinator, params={"patient_id": patient_id}
    )
    assert log.status_code == 200, log.text
    readers = {e["account_email"] for e in log.json()["items"]}
    assert {"regulator@sud-yvelines.test", "gp4@sud-yvelines.test"} <= readers
    assert all(e["patient_id"] == patient_id for e in log.json()["items"])
    assert patient["family_name"] not in log.text, "the log names readers, not patients"

    paged = await client.get(
        "/api/v1/audit/reads",
        headers=coordinator,
        params={"patient_id": patient_id, "limit": 1},
    )
    first = paged.json()
    assert len(first["items"]) == 1 and first["next"]
    second = await client.get(
        "/api/v1/audit/reads",
        headers=coordinator,
        params={"patient_id": patient_id, "limit": 1, "cursor": first["next"]},
    )
    assert second.json()["items"][0]["id"] != first["items"][0]["id"]

    exported = await client.get(
        "/api/v1/audit/reads.csv", headers=coordinator, params={"patient_id": patient_id}
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    # The shared CSV writer: BOM, `;`, what a French Excel opens.
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == len(log.json()["items"])
    assert {r["account_email"] for r in rows} == readers

    assert (await client.get("/api/v1/audit/reads", headers=gp)).status_code == 403
    bad = await client.get(
        "/api/v1/audit/reads", headers=coordinator, params={"cursor": "not-a-cursor"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_patient_data_export(client: httpx.AsyncClient) -> None:
    patient = _patient()
    await _request(client, patient)
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    found = await client.get(
        "/api/v1/patients",
        headers=coordinator,
        params={"family_name": patient["family_name"].upper(), "birth_date": "1950-07-14"},
    )
    assert found.status_code == 200, found.text
    (match,) = found.json()
    patient_id = match["id"]
    assert match["given_name"] == "Agathe" and not match["purged"]
    archive = await client.get(f"/api/v1/patients/{patient_id}/export", headers=coordinator)
    assert archive.status_code == 200, archive.text
    assert archive.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zf:
        document = json.loads(zf.read("patient.json"))
    assert document["patient"]["family_name"] == patient["family_name"]
    assert [r["reason"] for r in document["requests"]] == ["Fièvre"]
    assert {"bookings", "teleconsultations", "referrals", "assessments", "reads"} <= set(document)
    assert "territory_id" not in document["patient"]
    log = await client.get(
        "/api/v1/audit/reads",
        headers=coordinator,
        params={"patient_id": patient_id},
    )
    purposes = {e["purpose"] for e in log.json()["items"]}
    assert {"patient search", "patient data export"} <= purposes, "the export is audited too"
    regulator = await login(client, "regulator@sud-yvelines.test")
    assert (
        await client.get(f"/api/v1/patients/{patient_id}/export", headers=regulator)
    ).status_code == 403
    missing = await client.get(f"/api/v1/patients/{uuid.uuid4()}/export", headers=coordinator)
    assert missing.status_code == 404


async def test_retention_purges_idle_identities_only(
    client: httpx.AsyncClient, clock: FrozenClock, app: Litestar
) -> None:
    services = AppServices.of(app)
    old_patient = _patient()
    old = await _request(client, old_patient)
    old_id = await _patient_id(client, old_patient)
    clock.advance(timedelta(days=30 * 20))
    recent_patient = _patient()
    recent = await _request(client, recent_patient)
    clock.advance(timedelta(days=30 * 5))  # old: 25 months idle; recent: 5 months
    assert await purge_expired_identities(services) >= 1
    regulator = await login(client, "regulator@sud-yvelines.test")
    gone = (await client.get(f"/api/v1/requests/{old['id']}", headers=regulator)).json()
    assert gone["patient"]["family_name"] == "ANONYMISÉ"
    assert gone["patient"]["birth_date"] == "1950-01-01", "the birth year stays, for age bands"
    assert gone["patient"].get("phone") is None
    assert gone["reason"] == "Fièvre", "the care record stays"
    kept = (await client.get(f"/api/v1/requests/{recent['id']}", headers=regulator)).json()
    assert kept["patient"]["family_name"] == recent_patient["family_name"]
    async with services.db.read() as session:
        events = list(
            await session.scalars(
                select(Event).where(
                    Event.type == "patient.purged",
                    Event.subject_id == uuid.UUID(old_id),
                )
            )
        )
    assert len(events) == 1 and set(events[0].payload) == {"patient_id"}
    assert await purge_expired_identities(services) == 0, "a purge is done once"


async def test_retention_delay_is_set_per_territory(
    client: httpx.AsyncClient, clock: FrozenClock, app: Litestar
) -> None:
    admin = await login(client, "admin@sud-yvelines.test")
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    assert (await client.get("/api/v1/privacy/settings", headers=coordinator)).json()[
        "effective_months"
    ] == 24
    refused = await client.put(
        "/api/v1/privacy/settings", headers=coordinator, json={"patient_retention_months": 6}
    )
    assert refused.status_code == 403
    bad = await client.put(
        "/api/v1/privacy/settings", headers=admin, json={"patient_retention_months": 0}
    )
    assert bad.status_code == 400 or bad.status_code == 422
    assert "patient_retention_months" in bad.text
    changed = await client.put(
        "/api/v1/privacy/settings", headers=admin, json={"patient_retention_months": 6}
    )
    assert changed.status_code == 200 and changed.json()["effective_months"] == 6
    request = await _request(client, _patient())
    clock.advance(timedelta(days=200))
    await purge_expired_identities(AppServices.of(app))
    regulator = await login(client, "regulator@sud-yvelines.test")
    purged = (await client.get(f"/api/v1/requests/{request['id']}", headers=regulator)).json()
    assert purged["patient"]["family_name"] == "ANONYMISÉ"
