"""Scheduling endpoints: slots, availability rules, SNP requests, holds, bookings.

Controllers stay thin: decode, resolve directory facts the domain needs, call one service,
shape the answer. Patient identity is returned only to those the domain says may see it, and
every such read is audited.
"""

from __future__ import annotations

import logging
import uuid
from datetime import time
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from coordination.appointments.slip import read_slip, slip_sent
from coordination.directory.lookup import (
    MAX_RADIUS_KM,
    communes_within,
    location_ids_in,
    professional_ids_of,
)
from coordination.directory.professional import Profession
from coordination.directory.refs import PROFESSIONALS, professional_ref
from kernel.actor import Role
from kernel.errors import Invalid, Unavailable
from scheduling import bookings, holds, requests, rules, slot_shares, slots
from scheduling.models.booking import BookingStatus
from scheduling.models.slot import Modality, SlotStatus, Visibility
from scheduling.patient import identity_of
from scheduling.requests import RequestDraft
from scheduling.rules import RuleDraft
from scheduling.slots import SlotDraft, SlotQuery
from server.auth.guards import post_guarded_in_place, roles
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep, provide_actor
from server.scheduling.slip_text import slip_notice
from server.scheduling.wire import (
    BookingCancelIn,
    BookingIn,
    BookingList,
    BookingOut,
    BookingRescheduleIn,
    ClosedPeriod,
    ClosePeriodIn,
    HoldIn,
    HoldLimitIn,
    HoldOut,
    LiveHoldList,
    LiveHoldOut,
    RequestCloseIn,
    RequestIn,
    RequestList,
    RequestOut,
    RuleEndIn,
    RuleIn,
    RuleList,
    RuleSaved,
    SlipIn,
    SlotIn,
    SlotMoveIn,
    SlotOut,
    SlotPage,
    SlotSharesIn,
    SlotSharesOut,
    booking_out,
    request_out,
    rule_out,
    rule_saved,
    slot_out,
    slot_shares_out,
)
from server.state import AppServices
from server.wire_time import Instant

log = logging.getLogger("cpts.bookings")
_publishers = roles(Role.GP, Role.EXPERT, Role.COORDINATOR, Role.ADMIN)
IdempotencyKey = Annotated[
    str | None, HeaderParameter(name="Idempotency-Key", max_length=200, required=False)
]


