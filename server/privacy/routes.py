"""Data protection endpoints for the coordinators: the audit log of patient reads (JSON and
CSV), finding a patient and exporting their data on request, and the retention delay."""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from coordination.directory.territories import get_territory
from coordination.directory.territory import Territory
from coordination.privacy.audit_log import MAX_PAGE, AuditQuery, query_reads, require_auditor
from coordination.privacy.patient_export import export_patient, find_patients
from integrations.reports.exports import csv_bytes
from kernel.actor import Role
from kernel.errors import Invalid
from server.auth.guards import roles
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.privacy.wire import (
    AuditPageOut,
    PatientMatch,
    RetentionIn,
    RetentionOut,
    entry_out,
    match_out,
)
from server.wire_time import Instant

_staff = roles(Role.COORDINATOR, Role.ADMIN)
CSV_MAX_ROWS = 100_000
_CSV_COLUMNS = (
    "read_at",
    "account_email",
    "account_name",
    "account_id",
    "patient_id",
    "subject_type",
    "subject_id",
    "purpose",
)


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise Invalid(f"{field} needs a UTC offset", code="utc_offset_required", field=field)
    return value


async def provide_filters(
    start: FromQuery[Instant | None] = None,
    end: FromQuery[Instant | None] = None,
    patient_id: FromQuery[uuid.UUID | None] = None,
    account_id: FromQuery[uuid.UUID | None] = None,
    subject_type: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> AuditQuery:
    """The filters of the audit log's JSON and CSV routes, declared once."""
    return AuditQuery(
        start=_aware(start, "start"),
        end=_aware(end, "end"),
        patient_id=patient_id,
        account_id=account_id,
        subject_type=subject_type,
    )


def _retention(territory: Territory, default: int) -> RetentionOut:
    return RetentionOut(
        patient_retention_months=territory.patient_retention_months,
        default_months=default,
        effective_months=territory.patient_retention_months or default,
    )


class PrivacyController(Controller):
    path = "/api/v1"
    tags = ["data protection"]
    guards = [_staff]
    dependencies = {"filters": Provide(provide_filters)}

    @get("/audit/reads", summary="Who read which patient's data, newest first, cursor-paged")
    async def reads(
        self,
        session: DbSession,
        actor: ActorDep,
        filters: NamedDependency[AuditQuery],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 200,
    ) -> AuditPageOut:
        page = await query_reads(session, actor, replace(filters, cursor=cursor, limit=limit))
        return AuditPageOut(items=[entry_out(e) for e in page.items], next=page.next)

    @get("/audit/reads.csv", summary="The audit log as CSV (same filters, at most 100,000 rows)")
    async def reads_csv(
        self, session: DbSession, actor: ActorDep, filters: NamedDependency[AuditQuery]
    ) -> Response[bytes]:
        rows: list[list[Any]] = []
        query = replace(filters, limit=MAX_PAGE)
        while len(rows) < CSV_MAX_ROWS:
            page = await query_reads(session, actor, query)
            rows.extend(
                [e.read_at.isoformat(), *[getattr(e, c) for c in _CSV_COLUMNS[1:]]]
                for e in page.items
            )
            if page.next is None:
                break
            query = replace(query, cursor=page.next)
        return Response(
            csv_bytes(_CSV_COLUMNS, rows),
            media_type="text/csv",  # Litestar adds the charset to text/ types
            headers={"Content-Disposition": 'attachment; filename="audit-lectures.csv"'},
        )

    @get(
        "/patients",
        opt={"audited": True},
        summary="Find a patient (family name and birth date) to answer a data request",
    )
    async def find(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        family_name: Annotated[str, QueryParameter(min_length=2, max_length=100)],
        birth_date: FromQuery[date],
    ) -> list[PatientMatch]:
        found = await find_patients(session, clock, actor, family_name, birth_date)
        return [match_out(p) for p in found]

    @get(
        "/patients/{patient_id:uuid}/export",
        opt={"audited": True},
        summary="Everything held on one patient, as a ZIP (patient.json and the photos)",
    )
    async def export(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        patient_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        exported = await export_patient(session, clock, actor, patient_id)
        document: dict[str, Any] = {
            "exported_at": exported.exported_at,
            "patient": exported.patient,
            **exported.records,
            "reads": exported.reads,
        }
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("patient.json", msgspec.json.format(msgspec.json.encode(document)))
            for photo_id, key, content_type in exported.photos:
                try:
                    data = await services.blob_store.get(key)
                except KeyError:
                    continue  # listed in patient.json; the file itself is gone
                suffix = {"image/jpeg": "jpg", "image/png": "png"}.get(content_type, "bin")
                zf.writestr(f"photos/{photo_id}.{suffix}", data)
        return Response(
            archive.getvalue(),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="patient-{patient_id}.zip"',
                "Cache-Control": "no-store",
            },
        )

    @get("/privacy/settings", summary="Retention delay of patient identities")
    async def settings(
        self, session: DbSession, actor: ActorDep, services: ServicesDep
    ) -> RetentionOut:
        require_auditor(actor)
        territory = await get_territory(session, actor)
        return _retention(territory, services.settings.patient_retention_months)

    @put("/privacy/settings", guards=[roles(Role.ADMIN)], summary="Change the retention delay")
    async def change(
        self,
        session: DbSession,
        actor: ActorDep,
        services: ServicesDep,
        data: JSONBody[RetentionIn],
    ) -> RetentionOut:
        territory = await get_territory(session, actor)
        territory.patient_retention_months = data.patient_retention_months
        await session.flush()
        return _retention(territory, services.settings.patient_retention_months)
