"""The SAS platform's query strings, as the ANS test kit and the IG write them."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from integrations.fhir.sas_query import SearchError, parse, parse_instant

PS = "urn:oid:1.2.250.1.71.4.2.1"


@pytest.mark.parametrize(
    "raw",
    [
        "2025-03-04T10:00:00.000+00:00",  # the PS case of the test kit
        "2025-03-04T10:00:00.000 00:00",  # its "+" sent unencoded, read back as a space
        "2025-03-04T10:00:00.000",  # the CPTS case: millis, no offset
        "2025-03-04T10:00:00",  # the IG's example
        "2025-03-04T11:00:00+01:00",
        "2025-03-04T10:00:00Z",
    ],
)
def test_the_three_date_forms_and_their_variants(raw: str) -> None:
    assert parse_instant(raw) == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def _query(qs: str) -> list[tuple[str, str]]:
    return parse_qsl(qs, keep_blank_values=True)


def test_the_ig_example_query() -> None:
    qs = (
        "_include=Slot:schedule&_include:iterate=Schedule:actor"
        "&start=ge2021-01-02T10:00:00&start=le2021-01-06T10:00:00"
        f"&schedule.actor:Practitioner.identifier={PS}|810101288385,{PS}|800001288385,"
        f"{PS}|810106738385&status=free"
    )
    search = parse(_query(qs))
    assert search.practitioner_ids == ("810101288385", "800001288385", "810106738385")
    assert search.include_schedule and search.include_actors and not search.include_services
    assert search.start == datetime(2021, 1, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("qs", "parameter"),
    [
        ("start=ge2025-01-01T00:00:00&status=free", "start"),
        ("start=ge2025-01-05T00:00:00&start=le2025-01-01T00:00:00", "start"),
        ("start=ge2025-01-01T00:00:00&start=le2025-03-01T00:00:00", "start"),
        ("start=gehier&start=le2025-01-01", "start"),
        ("start=ge2025-01-01&start=le2025-01-02&status=busy", "status"),
        ("start=ge2025-01-01&start=le2025-01-02", "schedule.actor:Practitioner.identifier"),
        (
            "start=ge2025-01-01&start=le2025-01-02&schedule.actor:Practitioner.identifier=urn:oid:9.9|810101288385",
            "schedule.actor:Practitioner.identifier",
        ),
        (
            "start=ge2025-01-01&start=le2025-01-02&schedule.actor:Practitioner.identifier="
            + ",".join(f"{PS}|8{n:011d}" for n in range(26)),
            "schedule.actor:Practitioner.identifier",
        ),
    ],
)
def test_bad_searches_name_their_parameter(qs: str, parameter: str) -> None:
    with pytest.raises(SearchError) as caught:
        parse(_query(qs))
    assert caught.value.parameter == parameter
