"""The coordinator's pages: who may open them, the request board (oldest first, patients
shown to the staff and audited), the referral board, the directory and the contract."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from markupsafe import escape

from kernel.clock import FrozenClock
from server.database import Database
from tests.conftest import login
from tests.server.referral_helpers import refer
from tests.server.web.pages_helpers import cookie_login, patient_reads

PAGES = (
    "/coordination",
    "/coordination/demandes",
    "/coordination/avis",
    "/coordination/annuaire",
    "/coordination/contrat",
)


def _patient(family_name: str) -> dict[str, str]:
    return {
        "family_name": family_name,
        "given_name": "Lucienne",
        "birth_date": "1938-03-04",
        "sex": "female",
    }


async def _request(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    family_name: str,
    hours_ago: float,
    origin: str = "sas_regulator",
    urgency: str = "within_48h",
) -> str:
    regulator = await login(client, "regulator@sud-yvelines.test")
    response = await client.post(
        "/api/v1/requests",
        headers=regulator,
        json={
            "origin": origin,
            "urgency": urgency,
            "reason": f"Fièvre {family_name}",
            "patient": _patient(family_name),
            "received_at": (clock.now() - timedelta(hours=hours_ago)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _reads(database: Database, account_email: str, subject_ids: list[str]) -> int:
    found = await patient_reads(
        database, subject_ids, email=account_email, subject_type="snp_request"
    )
    return len(found)


async def test_pages_send_visitors_to_log_in(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/connexion?suivant=%2Fcoordination")


async def test_a_gp_is_refused_the_coordination_pages(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "gp1@sud-yvelines.test")
    for path in PAGES:
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "Accès refusé" in response.text
        assert "pas ouverte à votre profil" in response.text


async def test_overview_counts_and_links(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    await _request(client, clock, "Vuedensemble", 1)
    await cookie_login(client, "coordinator@sud-yvelines.test")
    response = await client.get("/coordination")
    assert response.status_code == 200
    text = response.text
    assert "Coordination de la CPTS" in text
    assert "demandes SNP en attente" in text
    for href in ("/coordination/demandes", "/coordination/avis", "/coordination/annuaire"):
        assert f'href="{href}"' in text
    assert "Vuedensemble".upper() not in text, "no patient on the overview"


async def test_request_board_lists_open_requests_oldest_first_and_audits(
    client: httpx.AsyncClient, clock: FrozenClock, database: Database
) -> None:
    tag = uuid.uuid4().hex[:6]
    newer = await _request(client, clock, f"Recent{tag}", 3.4)
    older = await _request(client, clock, f"Ancien{tag}", 50, origin="pharmacist")
    middle = await _request(client, clock, f"Milieu{tag}", 30, urgency="within_24h")
    regulator = await login(client, "regulator@sud-yvelines.test")
    closed = await _request(client, clock, f"Clos{tag}", 5)
    response = await client.post(
        f"/api/v1/requests/{closed}/close",
        headers=regulator,
        json={"outcome": "redirected_pdsa"},
    )
    assert response.status_code == 200, response.text

    await cookie_login(client, "coordinator@sud-yvelines.test")
    response = await client.get("/coordination/demandes")
    assert response.status_code == 200
    text = response.text
    assert "Demandes de soins non programmés" in text
    assert 'data-live-topics="territory"' in text
    assert 'data-live-types="request.,booking."' in text
    open_part, closed_part = text.split('id="closed-requests"', 1)
    positions = [open_part.index(f'data-request="{r}"') for r in (older, middle, newer)]
    assert positions == sorted(positions), "oldest first"
    assert f'data-request="{closed}"' not in open_part
    # Age, badges, origin, urgency and the patient, as staff may see them.
    older_row = open_part[positions[0] : positions[1]]
    assert "depuis 2 j 2 h" in older_row
    assert "plus de 48 h" in older_row and "Pharmacien" in older_row
    middle_row = open_part[positions[1] : positions[2]]
    assert "plus de 24 h" in middle_row and "sous 24 h" in middle_row
    newer_row = open_part[positions[2] :].split("</tr>", 1)[0]
    assert "depuis 3 h 24" in newer_row
    assert "plus de 24 h" not in newer_row
    assert f"RECENT{tag.upper()} Lucienne" in newer_row
    assert "04/03/1938" in newer_row
    # The closed one, with its outcome and delay.
    assert f'data-request="{closed}"' in closed_part
    closed_row = closed_part.split(f'data-request="{closed}"', 1)[1].split("</tr>", 1)[0]
    assert "orienté vers la PDSA" in closed_row
    assert "5 h" in closed_row
    # Every patient shown is recorded as read by the coordinator.
    assert await _reads(database, "coordinator@sud-yvelines.test", [older, middle, newer]) == 3
    assert await _reads(database, "coordinator@sud-yvelines.test", [closed]) == 1


async def test_request_board_filters(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    tag = uuid.uuid4().hex[:6]
    nurse_one = await _request(client, clock, f"Infirm{tag}", 2, origin="nurse")
    sas_one = await _request(client, clock, f"Regul{tag}", 2, urgency="non_urgent")
    await cookie_login(client, "coordinator@sud-yvelines.test")
    text = (await client.get("/coordination/demandes", params={"origine": "nurse"})).text
    assert f'data-request="{nurse_one}"' in text
    assert f'data-request="{sas_one}"' not in text
    assert '<option value="nurse" selected>' in text
    text = (await client.get("/coordination/demandes", params={"urgence": "non_urgent"})).text
    assert f'data-request="{sas_one}"' in text
    assert f'data-request="{nurse_one}"' not in text
    # An unknown filter is ignored rather than an error.
    assert (await client.get("/coordination/demandes?origine=bogus")).status_code == 200


async def test_referral_board_shows_late_referrals_without_patients(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    nurse = await login(client, "nurse1@sud-yvelines.test")
    referral = await refer(client, nurse, clock, expertise="dermatology")
    clock.advance(timedelta(days=12))  # far past its deadline
    await cookie_login(client, "coordinator@sud-yvelines.test")
    response = await client.get("/coordination/avis")
    assert response.status_code == 200
    text = response.text
    assert "Demandes d'avis plaies en retard ou sans expert" in text
    row = text.split(f'data-referral="{referral["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "dermatologie" in row and "en retard" in row
    if referral["assigned_expert_id"] is None:
        assert "sans expert" in row
        assert f'data-api="/api/v1/referrals/{referral["id"]}/reassign"' in row
        assert 'name="expert_id"' in row
    else:
        # The demo has one dermatologist: nobody else to hand it to.
        assert "Dr David Benhamou" in row
        assert "aucun autre expert actif" in row
    assert "Plaie-" not in text, "the board shows no patient"


async def test_directory_lists_professionals_and_experts(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "coordinator@sud-yvelines.test")
    response = await client.get("/coordination/annuaire")
    assert response.status_code == 200
    text = response.text
    assert "Annuaire de la CPTS" in text
    assert "Dr Claire Martin" in text and "10807516561" in text and "Rambouillet" in text
    assert 'data-coord-api="/api/v1/professionals"' in text
    assert 'data-api="/api/v1/network/settings" data-method="PUT"' in text
    assert "Experts du réseau plaies" in text and "angiologie" in text
    assert "réservées aux administrateurs" in text, "a coordinator does not manage accounts"
    assert 'data-api="/api/v1/accounts"' not in text
    searched = (await client.get("/coordination/annuaire", params={"q": "martin"})).text
    assert "Dr Claire Martin" in searched
    assert searched.count("data-professional=") < text.count("data-professional=")


async def test_directory_shows_accounts_to_an_admin(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "admin@sud-yvelines.test")
    text = (await client.get("/coordination/annuaire")).text
    assert "gp1@sud-yvelines.test" in text
    assert 'data-api="/api/v1/accounts"' in text
    assert "coordinator@sud-yvelines.test" in text, "staff accounts listed apart"
    gp1 = text.split("gp1@sud-yvelines.test", 1)[1].split("</form>", 1)[0]
    assert 'value="gp" data-type="list" checked' in gp1
    assert 'value="admin" data-type="list">' in gp1, "unchecked"


async def test_contract_page_shows_the_year_and_its_lines(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await cookie_login(client, "coordinator@sud-yvelines.test")
    year = clock.now().year
    response = await client.get("/coordination/contrat", params={"annee": year})
    assert response.status_code == 200
    text = response.text
    assert f"Contrat ACI {year}" in text
    # Other tests may rewrite the demo contract: its lines, as the API reads them, are shown.
    contract = (await client.get(f"/api/v1/contracts/{year}")).json()
    labels = [i["label"] for m in contract["missions"] for i in m["indicators"]]
    assert labels and all(str(escape(label)) in text for label in labels)
    assert 'data-coord-api="/api/v1/contracts/' in text and 'data-shape="contract"' in text
    assert "data-contract=" in text
    assert f"/api/v1/contracts/{year}/report?format=xlsx" in text
    # A year without a contract starts from the previous year's.
    following = (await client.get("/coordination/contrat", params={"annee": year + 1})).text
    assert f"Aucun contrat n'est enregistré pour {year + 1}" in following
    assert f"Enregistrer comme contrat {year + 1}" in following
    empty = (await client.get("/coordination/contrat", params={"annee": 2030})).text
    if year < 2029:
        assert 'id="no-contract"' in empty
