"""The wound-care network pages: who opens them, what the nurse, the experts and the staff see,
the healing chart, and that every patient shown is audited (both databases).

Routing depends on the experts' loads, so the tests that need a known expert use a network of
their own (a fresh territory, tests/server/referral_helpers.py)."""

from __future__ import annotations

import html
import io
import re
import uuid
from datetime import timedelta

import httpx
import pytest
from PIL import Image

from coordination.directory.territory import Territory
from kernel.audit import PatientDataRead
from kernel.clock import FrozenClock
from server.database import Database
from tests.server.referral_helpers import ASSESSMENT, URL, Network, network, refer
from tests.server.web.pages_helpers import Person, account_id, patient_reads


@pytest.fixture
async def net(
    client: httpx.AsyncClient, database: Database, clock: FrozenClock, territory: Territory
) -> Network:
    """A fresh network: derm1 is its only dermatology expert, so referrals go to derm1."""
    made = await network(database, clock, territory)
    await made.register(client, clock, "derm1", "dermatology", 20)
    return made


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (170, 70, 60)).save(out, format="PNG")
    return out.getvalue()


async def _reads(database: Database, subject: str, purpose: str) -> list[PatientDataRead]:
    return await patient_reads(database, [subject], purpose=purpose)


async def test_pages_send_the_signed_out_to_login(client: httpx.AsyncClient) -> None:
    for path in ("/avis", "/avis/nouveau", f"/avis/{uuid.uuid4()}"):
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/connexion?suivant=%2Favis"), path


async def test_regulator_is_refused(person: Person, client: httpx.AsyncClient) -> None:
    async with person("regulator@sud-yvelines.test") as regulator:
        for path in ("/avis", "/avis/nouveau", f"/avis/{uuid.uuid4()}"):
            response = await regulator.get(path)
            assert response.status_code == 403, path
            assert "Accès refusé" in response.text
    async with person("expert1@sud-yvelines.test") as expert:
        # The form is for the nurses who refer; experts answer.
        assert (await expert.get("/avis/nouveau")).status_code == 403


async def test_new_referral_form_has_the_structured_assessment(person: Person) -> None:
    async with person("nurse3@sud-yvelines.test") as nurse:
        response = await nurse.get("/avis/nouveau")
    assert response.status_code == 200
    page = response.text
    for name in (
        "patient.family_name",
        "patient.birth_date",
        "consent.given",
        "consent.collected_at",
        "priority",
        "expertise",
        "question",
        "assessment.wound_type",
        "assessment.body_site",
        "assessment.length_cm",
        "assessment.width_cm",
        "assessment.depth_cm",
        "assessment.age_weeks",
        "assessment.bed_colours.black",
        "assessment.bed_colours.pink",
        "assessment.exudate",
        "assessment.pain",
        "assessment.braden.friction_shear",
        "assessment.dressing",
    ):
        assert f'name="{name}"' in page, name
    assert 'data-list="assessment.infection_signs"' in page
    assert 'value="purulent_discharge"' in page
    assert 'type="file"' in page and "image/jpeg" in page
    # Every input is labelled.
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page)
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert ids and set(ids) <= labelled, set(ids) - labelled


async def test_nurse_sees_her_referral_with_the_patient_and_it_is_audited(
    person: Person, client: httpx.AsyncClient, clock: FrozenClock, database: Database, net: Network
) -> None:
    bearer = await net.login(client, "nurse1")
    r = await refer(client, bearer, clock, expertise="dermatology")
    family = r["patient"]["family_name"]
    photo = await client.post(
        f"{URL}/{r['id']}/photos", files={"file": ("p.png", _png(), "image/png")}, headers=bearer
    )
    assert photo.status_code == 201, photo.text

    async with person(net.email("nurse1")) as nurse:
        me = await account_id(nurse)
        listing = await nurse.get("/avis")
        assert listing.status_code == 200
        assert "Mes demandes" in listing.text and "Nouvelle demande d'avis" in listing.text
        assert family.upper() in listing.text
        assert "Test Derm1" in listing.text, "the expert the referral was routed to"
        assert "Demandée" in listing.text and "10 cm²" in listing.text
        assert any(x.account_id == me for x in await _reads(database, r["id"], "list"))

        detail = await nurse.get(f"/avis/{r['id']}")
        assert detail.status_code == 200
        page = html.unescape(detail.text)
        assert family.upper() in page and "Ulcère veineux" in page
        assert r["question"] in page
        assert f'src="{photo.json()["url"]}"' in page
        assert "Annuler la demande" in page and "Nouvelle évaluation" in page
        assert "Prendre en charge" not in page, "the nurse does not accept her own referral"
        assert 'data-live-topics="mine"' in page
        assert [x.account_id for x in await _reads(database, r["id"], "detail")] == [me]


async def test_another_nurse_cannot_open_it(
    person: Person, client: httpx.AsyncClient, clock: FrozenClock, database: Database, net: Network
) -> None:
    r = await refer(client, await net.login(client, "nurse1"), clock, expertise="dermatology")
    family = r["patient"]["family_name"]
    async with person(net.email("nurse2")) as other:
        detail = await other.get(f"/avis/{r['id']}")
        assert detail.status_code == 404
        shown = html.unescape(detail.text)
        assert "Demande d'avis introuvable" in shown and family.upper() not in shown
        listing = await other.get("/avis")
        assert listing.status_code == 200 and family.upper() not in listing.text
    assert await _reads(database, r["id"], "detail") == []


