"""The Annuaire Santé FHIR API (v2): Practitioner, PractitionerRole and Organization resources
read into the same national activities as the extraction.

A search the operator names (e.g. `PractitionerRole?organization.address-postalcode=78120&
_include=PractitionerRole:practitioner&_include=PractitionerRole:organization`) is followed
page by page (`link` "next"), with the key in `ESANTE-API-KEY`; saved searchset bundles are
read the same way. In v2 the profession (TRE_G15) and the savoir-faire (TRE_R38) are the
Practitioner's `qualification`s; a role links a practitioner to the Organization whose address
is the place of practice (the INSEE code in an address extension, else the postal code when a
single commune of the territory has it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Mapping
from typing import Any

import httpx
import msgspec

from coordination.directory.national_import import NationalActivity

IDNPS = "urn:oid:1.2.250.1.71.4.2.1"
RPPS_SYSTEMS = frozenset({"https://rpps.esante.gouv.fr", "http://rpps.fr"})
FINESS_SYSTEMS = frozenset({"https://finess.esante.gouv.fr", "http://finess.sante.gouv.fr"})
IDNST = "urn:oid:1.2.250.1.71.4.2.2"
MAX_PAGES = 2000  # at 100 entries a page: 200,000 resources, a region's worth
MAX_PAGE_BYTES = 32 * 1024 * 1024
PAGE_SECONDS = 60.0


class AnnuaireError(Exception):
    """The API refused or answered what is no searchset bundle."""


def _codings(concept: Any) -> Iterator[dict[str, Any]]:
    if isinstance(concept, dict):
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict):
                yield coding


def _code_in(resource_codings: Iterable[dict[str, Any]], marker: str) -> str:
    """The code of the first coding whose system names this nomenclature ("TRE-G15")."""
    for coding in resource_codings:
        system = str(coding.get("system") or "").replace("_", "-")
        if marker in system and coding.get("code"):
            return str(coding["code"])
    return ""


def _national_id(practitioner: dict[str, Any]) -> tuple[str, str] | None:
    """(type, identifier): ("8", RPPS) or ("0", ADELI), from IDNPS or the RPPS system."""
    for identifier in practitioner.get("identifier") or []:
        system, value = identifier.get("system"), str(identifier.get("value") or "")
        if system == IDNPS and len(value) > 1 and value[0] in "08":
            return value[0], value[1:]
        if system in RPPS_SYSTEMS and value.isdigit() and len(value) == 11:
            return "8", value
    return None


def _name(practitioner: dict[str, Any]) -> tuple[str, str]:
    names = [n for n in practitioner.get("name") or [] if isinstance(n, dict)]
    usual = next((n for n in names if n.get("use") == "usual"), names[0] if names else {})
    given = usual.get("given") or []
    return str(usual.get("family") or ""), " ".join(str(g) for g in given)


def _telecom(resource: dict[str, Any], system: str, mssante: bool = False) -> str:
    for contact in resource.get("telecom") or []:
        if contact.get("system") != system:
            continue
        is_mssante = any(
            "MSSANTE" in str((ext.get("valueCoding") or {}).get("code") or "")
            for ext in contact.get("extension") or []
        )
        if is_mssante == mssante:
            return str(contact.get("value") or "")
    return ""


def _identifier(organization: dict[str, Any], systems: Collection[str]) -> str:
    for identifier in organization.get("identifier") or []:
        if identifier.get("system") in systems:
            return str(identifier.get("value") or "")
    return ""


def _place(organization: dict[str, Any], postal_codes: Mapping[str, str]) -> tuple[str, str, str]:
    """(address line, postal code, INSEE code) of the organization's first address."""
    for address in organization.get("address") or []:
        insee = ""
        for ext in address.get("extension") or []:
            url = str(ext.get("url") or "").lower()
            value = ext.get("valueString") or (ext.get("valueCoding") or {}).get("code")
            if ("insee" in url or "tre-r13" in url or "commune" in url) and value:
                insee = str(value)
        postal = str(address.get("postalCode") or "")
        line = " ".join(str(x) for x in address.get("line") or [] if x)
        return line, postal, insee or postal_codes.get(postal, "")
    return "", "", ""


