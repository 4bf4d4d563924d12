"""FrAppointmentSAS out, over HTTPS with a client certificate (standards.md §1.5).

Create: `POST [base]/Appointment` → 201. Every later change: the conditional update
`PUT [base]/Appointment?identifier=<system>|<id>` → 200. The identifier is ours (the booking
id under our system URL), so the SAS can match updates to the appointment it recorded.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

PS_OID = "urn:oid:1.2.250.1.71.4.2.1"
INTERNAL_OID = "urn:oid:1.2.250.1.213.3.6"
FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
OPERATOR = "http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator"
PROFILE = "http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS"
FHIR_JSON = "application/fhir+json"
_encoder = msgspec.json.Encoder()


class SasError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class AppointmentNews:
    booking_id: str
    status: str  # booked | fulfilled | noshow | cancelled
    starts_at: datetime
    ends_at: datetime
    practitioner_national_id: str  # the GP consulted: IdNat_PS
    operator_national_id: str | None  # the regulator, when they have an IdNat_PS
    operator_account_id: str  # else their account, as an internal identifier
    # A regulator the SAS manages (INT_R02) is named as the SAS names them: (system, value).
    operator_sas_identifier: tuple[str, str] | None = None


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def appointment(news: AppointmentNews, identifier_system: str) -> dict[str, Any]:
    if news.operator_sas_identifier:
        system, value = news.operator_sas_identifier
        operator = {
            "type": {
                "coding": [{"system": FR_V2_0203, "code": "IDNPS" if system == PS_OID else "INTRN"}]
            },
            "system": system,
            "value": value,
        }
    elif news.operator_national_id:
        operator = {
            "type": {"coding": [{"system": FR_V2_0203, "code": "IDNPS"}]},
            "system": PS_OID,
            "value": news.operator_national_id,
        }
    else:
        operator = {
            "type": {"coding": [{"system": FR_V2_0203, "code": "INTRN"}]},
            "system": INTERNAL_OID,
            "value": news.operator_account_id,
        }
    return {
        "resourceType": "Appointment",
        "meta": {"profile": [PROFILE]},
        "identifier": [{"system": identifier_system, "value": news.booking_id}],
        "extension": [{"url": OPERATOR, "valueReference": {"identifier": operator}}],
        "status": news.status,
        "start": _instant(news.starts_at),
        "end": _instant(news.ends_at),
        "participant": [
            {
                "actor": {
                    "identifier": {
                        "type": {"coding": [{"system": FR_V2_0203, "code": "IDNPS"}]},
                        "system": PS_OID,
                        "value": news.practitioner_national_id,
                    }
                },
                "status": "accepted",
            }
        ],
    }


class SasClient:
    """One connection pool to the SAS endpoint; mutual TLS when a certificate is configured."""

    def __init__(
        self,
        base_url: str,
        *,
        client_cert: str | None = None,
        client_key: str | None = None,
        ca_file: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        verify: ssl.SSLContext | bool = True
        if client_cert or ca_file:
            context = ssl.create_default_context(cafile=ca_file)
            if client_cert:
                context.load_cert_chain(client_cert, client_key)
            verify = context
        self._base = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            timeout=timeout, verify=verify, transport=transport, trust_env=False
        )

    async def send(self, body: dict[str, Any], created: bool) -> int:
        """POST the first time, conditional PUT after; the HTTP status, or SasError."""
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        identifier = body["identifier"][0]
        try:
            if not created:
                # Conditional create: a POST whose answer was lost must not record it twice.
                condition = {
                    "If-None-Exist": f"identifier={identifier['system']}|{identifier['value']}"
                }
                response = await self._client.post(
                    f"{self._base}/Appointment",
                    content=_encoder.encode(body),
                    headers=headers | condition,
                )
                ok = response.status_code in (200, 201)
            else:
                response = await self._client.put(
                    f"{self._base}/Appointment",
                    params={"identifier": f"{identifier['system']}|{identifier['value']}"},
                    content=_encoder.encode(body),
                    headers=headers,
                )
                ok = response.status_code in (200, 201)
        except httpx.HTTPError as exc:
            raise SasError(f"the SAS endpoint could not be reached ({type(exc).__name__})") from exc
        if not ok:
            raise SasError(
                f"the SAS endpoint answered {response.status_code}", response.status_code
            )
        return response.status_code

    async def close(self) -> None:
        await self._client.aclose()