async def test_expert_queue_lists_it_overdue_first_with_remaining_time(
    person: Person, client: httpx.AsyncClient, clock: FrozenClock, database: Database, net: Network
) -> None:
    nurse = await net.login(client, "nurse1")
    late = await refer(client, nurse, clock, expertise="dermatology")
    clock.advance(timedelta(days=10))
    fresh = await refer(client, nurse, clock, expertise="dermatology", priority="urgent")
    assert late["assigned_expert_id"] == fresh["assigned_expert_id"] is not None

    async with person(net.email("derm1")) as expert:
        response = await expert.get("/avis")
        assert response.status_code == 200
        page = html.unescape(response.text)
        assert "File d'attente" in page and "Mes demandes" not in page
        first, second = page.index(late["id"]), page.index(fresh["id"])
        assert first < second, "the overdue referral comes first, though older"
        row = page[first : page.index("</tr>", first)]
        assert "en retard" in row and "depuis" in row
        fresh_row = page[second : page.index("</tr>", second)]
        assert "en retard" not in fresh_row and "dans " in fresh_row and "urgente" in fresh_row
        assert late["patient"]["family_name"].upper() in row, "assigned: the expert sees who"
        assert "Prendre en charge" in row
        me = await account_id(expert)
        assert any(x.account_id == me for x in await _reads(database, late["id"], "list"))

        detail = await expert.get(f"/avis/{late['id']}")
        assert detail.status_code == 200
        assert "Prendre en charge" in detail.text and "Décliner" in detail.text
        assert "Nouvelle évaluation" not in detail.text

    # An expert of the expertise browsing the open queue sees the case, not the person.
    staff = await net.login(client, "coordinator")
    derm2 = await net.register(client, clock, "derm2", "dermatology", 20)
    await client.patch(
        f"/api/v1/network/experts/{late['assigned_expert_id']}",
        json={"active": False},
        headers=staff,
    )
    async with person(net.email("derm2")) as other:
        page = html.unescape((await other.get("/avis")).text)
        assert late["id"] in page and "file commune" in page
        assert late["patient"]["family_name"].upper() not in page
        detail = html.unescape((await other.get(f"/avis/{late['id']}")).text)
        assert (
            "Prendre en charge" in detail and late["patient"]["family_name"].upper() not in detail
        )
    assert derm2["expertise"] == "dermatology"


async def test_trajectory_chart_has_one_point_per_assessment(
    person: Person, client: httpx.AsyncClient, clock: FrozenClock, net: Network
) -> None:
    nurse = await net.login(client, "nurse1")
    r = await refer(client, nurse, clock, expertise="dermatology")
    for length, width in ((3.0, 2.0), (2.0, 1.5)):
        clock.advance(timedelta(days=7))
        again = dict(ASSESSMENT) | {"length_cm": length, "width_cm": width}
        added = await client.post(f"{URL}/{r['id']}/assessments", json=again, headers=nurse)
        assert added.status_code == 201, added.text

    async with person(net.email("nurse1")) as page_client:
        response = await page_client.get(f"/avis/{r['id']}")
    page = html.unescape(response.text)
    chart = page[
        page.index('<svg id="trajectory"') : page.index("</svg>", page.index("trajectory"))
    ]
    assert chart.count('class="point"') == 3
    assert chart.count("<polyline") == 1 and 'class="area"' in chart
    assert "10 cm²" in chart and "6 cm²" in chart and "3 cm²" in chart
    assert "-70 %" in page, "the area's change since the first assessment"
    ys = [float(y) for y in re.findall(r'class="point" cx="[\d.]+" cy="([\d.]+)"', chart)]
    assert ys == sorted(ys), "a healing wound: each point lower on the chart than the last"


async def test_staff_see_the_territory_and_may_reassign(
    person: Person, client: httpx.AsyncClient, clock: FrozenClock, net: Network
) -> None:
    r = await refer(client, await net.login(client, "nurse1"), clock, expertise="dermatology")
    await net.register(client, clock, "derm2", "dermatology", 20)
    async with person(net.email("coordinator")) as staff:
        listing = html.unescape((await staff.get("/avis")).text)
        assert "Demandes du territoire" in listing and r["id"] in listing
        assert r["patient"]["family_name"].upper() in listing
        detail = html.unescape((await staff.get(f"/avis/{r['id']}")).text)
        assert "Réattribuer" in detail and "Test Derm2" in detail
        assert 'data-live-topics="mine,territory"' in detail


async def test_the_answer_shows_on_the_nurses_page(
    person: Person, client: httpx.AsyncClient, clock: FrozenClock, net: Network
) -> None:
    r = await refer(client, await net.login(client, "nurse1"), clock, expertise="dermatology")
    expert = await net.login(client, "derm1")
    assert (await client.post(f"{URL}/{r['id']}/accept", headers=expert)).status_code == 200
    async with person(net.email("derm1")) as page_client:
        page = html.unescape((await page_client.get(f"/avis/{r['id']}")).text)
        assert "Commencer" in page and "Envoyer la réponse" in page and "Échanges" in page
    answer = {
        "advice": "Dermite de contact.",
        "care_plan": "Arrêt du topique.",
        "follow_up": "none",
    }
    done = await client.post(f"{URL}/{r['id']}/answer", json=answer, headers=expert)
    assert done.status_code == 200, done.text
    async with person(net.email("nurse1")) as nurse:
        response = await nurse.get(f"/avis/{r['id']}")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Réponse de l'expert" in page and "Arrêt du topique." in page
    assert "Répondue" in page and "Pas de suivi particulier" in page
    assert "Annuler la demande" not in page
