"""`GET /fhir/Slot`: the slot search the national SAS platform runs (we are its FHIR server).

Callers: the SAS platform (role `sas_platform`, which may call nothing else), by the client
certificate the reverse proxy verified (deploy/nginx, `CPTS_SAS_CERT_SUBJECTS`) or a bearer
token; regulators and the CPTS staff with a bearer token. Answers are `application/fhir+json`
whatever the Accept header names (the kit sends the IG's old `application/json+fhir` and
expects the former); errors are OperationOutcomes, as the IG asks, never problem+json.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get

from integrations.fhir import sas_search
from integrations.fhir.sas_bundle import bundle, operation_outcome
from integrations.fhir.sas_query import SearchError, parse
from kernel.actor import Actor, Role
from server.auth.guards import current_actor
from server.auth.middleware import CERTIFICATE
from server.state import AppServices

FHIR_JSON = "application/fhir+json"
MAX_SLOTS = 5000  # open_slots' limit: beyond, the caller narrows the window
SEARCHERS = (Role.SAS_PLATFORM, Role.REGULATOR, Role.COORDINATOR, Role.ADMIN)
_encoder = msgspec.json.Encoder()


def fhir_response(body: dict[str, Any], status: int = 200) -> Response[bytes]:
    return Response(
        _encoder.encode(body),
        status_code=status,
        media_type=FHIR_JSON + "; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def refused(
    request: Request[Any, Any, Any], allowed: tuple[Role, ...], message: str
) -> tuple[Actor | None, Response[bytes] | None]:
    """The caller, or the OperationOutcome refusing them (401 without credentials, 403 for
    an account holding none of `allowed`)."""
    actor = current_actor(request)
    if actor is None:
        body = operation_outcome(
            "login", "authentication required: the SAS's client certificate or a bearer token"
        )
        response = fhir_response(body, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="cpts"'
        return None, response
    if not actor.has_any(*allowed):
        return None, fhir_response(operation_outcome("forbidden", message), 403)
    return actor, None


@get(
    "/fhir/Slot",
    opt={"public": True, "sas_platform": True},
    summary="SAS slot search (FHIR R4)",
    tags=["fhir"],
)
async def slot_search(request: Request[Any, Any, Any]) -> Response[bytes]:
    actor, denied = refused(request, SEARCHERS, "this account may not search slots")
    if denied is not None or actor is None:
        assert denied is not None
        return denied
    try:
        search = parse(list(request.query_params.multi_items()))
    except SearchError as exc:
        return fhir_response(operation_outcome("invalid", str(exc), exc.parameter), 400)
    services = AppServices.of(request.app)
    async with services.db.read() as session:
        found = await sas_search.find(
            session,
            services.clock,
            actor,
            search,
            MAX_SLOTS,
            every_territory=request.auth == CERTIFICATE,
        )
    slots = found.slots
    if found.truncated or len(slots) >= MAX_SLOTS:  # never a silently truncated answer
        outcome = operation_outcome(
            "too-costly", f"more than {MAX_SLOTS} free slots match: narrow the window", "start"
        )
        return fhir_response(outcome, 400)
    base = services.settings.public_url
    body = bundle(
        slots,
        found.practitioners,
        found.places,
        found.main_places,
        found.cpts_of,
        # With a query of its own: the SAS appends `&origin=…` to the link as it is.
        lambda s: f"{base}/slots/{s.id}?source=sas",
        include_schedule=search.include_schedule,
        include_actors=search.include_actors,
        include_services=search.include_services,
        self_url=f"{base}/fhir/Slot?{request.url.query}",
        fhir_base=f"{base}/fhir",
    )
    return fhir_response(body)


@get("/fhir/metadata", opt={"public": True}, summary="FHIR CapabilityStatement", tags=["fhir"])
async def capability(request: Request[Any, Any, Any]) -> Response[bytes]:
    base = AppServices.of(request.app).settings.public_url
    return fhir_response(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-12-01",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "implementation": {
                "description": "CPTS SNP — gestionnaire d'agenda (SAS)",
                "url": f"{base}/fhir",
            },
            "instantiates": [
                "https://interop.esante.gouv.fr/ig/fhir/sas/CapabilityStatement/SAS-GestionnaireAgenda-PsIndiv"
            ],
            "rest": [
                {
                    "mode": "server",
                    "resource": [
                        {
                            "type": "Slot",
                            "interaction": [{"code": "search-type"}],
                            "searchParam": [
                                {"name": "start", "type": "date"},
                                {"name": "status", "type": "token"},
                                {"name": "schedule.actor:Practitioner.identifier", "type": "token"},
                            ],
                            "searchInclude": [
                                "Slot:schedule",
                                "Schedule:actor",
                                "Slot:service-type-reference",
                                "HealthcareService:organization",
                            ],
                        }
                    ],
                }
            ],
        },
    )
