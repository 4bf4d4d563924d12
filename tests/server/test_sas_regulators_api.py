"""INT_R02 as the ANS kit drives it: the SAS creates, updates, withdraws and re-creates its
regulators' accounts (FrPractitionerRegul), on both databases, races included."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.conftest import login
from tests.server.notify_helpers import recording
from tests.server.sas_helpers import new_sas_platform

PS = "urn:oid:1.2.250.1.71.4.2.1"
SAS = "urn:oid:1.2.250.1.213.3.6"
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"


def regulator(
    system: str, value: str, *, active: bool = True, email: str | None = None
) -> dict[str, Any]:
    """The body the kit sends (helper_fluxv1.rb), its fixed `id` included."""
    return {
        "resourceType": "Practitioner",
        "id": "example-regulator-1",
        "meta": {
            "profile": [
                "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/FrPractitionerRegul"
            ],
            "source": "urn:oid:1.2.250.1.213.3.6",
        },
        "identifier": [
            {
                "type": {
                    "coding": [{"system": FR_V2_0203, "code": "IDNPS" if system == PS else "INTRN"}]
                },
                "system": system,
                "value": value,
            }
        ],
        "active": active,
        "name": [{"family": "Régulateur", "given": ["Camille"]}],
        "telecom": [{"system": "email", "value": email or f"{value.replace('/', '-')}@sas.test"}],
    }


@pytest.fixture
async def platform(client: httpx.AsyncClient) -> dict[str, str]:
    headers, _ = await new_sas_platform(client)
    return headers | {"Content-Type": "application/json", "Accept": "application/json+fhir"}


async def _account(client: httpx.AsyncClient, email: str) -> dict[str, Any] | None:
    admin = await login(client, "admin@sud-yvelines.test")
    items = (await client.get("/api/v1/accounts", headers=admin)).json()["items"]
    return next((a for a in items if a["email"] == email), None)


def _national_id() -> str:
    return f"3{uuid.uuid4().int % 10**9:09d}/{uuid.uuid4().int % 10**8:08d}"  # the kit's shape


async def test_the_sas_creates_its_regulators_once(
    client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    nid, sas_id = _national_id(), str(uuid.uuid4())
    for system, value in ((PS, nid), (SAS, sas_id)):
        created = await client.post(
            "/fhir/Practitioner", headers=platform, json=regulator(system, value)
        )
        assert created.status_code == 201, created.text
        assert created.headers["content-type"].startswith("application/fhir+json")
        body = created.json()
        assert body["identifier"][0]["value"] == value and body["active"] is True
        assert body["id"] != "example-regulator-1", "the body's id names nothing here"
        assert created.headers["location"].endswith(f"/fhir/Practitioner/{body['id']}")
        account = await _account(client, body["telecom"][0]["value"])
        assert account is not None and account["roles"] == ["regulator"]
        assert account["display_name"] == "Camille Régulateur" and not account["disabled"]
        again = await client.post(
            "/fhir/Practitioner", headers=platform, json=regulator(system, value)
        )
        assert again.status_code == 409 and again.json()["resourceType"] == "OperationOutcome"


def _broken(change: str) -> dict[str, Any]:
    body = regulator(PS, _national_id())
    if change.startswith("no "):
        del body[change.removeprefix("no ")]
    elif change == "empty family":
        body["name"][0]["family"] = ""
    elif change == "empty email":
        body["telecom"][0]["value"] = ""
    elif change == "phone telecom":
        body["telecom"][0] = {"system": "phone", "value": "+33600000000"}
    elif change == "IDNPS system, INTRN code":
        body["identifier"][0]["type"]["coding"][0]["code"] = "INTRN"
    elif change == "INTRN system, IDNPS code":
        body["identifier"][0]["system"] = SAS
    elif change == "two given names":
        body["name"][0]["given"] = ["Camille", "Marie"]
    elif change == "not a Practitioner":
        body["resourceType"] = "Patient"
    return body


@pytest.mark.parametrize(
    "change",
    [
        "no identifier",
        "no name",
        "no telecom",
        "no active",
        "empty family",
        "empty email",
        "phone telecom",
        "IDNPS system, INTRN code",
        "INTRN system, IDNPS code",
        "two given names",
        "not a Practitioner",
    ],
)
async def test_what_the_profile_refuses_is_a_400_naming_the_element(
    client: httpx.AsyncClient, platform: dict[str, str], change: str
) -> None:
    refused = await client.post("/fhir/Practitioner", headers=platform, json=_broken(change))
    assert refused.status_code == 400, (change, refused.text)
    (issue,) = refused.json()["issue"]
    assert issue["expression"][0].startswith("Practitioner."), issue


async def test_updates_withdrawal_reactivation_and_put_as_create(
    client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    nid = _national_id()
    query = f"/fhir/Practitioner?identifier={PS}|{nid}"
    made = await client.put(query, headers=platform, json=regulator(PS, nid))
    assert made.status_code == 201, made.text  # PUT on no one creates
    account_id = made.json()["id"]
    renamed = regulator(PS, nid, email=f"nouveau-{uuid.uuid4().hex[:6]}@sas.test")
    renamed["name"] = [{"family": "Durand", "given": ["Alix"]}]
    changed = await client.put(query, headers=platform, json=renamed)
    assert changed.status_code == 200 and changed.json()["id"] == account_id
    account = await _account(client, renamed["telecom"][0]["value"])
    assert account is not None and account["display_name"] == "Alix Durand"
    withdrawn = await client.put(query, headers=platform, json=renamed | {"active": False})
    assert withdrawn.status_code == 200 and withdrawn.json()["active"] is False
    account = await _account(client, renamed["telecom"][0]["value"])
    assert account is not None and account["disabled"]
    back = await client.put(query, headers=platform, json=renamed | {"active": True})
    assert back.status_code == 200
    account = await _account(client, renamed["telecom"][0]["value"])
    assert account is not None and not account["disabled"]


async def test_a_withdrawn_national_id_may_name_another_regulator(
    client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    """The kit's reattribution: the IdNat_PS account withdrawn, a SAS-UUID account takes
    that IdNat_PS through a PUT on its own identifier."""
    nid, sas_id = _national_id(), str(uuid.uuid4())
    first = await client.post("/fhir/Practitioner", headers=platform, json=regulator(PS, nid))
    assert first.status_code == 201
    second = await client.post("/fhir/Practitioner", headers=platform, json=regulator(SAS, sas_id))
    assert second.status_code == 201
    takes = regulator(PS, nid, email=second.json()["telecom"][0]["value"])
    clash = await client.put(
        f"/fhir/Practitioner?identifier={SAS}|{sas_id}", headers=platform, json=takes
    )
    assert clash.status_code == 409, "the IdNat_PS still names an active regulator"
    gone = await client.put(
        f"/fhir/Practitioner?identifier={PS}|{nid}",
        headers=platform,
        json=regulator(PS, nid, active=False),
    )
    assert gone.status_code == 200
    moved = await client.put(
        f"/fhir/Practitioner?identifier={SAS}|{sas_id}", headers=platform, json=takes
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["id"] == second.json()["id"]
    assert moved.json()["identifier"][0] | {} == takes["identifier"][0] | {
        "type": moved.json()["identifier"][0]["type"]
    }


async def test_only_the_sas_platform_manages_regulators(client: httpx.AsyncClient) -> None:
    body = regulator(PS, _national_id())
    anonymous = await client.post("/fhir/Practitioner", json=body)
    assert anonymous.status_code == 401
    for email in ("regulator@sud-yvelines.test", "admin@sud-yvelines.test"):
        someone = await login(client, email)
        assert (
            await client.post("/fhir/Practitioner", headers=someone, json=body)
        ).status_code == 403


async def test_two_creations_of_one_regulator_at_once_make_one_account(
    client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    nid = _national_id()
    bodies = [copy.deepcopy(regulator(PS, nid)) for _ in range(6)]
    answers = await asyncio.gather(
        *(client.post("/fhir/Practitioner", headers=platform, json=b) for b in bodies)
    )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 5


async def test_an_account_the_cpts_gave_more_roles_is_no_longer_the_sas_s(
    client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    nid = _national_id()
    made = await client.post("/fhir/Practitioner", headers=platform, json=regulator(PS, nid))
    assert made.status_code == 201
    admin = await login(client, "admin@sud-yvelines.test")
    promoted = await client.patch(
        f"/api/v1/accounts/{made.json()['id']}",
        headers=admin,
        json={"roles": ["regulator", "coordinator"]},
    )
    assert promoted.status_code == 200, promoted.text
    refused = await client.put(
        f"/fhir/Practitioner?identifier={PS}|{nid}",
        headers=platform,
        json=regulator(PS, nid, active=False),
    )
    assert refused.status_code == 409
    account = await _account(client, made.json()["telecom"][0]["value"])
    assert account is not None and not account["disabled"], "the SAS withdrew nothing"


async def test_a_sas_regulator_gets_no_password_by_a_reset_link(
    app: Litestar, client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    # They act here only from the SAS: a password would let them in from anywhere.
    notifier = recording(app)
    email = f"arm-{uuid.uuid4().hex[:8]}@sas.test"
    created = await client.post(
        "/fhir/Practitioner", headers=platform, json=regulator(PS, _national_id(), email=email)
    )
    assert created.status_code == 201, created.text
    asked = await client.post("/api/v1/auth/password-reset", json={"email": email})
    assert asked.status_code == 202
    await asyncio.sleep(0.2)  # the e-mails go out of band
    assert [n for n in notifier.sent if n.to == email] == []


async def test_an_admin_cannot_invite_a_sas_regulator_to_a_password(
    app: Litestar, client: httpx.AsyncClient, platform: dict[str, str]
) -> None:
    email = f"arm-{uuid.uuid4().hex[:8]}@sas.test"
    created = await client.post(
        "/fhir/Practitioner", headers=platform, json=regulator(PS, _national_id(), email=email)
    )
    assert created.status_code == 201, created.text
    account = await _account(client, email)
    assert account is not None
    admin = await login(client, "admin@sud-yvelines.test")
    invited = await client.post(
        f"/api/v1/accounts/{account['id']}/invitation", headers={**admin, "Accept-Language": "fr"}
    )
    assert invited.status_code == 409 and invited.json()["code"] == "sas_regulator_no_password"
    # A password from before they were the SAS's opens nothing either.
    from coordination.accounts.account import Account
    from coordination.accounts.passwords import hash_password
    from server.state import AppServices

    async with AppServices.of(app).db.write() as session:
        row = await session.get(Account, uuid.UUID(account["id"]))
        assert row is not None
        row.password_hash = hash_password("an-old-password-of-theirs")
    refused = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "an-old-password-of-theirs"}
    )
    assert refused.status_code == 401 and refused.json()["code"] == "login_failed"
