"""The médecin-traitant waiting list over HTTP: the public form answers a receipt and nothing
else, refuses in French; the coordinator's list suggests the GPs who stated a capacity; the
GP's answer; the public contract of the issue."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from litestar import Litestar

from coordination.doctor_access.reminders import ANSWER_REMINDER_AFTER
from kernel.clock import FrozenClock
from server.jobs import remind_doctor_access
from server.state import AppServices
from tests.conftest import login
from tests.server.notify_helpers import recording

PUBLIC_ENTRY = {
    "patient": {
        "family_name": "Boyer",
        "given_name": "Émile",
        "birth_date": "1944-08-19",
        "sex": "male",
    },
    "commune_insee": "78517",
    "contact_phone": "06 11 22 33 44",
    "fragilities": ["ald", "over_70"],
    "needs_home_visits": False,
    "territory": "sud-yvelines",
}


def _paris_day(instant: str) -> str:
    """The territory's day of an instant: a declaration is dated in local days."""
    return datetime.fromisoformat(instant).astimezone(ZoneInfo("Europe/Paris")).date().isoformat()


async def test_the_public_form_needs_no_account_and_answers_a_receipt(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/api/v1/waiting-list", json=PUBLIC_ENTRY)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"receipt", "received_at"} and body["receipt"].startswith("MT-")
    refused = await client.post(
        "/api/v1/waiting-list",
        json={**PUBLIC_ENTRY, "contact_phone": None},
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 422
    assert (
        refused.json()["detail"] == "Indiquez un téléphone ou une adresse e-mail pour être rappelé."
    )
    sneaky = await client.post("/api/v1/waiting-list", json={**PUBLIC_ENTRY, "source": "cpam"})
    assert sneaky.status_code == 422 and sneaky.json()["code"] == "mt_source_public"


async def test_the_coordinator_proposes_and_the_gp_accepts(client: httpx.AsyncClient) -> None:
    gp = await login(client, "gp1@sud-yvelines.test")
    me = (await client.get("/api/v1/me", headers=gp)).json()
    pid = me["professional"]["id"]
    capacity = await client.put(
        f"/api/v1/professionals/{pid}/capacity",
        headers=gp,
        json={"new_patients": 10, "radius_km": 50, "home_visits": True},
    )
    assert capacity.status_code == 200, capacity.text
    assert capacity.json()["quarter"].count("-T") == 1
    entry = {**PUBLIC_ENTRY, "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Lauret"}}
    assert (await client.post("/api/v1/waiting-list", json=entry)).status_code == 201
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    listed = (await client.get("/api/v1/waiting-list", headers=coordinator)).json()["items"]
    mine = next(i for i in listed if i["patient"]["family_name"] == "Lauret")
    assert mine["status"] == "waiting" and mine["fragilities"] == ["ald", "over_70"]
    assert pid in mine["suggested"]
    proposed = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals",
        headers=coordinator,
        json={"professional_ids": [pid]},
    )
    assert proposed.status_code == 201, proposed.text
    (proposal,) = proposed.json()
    accepted = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals/{proposal['id']}/accept", headers=gp
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["gp_professional_id"] == pid
    again = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals/{proposal['id']}/accept",
        headers={**gp, "Accept-Language": "fr"},
    )
    assert again.status_code == 409
    assert again.json()["detail"].startswith("Cette proposition a reçu une réponse")
    declared = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/declared",
        headers=gp,
        json={"declared_on": _paris_day(proposal["proposed_at"])},
    )
    assert declared.status_code == 200, declared.text
    assert declared.json()["status"] == "declared"


async def test_a_gp_who_does_not_answer_is_reminded_once_by_e_mail_without_the_patient(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    notifier = recording(app)
    gp = await login(client, "gp3@sud-yvelines.test")
    pid = (await client.get("/api/v1/me", headers=gp)).json()["professional"]["id"]
    await client.put(f"/api/v1/professionals/{pid}/capacity", headers=gp, json={"new_patients": 4})
    entry = {**PUBLIC_ENTRY, "patient": {**PUBLIC_ENTRY["patient"], "family_name": "Maillot"}}
    assert (await client.post("/api/v1/waiting-list", json=entry)).status_code == 201
    coordinator = await login(client, "coordinator@sud-yvelines.test")
    listed = (await client.get("/api/v1/waiting-list", headers=coordinator)).json()["items"]
    mine = next(i for i in listed if i["patient"]["family_name"] == "Maillot")
    proposed = await client.post(
        f"/api/v1/waiting-list/{mine['id']}/proposals",
        headers=coordinator,
        json={"professional_ids": [pid]},
    )
    assert proposed.status_code == 201, proposed.text
    services = AppServices.of(app)
    clock.advance(ANSWER_REMINDER_AFTER + timedelta(minutes=1))
    assert await remind_doctor_access(services) >= 1
    (notice,) = [n for n in notifier.sent if n.to == "gp3@sud-yvelines.test"]
    assert "1 patient sans médecin traitant vous a été proposé" in notice.body
    assert "/medecin-traitant" in notice.body and "Maillot" not in notice.body
    assert "Émile" not in notice.body and "06 11" not in notice.body
    before = len(notifier.sent)
    await remind_doctor_access(services)
    assert len(notifier.sent) == before, "reminded once"
