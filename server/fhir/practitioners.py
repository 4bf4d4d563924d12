"""INT_R02: the SAS platform manages its regulators' accounts (FrPractitionerRegul).

`POST /fhir/Practitioner` creates one (201, `Location`); `PUT /fhir/Practitioner?identifier=
system|value` updates the regulator that identifier names, or creates it (200, or 201); the
body's `active=false` withdraws it. Only the SAS platform's account may call them. Errors are
OperationOutcomes naming the element: 400 for a body the profile refuses, 409 for an
identifier or e-mail already taken, 401/403 for the caller.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, post, put
from litestar.params import FromQuery

from coordination.accounts import sas_regulators as regulators
from coordination.accounts.sas_regulators import RegulatorDraft, RegulatorView, Written
from integrations.fhir.sas_bundle import operation_outcome
from kernel.actor import Role
from kernel.errors import Conflict, Invalid, NotAllowed
from server.fhir.routes import fhir_response, refused
from server.state import AppServices

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/FrPractitionerRegul"
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
MAX_BODY = 16_384


class _Coding(msgspec.Struct, kw_only=True):
    system: str | None = None
    code: str | None = None


class _Concept(msgspec.Struct, kw_only=True):
    coding: list[_Coding] = []


class _Identifier(msgspec.Struct, kw_only=True):
    type: _Concept | None = None
    system: str | None = None
    value: str | None = None


class _Name(msgspec.Struct, kw_only=True):
    family: str | None = None
    given: list[str] = []


class _Telecom(msgspec.Struct, kw_only=True):
    system: str | None = None
    value: str | None = None


class PractitionerIn(msgspec.Struct, kw_only=True):
    """What INT_R02 sends; other elements (id, meta) are read past: the body's id in
    particular names nothing here (the kit sends one on every call)."""

    resourceType: str
    identifier: list[_Identifier] | None = None
    active: bool | None = None
    name: list[_Name] | None = None
    telecom: list[_Telecom] | None = None

    def draft(self) -> RegulatorDraft:
        if self.resourceType != "Practitioner":
            raise Invalid(
                "the resource is a Practitioner",
                code="regulator_resource_type",
                field="resourceType",
            )
        if not self.identifier or len(self.identifier) != 1:
            raise Invalid(
                "one identifier: the IdNat_PS or the SAS's",
                code="regulator_identifier_one",
                field="identifier",
            )
        (identifier,) = self.identifier
        system = identifier.system or ""
        codes = [c.code for c in identifier.type.coding] if identifier.type else []
        expected = regulators.TYPE_OF_SYSTEM.get(system)
        if expected is None:
            raise Invalid(
                "the identifier's system is the IdNat_PS's or the SAS's",
                code="regulator_identifier_system",
                field="identifier.system",
            )
        if codes != [expected]:
            raise Invalid(
                f"this identifier's type is {expected}",
                code="regulator_identifier_type",
                params={"expected": expected},
                field="identifier.type",
            )
        if self.active is None:
            raise Invalid("active is required", code="regulator_active_required", field="active")
        if not self.name or len(self.name) != 1 or len(self.name[0].given) != 1:
            raise Invalid(
                "one name, with a family and one given name",
                code="regulator_name_one",
                field="name",
            )
        emails = [t for t in self.telecom or [] if t.system == "email"]
        if len(emails) != 1 or len(self.telecom or []) != 1:
            raise Invalid(
                "one telecom, the regulator's e-mail", code="regulator_telecom_one", field="telecom"
            )
        return RegulatorDraft(
            system=system,
            value=identifier.value or "",
            family_name=self.name[0].family or "",
            given_name=self.name[0].given[0],
            email=emails[0].value or "",
            active=self.active,
        )


def practitioner(view: RegulatorView) -> dict[str, Any]:
    r = view.regulator
    return {
        "resourceType": "Practitioner",
        "id": str(view.account_id),
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {
                "type": {
                    "coding": [{"system": FR_V2_0203, "code": regulators.TYPE_OF_SYSTEM[r.system]}]
                },
                "system": r.system,
                "value": r.value,
            }
        ],
        "active": r.active,
        "name": [{"family": r.family_name, "given": [r.given_name]}],
        "telecom": [{"system": "email", "value": r.email}],
    }


def _outcome(status: int, code: str, exc: Exception) -> Response[bytes]:
    field = getattr(exc, "field", None)
    expression = f"Practitioner.{field}" if field else None
    return fhir_response(operation_outcome(code, str(exc), expression), status)


async def _write(request: Request[Any, Any, Any], identifier: str | None) -> Response[bytes]:
    actor, denied = refused(request, (Role.SAS_PLATFORM,), "this account may not manage regulators")
    if denied is not None or actor is None:
        assert denied is not None
        return denied
    body = await request.body()
    if len(body) > MAX_BODY:
        return _outcome(413, "too-costly", ValueError("the body is too large"))
    try:
        draft = msgspec.json.decode(body, type=PractitionerIn).draft()
        system, _, value = (identifier or "").partition("|")
        if identifier is not None and (not system or not value.strip()):
            raise Invalid(
                "name the regulator: ?identifier=<system>|<value>",
                code="regulator_identifier_required",
                field="identifier",
            )
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return _outcome(400, "structure", exc)
    except Invalid as exc:
        return _outcome(400, "invariant", exc)
    services = AppServices.of(request.app)
    try:
        async with services.db.write() as session:
            if identifier is None:
                view, written = (
                    await regulators.create(session, services.clock, actor, draft),
                    Written.CREATED,
                )
            else:
                view, written = await regulators.upsert(
                    session, services.clock, actor, system, value, draft
                )
    except Invalid as exc:
        return _outcome(400, "invariant", exc)
    except Conflict as exc:
        return _outcome(409, "duplicate", exc)
    except NotAllowed as exc:
        return _outcome(403, "forbidden", exc)
    response = fhir_response(practitioner(view), 201 if written is Written.CREATED else 200)
    base = services.settings.public_url
    response.headers["Location"] = f"{base}/fhir/Practitioner/{view.account_id}"
    return response


@post(
    "/fhir/Practitioner",
    opt={"public": True, "sas_platform": True},
    summary="SAS: create a regulator account (INT_R02)",
    tags=["fhir"],
    status_code=201,
)
async def create_regulator(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await _write(request, None)


@put(
    "/fhir/Practitioner",
    opt={"public": True, "sas_platform": True},
    summary="SAS: update, withdraw or create a regulator account (INT_R02)",
    tags=["fhir"],
)
async def update_regulator(
    request: Request[Any, Any, Any], identifier: FromQuery[str | None] = None
) -> Response[bytes]:
    return await _write(request, identifier or "")