def activities_from_resources(
    resources: Iterable[dict[str, Any]], postal_codes: Mapping[str, str] | None = None
) -> Iterator[NationalActivity]:
    """One activity per active PractitionerRole whose practitioner and organization are
    among the resources (a searchset with its `_include`s, over one or several pages)."""
    practitioners: dict[str, dict[str, Any]] = {}
    organizations: dict[str, dict[str, Any]] = {}
    roles: list[dict[str, Any]] = []
    for resource in resources:
        kind, rid = resource.get("resourceType"), str(resource.get("id") or "")
        if kind == "Practitioner":
            practitioners[rid] = resource
        elif kind == "Organization":
            organizations[rid] = resource
        elif kind == "PractitionerRole":
            roles.append(resource)
    postal = postal_codes or {}
    for role in roles:
        if role.get("active") is False:
            continue
        ref = str((role.get("practitioner") or {}).get("reference") or "")
        practitioner = practitioners.get(ref.rpartition("/")[2])
        if practitioner is None or practitioner.get("active") is False:
            continue
        national = _national_id(practitioner)
        if national is None:
            continue
        org_ref = str((role.get("organization") or {}).get("reference") or "")
        organization = organizations.get(org_ref.rpartition("/")[2]) or {}
        qualifications = [
            c for q in practitioner.get("qualification") or [] for c in _codings(q.get("code"))
        ]
        specialty = _code_in(qualifications, "TRE-R38")
        family, given = _name(practitioner)
        line, postal_code, insee = _place(organization, postal)
        finess = _identifier(organization, FINESS_SYSTEMS)
        idnst = _identifier(organization, {IDNST})
        siret = idnst[1:] if idnst.startswith("3") else ""
        yield NationalActivity(
            id_type=national[0],
            identifier=national[1],
            family_name=family,
            given_name=given,
            profession_code=_code_in(qualifications, "TRE-G15"),
            specialty_code=specialty,
            specialty_label=next(
                (str(c.get("display") or "") for c in qualifications if c.get("code") == specialty),
                "",
            ),
            mode=_code_in([c for x in role.get("code") or [] for c in _codings(x)], "TRE-R23"),
            structure_key=("fhir:" + str(organization.get("id"))) if organization else "",
            site_name=str(organization.get("name") or ""),
            siret=siret,
            finess=finess,
            address=line,
            postal_code=postal_code,
            commune_insee=insee,
            phone=_telecom(organization, "phone") or _telecom(practitioner, "phone"),
            email=_telecom(practitioner, "email"),
        )


def resources_of(bundle: Any) -> list[dict[str, Any]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise AnnuaireError("not a FHIR Bundle")
    return [
        e["resource"]
        for e in bundle.get("entry") or []
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]


def _next(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if link.get("relation") == "next" and link.get("url"):
            return str(link["url"])
    return None


async def search_pages(
    url: str, api_key: str, client: httpx.AsyncClient | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """The resources of every page of a search, in order (at most MAX_PAGES pages)."""
    own = client is None
    http = client or httpx.AsyncClient(timeout=PAGE_SECONDS)
    headers = {"ESANTE-API-KEY": api_key, "Accept": "application/fhir+json"}
    try:
        next_url: str | None = url
        for _ in range(MAX_PAGES):
            if next_url is None:
                return
            async with http.stream("GET", next_url, headers=headers) as response:
                if response.status_code != 200:
                    raise AnnuaireError(f"the Annuaire Santé API answered {response.status_code}")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_PAGE_BYTES:
                        raise AnnuaireError(f"a page larger than {MAX_PAGE_BYTES} bytes")
            try:
                bundle = msgspec.json.decode(bytes(body))
            except msgspec.DecodeError as exc:
                raise AnnuaireError("the Annuaire Santé API answered no JSON") from exc
            yield resources_of(bundle)
            next_url = _next(bundle)
        raise AnnuaireError(f"more than {MAX_PAGES} pages: narrow the search")
    finally:
        if own:
            await http.aclose()
