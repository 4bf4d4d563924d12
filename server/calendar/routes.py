"""The caller's calendar feed URLs and imported busy calendars (`/api/v1/me/...`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from coordination.calendar import feeds
from coordination.calendar.feeds import FeedDraft
from coordination.directory.refs import professional_ref
from integrations.ical.busy_import import BusyCalendarError
from integrations.ical.fetch import FetchError, normalise_url
from kernel.actor import Actor
from kernel.errors import Invalid
from scheduling import busy_time
from scheduling.busy_calendar import BusyCalendar, BusySource
from scheduling.slots import require_agenda_rights
from server.calendar import busy_refresh
from server.calendar.wire import (
    BusyCalendarList,
    BusyOutcomeOut,
    BusyUrlIn,
    FeedIn,
    FeedList,
    FeedOut,
    busy_calendar_out,
    conflict_out,
    feed_out,
    outcome_out,
)
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.state import AppServices

_UPLOAD_LIMIT = 5_000_000
ProfessionalParam = Annotated[
    uuid.UUID | None,
    QueryParameter(description="staff only: the professional whose calendars these are"),
]


def _feed_url(services: AppServices, secret: str) -> str:
    return f"{services.settings.public_url}/ical/{secret}.ics"


class CalendarFeedController(Controller):
    path = "/api/v1/me/calendar-feeds"
    tags = ["calendar"]

    @post("/", status_code=HTTP_201_CREATED, summary="Create a secret calendar feed URL")
    async def create(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        data: JSONBody[FeedIn],
    ) -> FeedOut:
        issued = await feeds.create_feed(
            session,
            clock,
            actor,
            FeedDraft(
                name=data.name,
                scope=data.scope,
                include_free_slots=data.include_free_slots,
                patient_initials=data.patient_initials,
            ),
        )
        return feed_out(issued.feed, _feed_url(services, issued.secret))

    @get("/", summary="The caller's live feeds (their URLs were shown at creation)")
    async def list_feeds(self, session: DbSession, actor: ActorDep) -> FeedList:
        return FeedList(items=[feed_out(f) for f in await feeds.list_feeds(session, actor)])

    @post(
        "/{feed_id:uuid}/rotate",
        status_code=HTTP_201_CREATED,
        summary="Replace a feed's URL by a new one (the old one answers 410)",
    )
    async def rotate(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        feed_id: FromPath[uuid.UUID],
    ) -> FeedOut:
        issued = await feeds.rotate_feed(session, clock, actor, feed_id)
        return feed_out(issued.feed, _feed_url(services, issued.secret))

    @delete("/{feed_id:uuid}", status_code=HTTP_204_NO_CONTENT, summary="Revoke a feed URL")
    async def revoke(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, feed_id: FromPath[uuid.UUID]
    ) -> None:
        await feeds.revoke_feed(session, clock, actor, feed_id)


async def _expand_or_422(services: AppServices, actor: Actor, data: bytes, field: str) -> Any:
    try:
        return await busy_refresh.expand(services, data, actor.timezone)
    except BusyCalendarError as exc:
        raise Invalid.of(exc, field=field) from exc


class BusyCalendarController(Controller):
    """Own calendars (Google, Outlook, Doctolib, Weda…) whose busy time blocks pool slots."""

    path = "/api/v1/me/busy-calendars"
    tags = ["calendar"]

    @get("/", summary="Imported calendars, and bookings that conflict with them")
    async def list_calendars(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        professional_id: ProfessionalParam = None,
    ) -> BusyCalendarList:
        professional = await professional_ref(session, actor, professional_id)
        calendars = await busy_time.list_calendars(session, actor, professional)
        clashes = await busy_time.conflicts(session, professional.id, clock.now())
        owner = actor.professional_id == professional.id
        return BusyCalendarList(
            items=[busy_calendar_out(c, owner) for c in calendars],
            conflicts=[conflict_out(c) for c in clashes],
        )

    @post("/", status_code=HTTP_201_CREATED, summary="Import a calendar by its (secret) URL")
    async def add_url(
        self,
        services: ServicesDep,
        actor: ActorDep,
        data: JSONBody[BusyUrlIn],
        professional_id: ProfessionalParam = None,
    ) -> BusyOutcomeOut:
        allow_private = services.settings.calendar_allow_private
        try:
            url = normalise_url(data.url, allow_private=allow_private)
        except FetchError as exc:
            raise Invalid.of(exc, field="url") from exc
        async with services.db.read() as session:  # refuse early, before any fetch
            professional = await professional_ref(session, actor, professional_id)
            require_agenda_rights(actor, professional)
        try:
            fetched = await busy_refresh.fetch(services, url)
        except FetchError as exc:
            raise Invalid.of(exc, field="url") from exc
        intervals = await _expand_or_422(services, actor, fetched.body or b"", "url")
        async with services.db.write() as session:
            outcome = await busy_time.add_calendar(
                session,
                services.clock,
                actor,
                professional,
                name=data.name,
                source=BusySource.URL,
                intervals=intervals,
                url=url,
                remote_etag=fetched.etag,
                remote_last_modified=fetched.last_modified,
                refresh_every=busy_refresh.refresh_every(services),
            )
        return outcome_out(outcome, actor.professional_id == outcome.calendar.professional_id)

    @post(
        "/upload",
        status_code=HTTP_201_CREATED,
        summary="Import an .ics file (multipart fields `file` and `name`)",
        request_max_body_size=_UPLOAD_LIMIT + 100_000,
    )
    async def upload(
        self,
        services: ServicesDep,
        actor: ActorDep,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        professional_id: ProfessionalParam = None,
    ) -> BusyOutcomeOut:
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid(
                "send the calendar as the multipart field `file`",
                code="multipart_file_required",
                field="file",
            )
        name = data.get("name") or upload.filename or "Calendrier importé"
        if not isinstance(name, str) or len(name) > 100:
            raise Invalid(
                "name is at most 100 characters",
                code="calendar_name_too_long",
                params={"most": 100},
                field="name",
            )
        raw = await upload.read(_UPLOAD_LIMIT + 1)
        if len(raw) > _UPLOAD_LIMIT:
            raise Invalid(
                f"the file is larger than {_UPLOAD_LIMIT // 1_000_000} MB",
                code="file_too_large",
                params={"megabytes": _UPLOAD_LIMIT // 1_000_000},
                field="file",
            )
        async with services.db.read() as session:
            professional = await professional_ref(session, actor, professional_id)
            require_agenda_rights(actor, professional)
        intervals = await _expand_or_422(services, actor, raw, "file")
        async with services.db.write() as session:
            outcome = await busy_time.add_calendar(
                session,
                services.clock,
                actor,
                professional,
                name=name,
                source=BusySource.UPLOAD,
                intervals=intervals,
            )
        return outcome_out(outcome, actor.professional_id == outcome.calendar.professional_id)

    @post(
        "/{calendar_id:uuid}/refresh",
        status_code=HTTP_200_OK,
        summary="Fetch an imported URL calendar now",
    )
    async def refresh(
        self,
        services: ServicesDep,
        actor: ActorDep,
        calendar_id: FromPath[uuid.UUID],
        professional_id: ProfessionalParam = None,
    ) -> BusyOutcomeOut:
        async with services.db.read() as session:
            professional = await professional_ref(session, actor, professional_id)
            calendar = await busy_time.own_calendar(session, actor, professional, calendar_id)
        if calendar.source is not BusySource.URL:
            raise Invalid(
                "an uploaded calendar is refreshed by uploading it again",
                code="calendar_upload_refresh",
                field="source",
            )
        try:
            outcome = await busy_refresh.refresh_one(services, calendar, raising=True)
        except (FetchError, BusyCalendarError) as exc:  # recorded on the calendar, and said
            raise Invalid.of(exc, field="url") from exc
        if outcome is None:  # not read now (the calendar sandbox is full): its last word
            async with services.db.read() as session:
                failed = await session.get(BusyCalendar, calendar_id)
            detail = failed.last_error if failed is not None else None
            raise Invalid(
                detail or "the calendar could not be refreshed",
                code="calendar_refresh_failed",
                field="url",
            )
        return outcome_out(outcome, actor.professional_id == outcome.calendar.professional_id)

    @delete(
        "/{calendar_id:uuid}",
        status_code=HTTP_200_OK,
        summary="Stop importing a calendar (its busy time frees the slots it blocked)",
    )
    async def remove(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        calendar_id: FromPath[uuid.UUID],
        professional_id: ProfessionalParam = None,
    ) -> Response[BusyOutcomeOut]:
        professional = await professional_ref(session, actor, professional_id)
        outcome = await busy_time.remove_calendar(session, clock, actor, professional, calendar_id)
        return Response(
            outcome_out(outcome, actor.professional_id == professional.id), status_code=HTTP_200_OK
        )
