"""The SAS platform's Slot search, read from its query string.

Shapes accepted (standards.md §1.3, and what the ANS test kit sends):
`start=ge…&start=le…` with `2025-01-02T10:00:00.000+00:00`, `…000` without offset (read as
UTC) or no fraction at all, `+` arriving raw or as a space; practitioners as a comma-separated
list of `urn:oid:1.2.250.1.71.4.2.1|8<RPPS>` (1 to 25); `status=free`; the `_include`s of the
PS and CPTS cases. Errors name the parameter, for an OperationOutcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kernel.errors import CodedError, Param

PS_OID = "urn:oid:1.2.250.1.71.4.2.1"
STRUCT_OID = "urn:oid:1.2.250.1.71.4.2.2"
MAX_PRACTITIONERS = 25
MAX_WINDOW = timedelta(days=31)
_PRACTITIONER_PARAM = "schedule.actor:Practitioner.identifier"
_ORGANIZATION_PARAMS = (
    "schedule.actor:HealthcareService.organization.identifier",
    "schedule.actor:PractitionerRole.organization.identifier",
)
_DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?)?$"
)


class SearchError(CodedError):
    """A search the query string does not make; `parameter` names the culprit."""

    def __init__(
        self,
        parameter: str,
        message: str,
        *,
        code: str,
        params: dict[str, Param] | None = None,
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class SlotSearch:
    start: datetime
    end: datetime
    practitioner_ids: tuple[str, ...]  # IdNat_PS; empty with an organization
    organization_id: str | None  # IdNat_Struct of the CPTS (the CPTS variant)
    include_schedule: bool
    include_actors: bool
    include_services: bool  # CPTS variant: HealthcareService and its Organization


def parse_instant(raw: str) -> datetime:
    value = raw.strip().replace(" ", "+")  # an unencoded "+" arrives as a space
    match = _DATE.match(value)
    if not match:
        raise ValueError(f"not a FHIR dateTime: {raw!r}")
    day, clock, fraction, offset = match.groups()
    text = day + "T" + (clock or "00:00:00")
    if clock and len(clock) == 5:
        text += ":00"
    text += fraction or ""
    if offset in (None, "Z"):
        text += "+00:00"
    else:
        text += offset if ":" in offset else offset[:3] + ":" + offset[3:]
    return datetime.fromisoformat(text).astimezone(UTC)


def parse(params: list[tuple[str, str]]) -> SlotSearch:
    """`params`: the query string's pairs in order, repeated keys kept."""
    starts = [v for k, v in params if k == "start"]
    lower = [v[2:] for v in starts if v.startswith("ge") or v.startswith("gt")]
    upper = [v[2:] for v in starts if v.startswith("le") or v.startswith("lt")]
    if len(lower) != 1 or len(upper) != 1:
        raise SearchError(
            "start",
            "give the window as start=ge<dateTime>&start=le<dateTime>",
            code="fhir_window_required",
        )
    try:
        start, end = parse_instant(lower[0]), parse_instant(upper[0])
    except ValueError as exc:
        raise SearchError("start", str(exc), code="datetime_invalid") from exc
    if end < start:
        raise SearchError("start", "the window ends before it starts", code="end_before_start")
    if end - start > MAX_WINDOW:
        raise SearchError(
            "start",
            "the window spans at most 31 days",
            code="search_window_max",
            params={"days": MAX_WINDOW.days},
        )
    statuses = [v for k, v in params if k == "status"]
    if statuses and statuses != ["free"]:
        raise SearchError("status", "only status=free is served", code="fhir_status_free_only")
    practitioners: list[str] = []
    for key, value in params:
        if key == _PRACTITIONER_PARAM:
            for token in value.split(","):
                system, _, nid = token.strip().rpartition("|")
                if system not in (PS_OID, "") or not re.fullmatch(r"[08]\d{9,11}", nid):
                    raise SearchError(
                        key,
                        f"not a national practitioner id: {token!r}",
                        code="fhir_practitioner_id_invalid",
                        params={"identifier": token.strip()},
                    )
                practitioners.append(nid)
    organization = None
    for key, value in params:
        if key in _ORGANIZATION_PARAMS:
            system, _, nid = value.strip().rpartition("|")
            if system not in (STRUCT_OID, "") or not nid:
                raise SearchError(
                    key,
                    f"not a national structure id: {value!r}",
                    code="fhir_structure_id_invalid",
                    params={"identifier": value.strip()},
                )
            organization = nid
    if not practitioners and organization is None:
        raise SearchError(
            _PRACTITIONER_PARAM,
            "name 1 to 25 practitioners (or the CPTS)",
            code="fhir_practitioner_required",
            params={"most": MAX_PRACTITIONERS},
        )
    if len(practitioners) > MAX_PRACTITIONERS:
        raise SearchError(
            _PRACTITIONER_PARAM,
            f"at most {MAX_PRACTITIONERS} practitioners",
            code="fhir_practitioners_max",
            params={"most": MAX_PRACTITIONERS},
        )
    includes = {v for k, v in params if k.startswith("_include")}
    return SlotSearch(
        start=start,
        end=end,
        practitioner_ids=tuple(dict.fromkeys(practitioners)),
        organization_id=organization,
        include_schedule="Slot:schedule" in includes,
        include_actors="Schedule:actor" in includes,
        include_services="Slot:service-type-reference" in includes
        or "HealthcareService:organization" in includes,
    )