class SlotController(Controller):
    path = "/api/v1/slots"
    tags = ["slots"]

    @post("/", guards=[_publishers], summary="Publish a one-off slot")
    async def create(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[SlotIn]
    ) -> SlotOut:
        professional = await professional_ref(session, actor, data.professional_id)
        slot = await slots.create_slot(
            session,
            clock,
            actor,
            professional,
            SlotDraft(
                starts_at=data.start,
                ends_at=data.end,
                modality=data.modality,
                visibility=frozenset(data.visibility),
                location_id=data.location_id,
                assisted=data.assisted,
            ),
        )
        return slot_out(slot, clock.now())

    @patch(
        "/{slot_id:uuid}",
        guards=[_publishers],
        summary="Move or resize a free slot (409 if it was taken or would overlap)",
    )
    async def move(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[SlotMoveIn],
    ) -> SlotOut:
        slot = await slots.move(session, clock, actor, PROFESSIONALS, slot_id, data.start, data.end)
        return slot_out(slot, clock.now())

    @post(
        "/close",
        guards=[_publishers],
        status_code=HTTP_200_OK,
        summary="Close a period: withdraw its free slots; held and booked ones stay",
    )
    async def close_period(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[ClosePeriodIn]
    ) -> ClosedPeriod:
        professional = await professional_ref(session, actor, data.professional_id)
        closed = await slots.close_period(session, clock, actor, professional, data.start, data.end)
        return ClosedPeriod(withdrawn=len(closed.withdrawn), kept=closed.kept)

    @get("/", summary="Search slots (free = bookable now), sorted by start, cursor-paged")
    async def search(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        start: FromQuery[Instant],
        end: FromQuery[Instant],
        status: FromQuery[SlotStatus | None] = SlotStatus.FREE,
        modality: FromQuery[Modality | None] = None,
        visibility: FromQuery[Visibility | None] = None,
        assisted: FromQuery[bool | None] = None,
        profession: FromQuery[Profession | None] = None,
        professional_id: FromQuery[uuid.UUID | None] = None,
        commune: Annotated[
            str | None, QueryParameter(pattern=r"^(\d{5}|2[AB]\d{3})$", description="INSEE code")
        ] = None,
        within_km: Annotated[float | None, QueryParameter(gt=0, le=MAX_RADIUS_KM)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> SlotPage:
        if start.tzinfo is None or end.tzinfo is None:
            raise Invalid(
                "start and end need a UTC offset",
                code="utc_offset_required",
                field="start" if start.tzinfo is None else "end",
            )
        professional_ids = {professional_id} if professional_id else None
        if profession is not None:
            of_profession = await professional_ids_of(session, actor, profession)
            professional_ids = (
                of_profession if professional_ids is None else professional_ids & of_profession
            )
        location_ids = None
        if commune is not None:
            location_ids = await location_ids_in(
                session, actor, await communes_within(session, actor, commune, within_km)
            )
        elif within_km is not None:
            raise Invalid(
                "within_km needs a commune", code="slot_search_radius_commune", field="within_km"
            )
        page = await slots.search_slots(
            session,
            clock,
            actor,
            SlotQuery(
                start=start,
                end=end,
                status=status,
                modality=modality,
                visibility=visibility,
                assisted=assisted,
                professional_ids=professional_ids,
                location_ids=location_ids,
                cursor=cursor,
                limit=limit,
            ),
        )
        now = clock.now()
        return SlotPage(items=[slot_out(s, now) for s in page.items], next=page.next)

    @get("/{slot_id:uuid}", summary="One slot")
    async def one(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, slot_id: FromPath[uuid.UUID]
    ) -> SlotOut:
        return slot_out(await slots.get_slot(session, actor, slot_id), clock.now())

    @post(
        "/{slot_id:uuid}/withdraw",
        guards=[_publishers],
        status_code=HTTP_200_OK,
        summary="Withdraw an open slot",
    )
    async def withdraw(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, slot_id: FromPath[uuid.UUID]
    ) -> SlotOut:
        return slot_out(
            await slots.withdraw(session, clock, actor, PROFESSIONALS, slot_id), clock.now()
        )

    @get(
        "/{slot_id:uuid}/shares",
        guards=[_publishers],
        summary="The other CPTS a slot is offered under to the SAS, and those it may be",
    )
    async def shares(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, slot_id: FromPath[uuid.UUID]
    ) -> SlotSharesOut:
        sharing = await slot_shares.slot_sharing(session, clock, actor, PROFESSIONALS, slot_id)
        return slot_shares_out(sharing)

    @put(
        "/{slot_id:uuid}/shares",
        guards=[_publishers],
        summary="Offer a slot to the SAS under other CPTS its professional belongs to as well",
    )
    async def share(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        slot_id: FromPath[uuid.UUID],
        data: JSONBody[SlotSharesIn],
    ) -> SlotSharesOut:
        sharing = await slot_shares.share_slot(
            session, clock, actor, PROFESSIONALS, slot_id, data.territory_ids
        )
        return slot_shares_out(sharing)


class RuleController(Controller):
    path = "/api/v1/availability-rules"
    tags = ["availability rules"]

    def _draft(self, data: RuleIn) -> RuleDraft:
        return RuleDraft(
            rrule=data.rrule,
            start_date=data.start_date,
            start_time=time.fromisoformat(data.start_time),
            end_time=time.fromisoformat(data.end_time),
            slot_minutes=data.slot_minutes,
            modality=data.modality,
            visibility=frozenset(data.visibility),
            until=data.until,
            exdates=frozenset(data.exdates),
            location_id=data.location_id,
            assisted=data.assisted,
        )

    @post("/", guards=[_publishers], summary="Publish a recurring availability (RRULE)")
    async def create(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        data: JSONBody[RuleIn],
    ) -> RuleSaved:
        professional = await professional_ref(session, actor, data.professional_id)
        result = await rules.create_rule(
            session,
            clock,
            actor,
            professional,
            self._draft(data),
            services.settings.slot_horizon_days,
        )
        return rule_saved(result)

    @get("/", summary="Availability rules of the territory or of one professional")
    async def list_rules(
        self,
        session: DbSession,
        actor: ActorDep,
        professional_id: FromQuery[uuid.UUID | None] = None,
    ) -> RuleList:
        return RuleList(
            items=[rule_out(r) for r in await rules.list_rules(session, actor, professional_id)]
        )

    @put(
        "/{rule_id:uuid}",
        guards=[_publishers],
        summary="Edit a rule: future open slots follow, booked ones stay",
    )
    async def replace(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        services: ServicesDep,
        rule_id: FromPath[uuid.UUID],
        data: JSONBody[RuleIn],
    ) -> RuleSaved:
        result = await rules.replace(
            session,
            clock,
            actor,
            PROFESSIONALS,
            rule_id,
            self._draft(data),
            services.settings.slot_horizon_days,
        )
        return rule_saved(result)

    @post(
        "/{rule_id:uuid}/end",
        guards=[_publishers],
        status_code=HTTP_200_OK,
        summary="End a rule after a day",
    )
    async def end(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        rule_id: FromPath[uuid.UUID],
        data: JSONBody[RuleEndIn],
    ) -> RuleSaved:
        result = await rules.end(session, clock, actor, PROFESSIONALS, rule_id, data.last_day)
        return rule_saved(result)


class RequestController(Controller):
    path = "/api/v1/requests"
    tags = ["SNP requests"]

    @post("/", summary="Record an SNP request")
    async def create(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[RequestIn]
    ) -> RequestOut:
        request, patient = await requests.create_request(
            session,
            clock,
            actor,
            RequestDraft(
                origin=data.origin,
                reason=data.reason,
                patient=data.patient.draft(),
                urgency=data.urgency,
                received_at=data.received_at,
            ),
        )
        return request_out(request, patient)

    @get("/", opt={"audited": True}, summary="SNP requests, newest first (open ones by default)")
    async def list_requests(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        open: FromQuery[bool] = True,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> RequestList:
        read = await requests.read_requests(
            session, clock, actor, open_only=open, cursor=cursor, limit=limit
        )
        return RequestList(
            items=[request_out(r, read.patients[r.patient_id]) for r in read.page.items],
            next=read.page.next,
        )

    @get("/{request_id:uuid}", opt={"audited": True}, summary="One SNP request with its patient")
    async def one(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, request_id: FromPath[uuid.UUID]
    ) -> RequestOut:
        request, patient = await requests.read_request(session, clock, actor, request_id)
        return request_out(request, patient)

    @post(
        "/{request_id:uuid}/close",
        status_code=HTTP_200_OK,
        summary="Close with an outcome other than booked",
    )
    async def close(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        request_id: FromPath[uuid.UUID],
        data: JSONBody[RequestCloseIn],
    ) -> RequestOut:
        request = await requests.close_request(
            session, clock, actor, request_id, data.outcome, data.note
        )
        return request_out(request, None)


class HoldController(Controller):
    path = "/api/v1/holds"
    tags = ["holds"]

    @post("/", summary="Hold a free slot for a few minutes while the booking form is filled")
    async def create(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[HoldIn]
    ) -> HoldOut:
        hold = await holds.place_hold(session, clock, actor, data.slot_id)
        return HoldOut(id=hold.id, slot_id=hold.slot_id, expires_at=hold.expires_at)

    @get(
        "/",
        guards=[roles(Role.COORDINATOR, Role.ADMIN)],
        summary="Who holds which slot now, and the cap per account (CPTS staff)",
    )
    async def live(self, session: DbSession, clock: ClockDep, actor: ActorDep) -> LiveHoldList:
        limit, found = await holds.live_holds_of_territory(session, clock, actor)
        return LiveHoldList(
            max_live_holds=limit,
            items=[
                LiveHoldOut(
                    id=h.hold_id,
                    slot_id=h.slot_id,
                    slot_start=h.slot_starts_at,
                    professional_id=h.professional_id,
                    account_id=h.account_id,
                    account_name=h.account_name,
                    expires_at=h.expires_at,
                )
                for h in found
            ],
        )

    @put(
        "/limit",
        guards=[roles(Role.ADMIN)],
        summary="Set how many slots one account may hold at once (admins)",
    )
    async def set_limit(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[HoldLimitIn]
    ) -> HoldLimitIn:
        limit = await holds.set_hold_limit(session, clock, actor, data.max_live_holds)
        return HoldLimitIn(max_live_holds=limit)

    @delete("/{hold_id:uuid}", summary="Release a hold early")
    async def release(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, hold_id: FromPath[uuid.UUID]
    ) -> None:
        await holds.release_hold(session, clock, actor, hold_id)


class BookingController(Controller):
    path = "/api/v1/bookings"
    tags = ["bookings"]

    @post_guarded_in_place("/", summary="Book a slot (directly or from a hold); 409 if taken")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[BookingIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BookingOut]:
        # The hottest route takes its services from the request instead of injected
        # dependencies: Litestar resolves several dependencies in an anyio task group, a few
        # tasks per request. No session either: `bookings.place` writes a plain booking on
        # PostgreSQL with the other plain bookings in flight by one statement, the rest in a
        # write transaction of its own.
        services, actor = AppServices.of(request.app), provide_actor(request)
        clock = services.clock
        draft = bookings.BookingDraft(
            channel=data.channel,
            slot_id=data.slot_id,
            hold_id=data.hold_id,
            patient=data.patient.draft() if data.patient else None,
            request_id=data.request_id,
            idempotency_key=idempotency_key,
        )
        booked, patient = await bookings.place(
            services.db, services.booking_batcher, clock, actor, draft
        )
        return Response(
            booking_out(booked.booking, patient, booked.warnings),
            status_code=HTTP_201_CREATED if booked.created else HTTP_200_OK,
        )

    @get("/", opt={"audited": True}, summary="Bookings the caller made or is consulted for")
    async def list_bookings(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        start: FromQuery[Instant | None] = None,
        end: FromQuery[Instant | None] = None,
        status: FromQuery[BookingStatus | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> BookingList:
        read = await bookings.read_bookings(
            session, clock, actor, start=start, end=end, status=status, cursor=cursor, limit=limit
        )
        return BookingList(
            items=[booking_out(b, read.patients[b.patient_id]) for b in read.page.items],
            next=read.page.next,
        )

    @get("/{booking_id:uuid}", opt={"audited": True}, summary="One booking with its patient")
    async def one(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, booking_id: FromPath[uuid.UUID]
    ) -> BookingOut:
        booking, patient = await bookings.read_booking(session, clock, actor, booking_id)
        return booking_out(booking, patient)

    async def _move(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        booking_id: uuid.UUID,
        to: BookingStatus,
        reason: str | None = None,
    ) -> BookingOut:
        booking = await bookings.transition(session, clock, actor, booking_id, to, reason)
        return booking_out(booking, None)

    @post("/{booking_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Cancel; frees the slot")
    async def cancel(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[BookingCancelIn],
    ) -> BookingOut:
        return await self._move(
            session, clock, actor, booking_id, BookingStatus.CANCELLED, data.reason
        )

    @post(
        "/{booking_id:uuid}/reschedule",
        status_code=HTTP_201_CREATED,
        summary="Move to another slot: the old one freed, the new one taken, in one step",
    )
    async def reschedule(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[BookingRescheduleIn],
    ) -> BookingOut:
        booked = await bookings.reschedule(
            session,
            clock,
            actor,
            booking_id,
            slot_id=data.slot_id,
            hold_id=data.hold_id,
            reason=data.reason,
        )
        patient = booked.patient or await identity_of(session, booked.booking.patient_id)
        return booking_out(booked.booking, patient, booked.warnings)

    @post(
        "/{booking_id:uuid}/slip",
        status_code=HTTP_204_NO_CONTENT,
        summary="E-mail the booking slip to the patient (when, with whom, where, phone)",
    )
    async def send_slip(
        self,
        services: ServicesDep,
        actor: ActorDep,
        booking_id: FromPath[uuid.UUID],
        data: JSONBody[SlipIn],
    ) -> None:
        # Read (audited), send, then record that it went: a relay that fails leaves no trace
        # of a slip that never left.
        async with services.db.write() as session:
            slip = await read_slip(session, services.clock, actor, booking_id, "booking slip")
        try:
            await services.notifier.send(slip_notice(slip, data.email))
        except Exception as exc:
            log.warning("booking slip not sent: %s", type(exc).__name__)  # never the address
            raise Unavailable(
                "the mail relay failed; the slip was not sent, try again", code="slip_not_sent"
            ) from exc
        async with services.db.write() as session:
            await slip_sent(session, services.clock, actor, slip)

    @post("/{booking_id:uuid}/honour", status_code=HTTP_200_OK, summary="The patient came")
    async def honour(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, booking_id: FromPath[uuid.UUID]
    ) -> BookingOut:
        return await self._move(session, clock, actor, booking_id, BookingStatus.HONOURED)

    @post("/{booking_id:uuid}/no-show", status_code=HTTP_200_OK, summary="The patient did not come")
    async def no_show(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, booking_id: FromPath[uuid.UUID]
    ) -> BookingOut:
        return await self._move(session, clock, actor, booking_id, BookingStatus.NO_SHOW)
