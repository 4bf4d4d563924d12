"""SMART Scheduling Links publication, read as an open client would (no credentials)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

from kernel.clock import FrozenClock
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT, gp_session
from tests.server.test_fhir_api import free_time

BOOKING_PHONE = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone"
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
VALIDATORS = {"Location": Location, "Schedule": Schedule, "Slot": Slot}


async def test_manifest_and_files_publish_free_and_busy_public_slots(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    gp, _ = await gp_session(client, 6)
    free = await free_time(client, gp, clock)
    assert "pro" in [v for v in free["visibility"]], free
    public_free = await free_time_public(client, gp, clock)
    public_taken = await free_time_public(client, gp, clock)
    regulator = await login(client, "regulator@sud-yvelines.test")
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": public_taken["id"], "channel": "sas_regulator", "patient": PATIENT},
    )
    assert booked.status_code == 201

    manifest = await client.get("/fhir/$bulk-publish")
    assert manifest.status_code == 200 and "max-age" in manifest.headers["cache-control"]
    body = manifest.json()
    assert body["request"].endswith("/fhir/$bulk-publish") and body["error"] == []
    ours = [o for o in body["output"] if o["extension"]["territory"] == ["sud-yvelines"]]
    assert all(o["extension"]["state"] == ["78"] for o in ours), "the department, as state"
    assert sorted(o["type"] for o in ours) == ["Location", "Schedule", "Slot"]
    resources = {}
    for output in ours:
        response = await client.get(
            urlsplit(output["url"]).path, headers={"Accept": "application/fhir+ndjson"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+ndjson")
        lines = [json.loads(line) for line in response.text.splitlines()]
        for line in lines:
            VALIDATORS[output["type"]].model_validate(line)
        resources[output["type"]] = {r["id"]: r for r in lines}
    slots = resources["Slot"]
    assert free["id"] not in slots, "only public slots are published"
    assert slots[public_free["id"]]["status"] == "free"
    link = slots[public_free["id"]]["extension"][0]
    assert link["url"].endswith("booking-deep-link") and link["valueUrl"].endswith(
        public_free["id"]
    )
    assert slots[public_taken["id"]]["status"] == "busy"
    phone = next(e for e in slots[public_free["id"]]["extension"] if e["url"].endswith("phone"))
    assert phone["url"] == BOOKING_PHONE and phone["valueString"].startswith("+33")
    assert "extension" not in slots[public_taken["id"]], "a busy slot has nothing to book"
    # The files hold together: each slot's Schedule is in the Schedule file, each Schedule's
    # actor a Location of the Location file (a video slot is given from the main practice).
    for slot in slots.values():
        assert slot["schedule"]["reference"].removeprefix("Schedule/") in resources["Schedule"]
    for schedule in resources["Schedule"].values():
        assert FHIR_ID.fullmatch(schedule["id"]), schedule["id"]
        (actor,) = schedule["actor"]
        assert actor["reference"].removeprefix("Location/") in resources["Location"]
    for location in resources["Location"].values():
        assert location["telecom"] and location["telecom"][0]["system"] == "phone"
        assert location["telecom"][0]["value"].startswith("+33")
        assert location["address"]["state"] == "78" and location["address"]["country"] == "FR"
        assert location["identifier"][0]["value"] == location["id"]
        assert set(location["position"]) == {"latitude", "longitude"}
    assert (await client.get("/fhir/bulk/nowhere/Slot.ndjson")).status_code == 404
    assert (await client.get("/fhir/bulk/sud-yvelines/Patient.ndjson")).status_code == 404


async def free_time_public(
    client: httpx.AsyncClient, gp: dict[str, str], clock: FrozenClock
) -> dict:
    from datetime import timedelta

    soon = (clock.now() + timedelta(hours=30)).replace(minute=0, second=0, microsecond=0)
    for step in range(200):
        start = soon + timedelta(minutes=15 * step)
        response = await client.post(
            "/api/v1/slots",
            headers=gp,
            json={
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=15)).isoformat(),
                "modality": "video",
                "visibility": ["public", "snp"],
            },
        )
        if response.status_code == 201:
            return dict(response.json())
    raise AssertionError("no room")
