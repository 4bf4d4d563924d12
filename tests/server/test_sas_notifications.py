"""Appointment news to the SAS platform: a local server plays the SAS endpoint; bookings by
regulators reach it as FrAppointmentSAS (POST, then conditional PUT), failures are retried."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.appointment import Appointment
from litestar import Litestar

from integrations.sas.appointments import SasClient
from kernel.clock import FrozenClock
from server.sas.notifier import notify_sas
from server.state import AppServices
from tests.conftest import login
from tests.server.scheduling_helpers import PATIENT, fresh_start, gp_session, publish_slot


class FakeSas:
    def __init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_next = 0
        self.fail_status = 503
        sas = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if sas.fail_next:
                    sas.fail_next -= 1
                    self.send_response(sas.fail_status)
                    self.end_headers()
                    return
                sas.received.append((method, self.path, body))
                self.send_response(201 if method == "POST" else 200)
                self.send_header("Content-Type", "application/fhir+json")
                self.end_headers()
                self.wfile.write(b"{}")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sas() -> Iterator[FakeSas]:
    fake = FakeSas()
    yield fake
    fake.server.shutdown()


def ours(sas: FakeSas, booking_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [r for r in sas.received if r[2]["identifier"][0]["value"] == booking_id]


async def test_regulator_bookings_reach_the_sas_and_are_retried(
    client: httpx.AsyncClient, app: Litestar, clock: FrozenClock, sas: FakeSas
) -> None:
    services = AppServices.of(app)
    sas_client = SasClient(sas.url)
    await services.sequencer.drain()
    await notify_sas(services, sas_client)  # the first round starts the cursors at "now"
    gp, me = await gp_session(client, 9)
    slot = await publish_slot(client, gp, fresh_start(clock))
    other = await publish_slot(client, gp, fresh_start(clock))
    regulator = await login(client, "regulator@sud-yvelines.test")
    pharmacist = await login(client, "pharmacist1@sud-yvelines.test")
    booked = await client.post(
        "/api/v1/bookings",
        headers=regulator,
        json={"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT},
    )
    not_sas = await client.post(
        "/api/v1/bookings",
        headers=pharmacist,
        json={"slot_id": other["id"], "channel": "pharmacist", "patient": PATIENT},
    )
    assert booked.status_code == 201 and not_sas.status_code == 201
    booking_id = booked.json()["id"]
    await services.sequencer.drain()
    try:
        await notify_sas(services, sas_client)
        (created,) = ours(sas, booking_id)
        method, path, body = created
        assert method == "POST" and path == "/fhir/Appointment"
        Appointment.model_validate(body)
        assert body["status"] == "booked"
        assert body["meta"]["profile"] == [
            "http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS"
        ]
        assert (
            body["participant"][0]["actor"]["identifier"]["value"]
            == "8" + me["professional"]["rpps"]
        )
        assert body["extension"][0]["valueReference"]["identifier"]["system"].startswith("urn:oid:")
        assert "Durand" not in json.dumps(body), "no patient identity goes to the SAS"
        assert not ours(sas, not_sas.json()["id"]), "only the SAS regulators' bookings"

        # The SAS is down when the booking is cancelled: the change waits and is retried.
        sas.fail_next = 1
        cancelled = await client.post(
            f"/api/v1/bookings/{booking_id}/cancel", json={}, headers=regulator
        )
        assert cancelled.status_code == 200
        await services.sequencer.drain()
        await notify_sas(services, sas_client)
        admin = await login(client, "admin@sud-yvelines.test")
        failing = (
            await client.get("/api/v1/sas/deliveries", headers=admin, params={"state": "failing"})
        ).json()
        row = next(d for d in failing["items"] if d["booking_id"] == booking_id)
        assert (
            row["attempts"] == 1 and row["last_http_status"] == 503 and row["status"] == "cancelled"
        )
        assert row["delivered_status"] == "booked"

        clock.advance(timedelta(minutes=5))
        await notify_sas(services, sas_client)
        method, path, body = ours(sas, booking_id)[-1]
        assert method == "PUT" and "identifier=" in path and body["status"] == "cancelled"
        delivered = (
            await client.get("/api/v1/sas/deliveries", headers=admin, params={"state": "delivered"})
        ).json()
        assert any(
            d["booking_id"] == booking_id and d["delivered_status"] == "cancelled"
            for d in delivered["items"]
        )
        gp_view = await client.get("/api/v1/sas/deliveries", headers=gp)
        assert gp_view.status_code == 403
    finally:
        await sas_client.close()


async def _started(services: AppServices, sas: FakeSas) -> SasClient:
    """A client of the fake SAS, with a first round run: the cursors start at "now"."""
    sas_client = SasClient(sas.url)
    await services.sequencer.drain()
    await notify_sas(services, sas_client)
    return sas_client


async def _sas_booking(
    client: httpx.AsyncClient, clock: FrozenClock, headers: dict[str, str], gp_number: int
) -> httpx.Response:
    """A booking through the SAS regulator channel, of a fresh slot of demo GP n."""
    gp, _ = await gp_session(client, gp_number)
    slot = await publish_slot(client, gp, fresh_start(clock))
    return await client.post(
        "/api/v1/bookings",
        headers=headers,
        json={"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT},
    )


async def test_content_the_sas_refuses_is_not_retried(
    client: httpx.AsyncClient, app: Litestar, clock: FrozenClock, sas: FakeSas
) -> None:
    services = AppServices.of(app)
    sas_client = await _started(services, sas)
    regulator = await login(client, "regulator@sud-yvelines.test")
    booked = await _sas_booking(client, clock, regulator, 11)
    booking_id = booked.json()["id"]
    await services.sequencer.drain()
    sas.fail_next, sas.fail_status = 1, 422
    try:
        await notify_sas(services, sas_client)
        clock.advance(timedelta(hours=7))  # past any back-off
        await notify_sas(services, sas_client)
        assert not ours(sas, booking_id), "a refused content is not sent again"
        admin = await login(client, "admin@sud-yvelines.test")
        listed = (
            await client.get("/api/v1/sas/deliveries", headers=admin, params={"state": "rejected"})
        ).json()
        (row,) = [d for d in listed["items"] if d["booking_id"] == booking_id]
        assert row["state"] == "rejected" and row["last_http_status"] == 422
    finally:
        await sas_client.close()


async def test_a_regulator_the_sas_manages_is_named_by_the_sas_s_identifier(
    client: httpx.AsyncClient, app: Litestar, clock: FrozenClock, sas: FakeSas
) -> None:
    """INT_R02's regulators are told back to the SAS as it names them (its UUID here)."""
    import uuid

    from coordination.accounts.service import create_token_for
    from tests.server.sas_helpers import new_sas_platform
    from tests.server.test_sas_regulators_api import SAS, regulator

    services = AppServices.of(app)
    sas_client = await _started(services, sas)
    platform, _ = await new_sas_platform(client)
    sas_id = str(uuid.uuid4())
    created = await client.post("/fhir/Practitioner", headers=platform, json=regulator(SAS, sas_id))
    assert created.status_code == 201, created.text
    async with services.db.write() as session:
        issued = await create_token_for(
            session, clock, created.json()["telecom"][0]["value"], "test", "sud-yvelines"
        )
    managed = {"Authorization": f"Bearer {issued.secret}"}
    booked = await _sas_booking(client, clock, managed, 10)
    assert booked.status_code == 201, booked.text
    await services.sequencer.drain()
    try:
        await notify_sas(services, sas_client)
        ((_, _, body),) = ours(sas, booked.json()["id"])
        operator = body["extension"][0]["valueReference"]["identifier"]
        assert operator["system"] == SAS and operator["value"] == sas_id
        assert operator["type"]["coding"][0]["code"] == "INTRN"
    finally:
        await sas_client.close()
