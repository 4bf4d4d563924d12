"""Corrections to the generated OpenAPI document, so that it says what the API answers.

Litestar documents a 400 of its own shape; every error here is an RFC 9457 problem (FHIR
routes: an OperationOutcome), and any route may answer the statuses below. It also writes
`datetime.time` as format "duration", which "12:00:00" is not; and it cannot see the JSON
inside a `Response[bytes]`. Schemathesis checks the result (tests/e2e/test_schemathesis.py).
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    Reference,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType

_STRING = Schema(type=OpenAPIType.STRING)
_OPTIONAL_STRING = Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL])
PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status"],
    properties={
        "type": _STRING,
        "title": _STRING,
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": _OPTIONAL_STRING,
        "instance": _OPTIONAL_STRING,
        "field": _OPTIONAL_STRING,
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "field": _OPTIONAL_STRING,
                    "message": _STRING,
                    "source": _OPTIONAL_STRING,
                },
            ),
        ),
    },
    description="RFC 9457 problem details",
)
_OBJECT = Schema(type=OpenAPIType.OBJECT)
PROBLEM_STATUSES = {
    400: "Malformed request (the problem names the field)",
    401: "Not authenticated",
    403: "Not allowed (role, territory or CSRF)",
    404: "Not found, or not visible to the caller",
    405: "Method not allowed",
    409: "Conflict with the current state (compare-and-swap)",
    410: "Gone",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Invalid input (the problem names the field)",
    429: "Too many requests (see Retry-After)",
    503: "A dependency is unavailable; retry",
}
# Operations whose body is built by hand: (path, media type, schema of the 200).
_RAW_BODIES = {
    "/fhir/Slot": ("application/fhir+json", _OBJECT),
    "/fhir/metadata": ("application/fhir+json", _OBJECT),
    "/fhir/Practitioner": ("application/fhir+json", _OBJECT),
    "/fhir/$bulk-publish": ("application/json", _OBJECT),
    "/fhir/bulk/{slug}/{filename}": ("application/fhir+ndjson", _STRING),
    "/ical/{filename}": ("text/calendar", _STRING),
}
# Routes whose 200 has other renderings than JSON (?format=, or a file).
_FILES = {
    "/api/v1/indicators": (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "/api/v1/contracts/{year}/report": (
        "text/csv",
        "text/html",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "/api/v1/audit/reads.csv": ("text/csv",),
    "/api/v1/patients/{patient_id}/export": ("application/zip",),
}
# The FHIR interactions answer errors with an OperationOutcome; the SMART Links files do not.
_FHIR_INTERACTIONS = {"/fhir/Slot", "/fhir/metadata", "/fhir/Practitioner"}
_TIME = Schema(type=OpenAPIType.STRING, pattern=r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _operations(openapi: OpenAPI) -> list[tuple[str, Any]]:
    found = []
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None:
                found.append((path, operation))
    return found


def _fix_times(schema: Any) -> None:
    """Replace format "duration" (Litestar's rendering of `time`) by a time-of-day pattern."""
    if isinstance(schema, Schema):
        for name, value in list((schema.properties or {}).items()):
            if (
                isinstance(value, Schema)
                and value.format is not None
                and (str(getattr(value.format, "value", value.format)) == "duration")
            ):
                schema.properties[name] = _TIME  # type: ignore[index]
            else:
                _fix_times(value)
        for nested in (schema.items, *(schema.one_of or ()), *(schema.any_of or ())):
            _fix_times(nested)


def document(openapi: OpenAPI) -> OpenAPI:
    components = openapi.components or Components()
    openapi.components = components
    schemas = dict(components.schemas or {})
    schemas["Problem"] = PROBLEM
    components.schemas = schemas
    for schema in schemas.values():
        _fix_times(schema)
    problem = {
        "application/problem+json": OpenAPIMediaType(
            schema=Reference("#/components/schemas/Problem")
        )
    }
    # FHIR interactions: an OperationOutcome, but the authentication in front of them speaks
    # problem+json like the rest.
    outcome = {"application/fhir+json": OpenAPIMediaType(schema=_OBJECT), **problem}
    for path, operation in _operations(openapi):
        fhir = path in _FHIR_INTERACTIONS
        responses = dict(operation.responses or {})
        for status, description in PROBLEM_STATUSES.items():
            responses[str(status)] = OpenAPIResponse(
                description=description, content=outcome if fhir else problem
            )
        raw = _RAW_BODIES.get(path)
        if raw is not None:
            media, schema = raw
            for code in ("200", "201") if "201" in responses else ("200",):
                ok = responses.get(code)
                responses[code] = OpenAPIResponse(
                    description=ok.description if isinstance(ok, OpenAPIResponse) else "OK",
                    content={media: OpenAPIMediaType(schema=schema)},
                )
            if path.startswith("/ical/"):
                responses["304"] = OpenAPIResponse(description="Not modified")
        ok = responses.get("200")
        if path in _FILES and isinstance(ok, OpenAPIResponse):
            content = dict(ok.content or {})
            for media in _FILES[path]:
                content[media] = OpenAPIMediaType(schema=_STRING)
            ok.content = content
        operation.responses = responses
        for parameter in operation.parameters or ():
            _fix_times(getattr(parameter, "schema", None))
    return openapi
