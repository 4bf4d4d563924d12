"""The SAS slot search's answers, held against the IG package the ANS test kit validates
with (`fhir_packages/ans.fhir.fr.sas-1.1.0.tgz`) by an independent validator, pyfhircheck: each
resource of both launches' Bundles against the profile it declares (cardinalities, fixed and
pattern values, slices, the package's own ValueSets, FHIRPath invariants).

Its limits, stated: FR Core 1.1.0 and the NOS terminologies, which the package depends on, are
not published where this machine reaches, so the codes of their ValueSets and FR Core's own
extensions are not checked; pyfhircheck does not evaluate `profile` slicing discriminators,
so each Bundle is checked entry by entry (its own shape: tests/server/test_fhir_api.py). To
show the validator is not a rubber stamp, the package's own examples must pass, and a Slot of
ours broken on purpose must fail."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pyfhircheck import Validator
from pyfhircheck.config import ValidatorConfig

from kernel.clock import FrozenClock
from tests.conftest import login
from tests.server.scheduling_helpers import gp_session
from tests.server.test_fhir_api import (
    PS,
    cpts_search,
    free_time,
    kit_window,
    national_id,
    search,
)
from tests.server.test_smart_links_api import free_time_public

PACKAGE = Path(__file__).parent / "fhir_packages" / "ans.fhir.fr.sas-1.1.0.tgz"
SMART_PACKAGE = Path(__file__).parent / "fhir_packages" / "smart.scheduling.links-0.1.0.tgz"
# Two checks pyfhircheck cannot make here, lowered to warnings: `ref-1` (it cannot evaluate
# the invariant's `%rootResource` on a Reference) and its searchset rule on `Bundle.type`.
SEVERITY = {
    "profile.element.invariant.unsupported.ref-1": "information",
    "bundle.searchset.type": "warning",
}

# The package's examples the IG publisher passes and pyfhircheck does not, and why: known,
# so that a new one shows.
VALIDATOR_FALSE_POSITIVES = {
    # Two serviceType repetitions each with one R5 extension: pyfhircheck counts the
    # extension slice across the repetitions (« at most 1 »), not within each.
    "ExampleSlotCPTS2": "slice cardinality counted across repetitions",
}


def _validator(
    where: Path, package: Path, severity: dict[str, str], profiles: dict[str, list[str]]
) -> Validator:
    return Validator(
        config=ValidatorConfig.load_dict(
            {
                "fhirVersion": "4.0.1",
                "backend": "native",
                "localPackagePaths": [str(package)],
                "profiles": profiles,
                "terminology": {"mode": "local"},
                "evidenceOutputDir": str(where),
                "severityPolicy": severity,
            }
        )
    )


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    return _validator(tmp_path_factory.mktemp("fhir-evidence"), PACKAGE, SEVERITY, {})


SMART = "http://fhir-registry.smarthealthit.org/StructureDefinition/"


@pytest.fixture(scope="module")
def smart_validator(tmp_path_factory: pytest.TempPathFactory) -> Validator:
    """pyfhircheck counts every extension into each extension slice (« at most 1 » on any
    Slot with two extensions): that check is ours here (`_extension_counts`)."""
    return _validator(
        tmp_path_factory.mktemp("smart-evidence"),
        SMART_PACKAGE,
        {"profile.slice.cardinality.max": "warning"},
        {},
    )


# The SMART files name no profile (the spec does not ask them to): each is held to its type's.
SMART_PROFILES = {
    "Location": SMART + "vaccine-location",
    "Schedule": SMART + "vaccine-schedule",
    "Slot": SMART + "vaccine-slot",
}


# Where we depart from the 0.1.0 package, on purpose: it is the COVID-19 vaccination IG,
# whose Schedule must name the COVID-19 immunisation service (ours are GP consultations),
# and which predates the HL7 edition whose booking-link URL the files carry beside the
# original one.
SMART_DEPARTURES = (
    "profile.slice.cardinality.min Schedule.serviceType:c19Service:",
    "extension.unknown Slot.extension[1]: The extension http://hl7.org/fhir/uv/smart-scheduling-links/",
)


def _held_to_smart(resource: dict[str, Any]) -> dict[str, Any]:
    return {**resource, "meta": {"profile": [SMART_PROFILES[resource["resourceType"]]]}}


def _errors(validator: Validator, resource: dict[str, Any], where: Path) -> list[str]:
    """What the validator finds wrong with one resource (errors only), as readable lines."""
    path = where / f"{resource['resourceType']}-{resource.get('id', 'x')}.json"
    path.write_text(json.dumps(resource), encoding="utf-8")
    report = validator.validate_path(path)
    return [f"{i.code} {i.path}: {i.message}" for i in report.errors]


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]]


async def _ps_launch(client: httpx.AsyncClient, clock: FrozenClock) -> dict[str, Any]:
    gp, idnat = await national_id(client, 3)
    await free_time(client, gp, clock)
    regulator = await login(client, "regulator@sud-yvelines.test")
    window = kit_window(clock)
    ge, le = window["ge"].replace("+", "%2B"), window["le"].replace("+", "%2B")
    response = await search(
        client,
        regulator,
        f"_include=Slot:schedule&_include:iterate=Schedule:actor&start=ge{ge}&start=le{le}"
        f"&schedule.actor:Practitioner.identifier={PS}|{idnat}&status=free",
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _cpts_launch(client: httpx.AsyncClient, clock: FrozenClock) -> dict[str, Any]:
    response = await cpts_search(client, clock)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("launch", ["ps", "cpts"])
async def test_every_resource_of_the_answer_conforms_to_its_profile(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    validator: Validator,
    tmp_path: Path,
    launch: str,
) -> None:
    bundle = await (_ps_launch if launch == "ps" else _cpts_launch)(client, clock)
    resources = _resources(bundle)
    kinds = {r["resourceType"] for r in resources}
    assert {"Slot", "Schedule", "Practitioner", "PractitionerRole"} <= kinds
    if launch == "cpts":
        assert {"HealthcareService", "Organization"} <= kinds
    found = {}
    for resource in resources:
        assert resource["meta"]["profile"], "each resource declares the profile it is held to"
        errors = _errors(validator, resource, tmp_path)
        if errors:
            found[f"{resource['resourceType']}/{resource['id']}"] = errors
    assert found == {}


def test_the_package_s_own_examples_pass(validator: Validator, tmp_path: Path) -> None:
    import tarfile

    with tarfile.open(PACKAGE) as package:
        examples = [
            json.load(package.extractfile(m))  # type: ignore[arg-type]
            for m in package.getmembers()
            if m.name.startswith("package/example/")
            and m.name.endswith(".json")
            and m.name.split("/")[-1].split("-")[0]
            in {"Slot", "Schedule", "PractitionerRole", "HealthcareService", "Organization"}
        ]
    assert len(examples) >= 10
    failing = {e["id"]: _errors(validator, e, tmp_path) for e in examples}
    assert {k for k, v in failing.items() if v} == set(VALIDATOR_FALSE_POSITIVES)


async def test_a_slot_broken_on_purpose_fails(
    client: httpx.AsyncClient, clock: FrozenClock, validator: Validator, tmp_path: Path
) -> None:
    bundle = await _cpts_launch(client, clock)
    slot = next(r for r in _resources(bundle) if r["resourceType"] == "Slot")
    assert _errors(validator, slot, tmp_path) == []
    for change in ("no schedule", "wrong status", "no start", "no R5 service type"):
        broken = copy.deepcopy(slot)
        if change == "no schedule":
            del broken["schedule"]
        elif change == "wrong status":
            broken["status"] = "maybe"
        elif change == "no start":
            del broken["start"]
        else:  # the CPTS profile's own rule: its service type points at the HealthcareService
            for service_type in broken["serviceType"]:
                service_type.pop("extension", None)
        assert _errors(validator, broken, tmp_path), change


async def _smart_files(client: httpx.AsyncClient, clock: FrozenClock) -> list[dict[str, Any]]:
    gp, _ = await gp_session(client, 7)
    await free_time_public(client, gp, clock)
    manifest = (await client.get("/fhir/$bulk-publish")).json()
    resources = []
    for output in manifest["output"]:
        response = await client.get(urlsplit(output["url"]).path)
        assert response.status_code == 200
        resources += [json.loads(line) for line in response.text.splitlines()]
    return resources


def _extension_counts(resource: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for extension in resource.get("extension", []):
        counts[extension["url"]] = counts.get(extension["url"], 0) + 1
    return counts


async def test_the_smart_files_conform_to_the_smart_ig(
    client: httpx.AsyncClient, clock: FrozenClock, smart_validator: Validator, tmp_path: Path
) -> None:
    resources = await _smart_files(client, clock)
    assert {r["resourceType"] for r in resources} == {"Location", "Schedule", "Slot"}
    found = {}
    departures = set()
    for resource in resources:
        errors = []
        for error in _errors(smart_validator, _held_to_smart(resource), tmp_path):
            departure = next((d for d in SMART_DEPARTURES if error.startswith(d)), None)
            if departure:
                departures.add(departure)
            else:
                errors.append(error)
        if errors:
            found[f"{resource['resourceType']}/{resource['id']}"] = errors
        assert all(n == 1 for n in _extension_counts(resource).values()), resource["id"]
    assert found == {}, json.dumps(found, indent=1)
    assert departures == set(SMART_DEPARTURES), "a departure no longer there: drop it"
    slot = next(r for r in resources if r["resourceType"] == "Slot" and r["status"] == "free")
    location = next(r for r in resources if r["resourceType"] == "Location")
    broken_slot = {**slot, "status": "entered-in-error"}  # not in the IG's slot statuses
    broken_location = {k: v for k, v in location.items() if k != "telecom"}  # telecom 1..*
    assert _errors(smart_validator, _held_to_smart(broken_slot), tmp_path)
    assert _errors(smart_validator, _held_to_smart(broken_location), tmp_path)
