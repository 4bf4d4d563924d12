"""Teleconsultation endpoints: nurses book GPs' assisted video slots; both run the visit.

Thin: decode, call the domain, shape the answer. The room link and the handover go to the GP
and the nurse only; every read of a patient's identity is audited.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Annotated, Literal

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from coordination.directory.lookup import contacts_of
from kernel.actor import Actor
from kernel.errors import Unavailable
from scheduling import bookings, teleconsultations
from scheduling.models.teleconsultation import Teleconsultation, TeleconsultationStatus
from scheduling.patient import Patient, PatientDraft
from scheduling.teleconsultations import TeleconsultationDraft
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.scheduling.routes import IdempotencyKey
from server.scheduling.wire import SlotOut, slot_out
from server.state import AppServices
from server.teleconsultations import notices
from server.teleconsultations.wire import (
    CancelIn,
    CompleteIn,
    Handover,
    SendLinkIn,
    TeleconsultationIn,
    TeleconsultationList,
    TeleconsultationOut,
    handover_data,
    teleconsultation_out,
)
from server.wire_time import Instant

log = logging.getLogger("cpts.teleconsultations")


async def _send_patient_link(
    services: AppServices, actor: Actor, tc_id: uuid.UUID, to: str
) -> Teleconsultation:
    """Send the room link, then record that it went (in its own transaction: a relay that
    fails leaves no trace of a link that never left)."""
    async with services.db.read() as session:
        tc = await teleconsultations.link_to_send(session, actor, tc_id)
        gp = (await contacts_of(session, actor.territory_id, [tc.gp_professional_id])).get(
            tc.gp_professional_id
        )
    try:
        await services.notifier.send(notices.patient_link(tc, to, gp, actor.timezone))
    except Exception as exc:
        # The relay's message may quote the address: log the kind of failure only.
        log.warning("room link not sent: %s", type(exc).__name__)
        raise Unavailable(
            "the mail relay failed; the link was not sent, try again", code="room_link_not_sent"
        ) from exc
    async with services.db.write() as session:
        tc = await teleconsultations.mark_link_sent(session, services.clock, actor, tc_id)
    return tc


class TeleconsultationController(Controller):
    path = "/api/v1/teleconsultations"
    tags = ["teleconsultations"]

    @post("/", summary="A nurse books a GP's assisted video slot for a patient; 409 if taken")
    async def create(
        self,
        services: ServicesDep,
        actor: ActorDep,
        data: JSONBody[TeleconsultationIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TeleconsultationOut]:
        draft = TeleconsultationDraft(
            setting=data.setting,
            consent=data.consent.draft(),
            reason=data.reason,
            patient=data.patient.draft(),
            slot_id=data.slot_id,
            hold_id=data.hold_id,
            handover=handover_data(data.handover),
            rescheduled_from=data.rescheduled_from,
            idempotency_key=idempotency_key,
        )
        async with services.db.write() as session:
            scheduled = await teleconsultations.book_teleconsultation(
                session, services.clock, actor, draft, services.video_rooms
            )
            tc = scheduled.teleconsultation
            patient: Patient | PatientDraft = scheduled.patient or await bookings.patient_of(
                session, await bookings.get_booking(session, actor, tc.booking_id)
            )
        if data.send_link_to_patient and scheduled.created:
            # If the relay fails the booking stands, without `link_sent_to_patient_at`: the
            # nurse sends the link again with /send-link.
            with contextlib.suppress(Unavailable):
                tc = await _send_patient_link(services, actor, tc.id, data.send_link_to_patient)
        return Response(
            teleconsultation_out(tc, participant=True, patient=patient),
            status_code=HTTP_201_CREATED if scheduled.created else HTTP_200_OK,
        )

    @get("/", opt={"audited": True}, summary="The caller's teleconsultations as GP or as nurse")
    async def list_mine(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        role: FromQuery[Literal["gp", "nurse"] | None] = None,
        start: FromQuery[Instant | None] = None,
        end: FromQuery[Instant | None] = None,
        status: FromQuery[TeleconsultationStatus | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> TeleconsultationList:
        read = await teleconsultations.read_list(
            session,
            clock,
            actor,
            role=role or ("nurse" if "nurse" in actor.roles else "gp"),
            start=start,
            end=end,
            status=status,
            cursor=cursor,
            limit=limit,
        )
        return TeleconsultationList(
            items=[
                teleconsultation_out(t, participant=True, patient=read.patients[t.patient_id])
                for t in read.page.items
            ],
            next=read.page.next,
        )

    @get("/slots", summary="Free assisted video slots, the patient's own GP first")
    async def slots(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        start: FromQuery[Instant],
        end: FromQuery[Instant],
        own_gp_id: FromQuery[uuid.UUID | None] = None,
        professional_id: FromQuery[uuid.UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 100,
    ) -> list[SlotOut]:
        found = await teleconsultations.assisted_slots(
            session,
            clock,
            actor,
            start=start,
            end=end,
            own_gp_id=own_gp_id,
            professional_id=professional_id,
            limit=limit,
        )
        now = clock.now()
        return [slot_out(s, now) for s in found]

    @get("/{tc_id:uuid}", opt={"audited": True}, summary="One teleconsultation")
    async def one(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, tc_id: FromPath[uuid.UUID]
    ) -> TeleconsultationOut:
        tc, patient = await teleconsultations.read_teleconsultation(session, clock, actor, tc_id)
        if patient is None:  # staff: the appointment only
            return teleconsultation_out(tc, participant=False, patient=None)
        return teleconsultation_out(tc, participant=True, patient=patient)

    @post("/{tc_id:uuid}/start", status_code=HTTP_200_OK, summary="Open the visit")
    async def start(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, tc_id: FromPath[uuid.UUID]
    ) -> TeleconsultationOut:
        tc = await teleconsultations.start(session, clock, actor, tc_id)
        return teleconsultation_out(tc, participant=True, patient=None)

    @post("/{tc_id:uuid}/complete", status_code=HTTP_200_OK, summary="The GP's outcome")
    async def complete(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        tc_id: FromPath[uuid.UUID],
        data: JSONBody[CompleteIn],
    ) -> TeleconsultationOut:
        tc = await teleconsultations.complete(session, clock, actor, tc_id, data.outcome, data.note)
        return teleconsultation_out(tc, participant=True, patient=None)

    @post("/{tc_id:uuid}/cancel", status_code=HTTP_200_OK, summary="Call off; frees the slot")
    async def cancel(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        tc_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
    ) -> TeleconsultationOut:
        tc = await teleconsultations.cancel(session, clock, actor, tc_id, data.reason)
        return teleconsultation_out(
            tc, participant=teleconsultations.is_participant(actor, tc), patient=None
        )

    @post("/{tc_id:uuid}/no-show", status_code=HTTP_200_OK, summary="Someone did not join")
    async def no_show(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, tc_id: FromPath[uuid.UUID]
    ) -> TeleconsultationOut:
        tc = await teleconsultations.no_show(session, clock, actor, tc_id)
        return teleconsultation_out(tc, participant=True, patient=None)

    @put(
        "/{tc_id:uuid}/handover", summary="The nurse's handover (vital signs, treatments, question)"
    )
    async def handover(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        tc_id: FromPath[uuid.UUID],
        data: JSONBody[Handover],
    ) -> TeleconsultationOut:
        tc = await teleconsultations.update_handover(
            session, clock, actor, tc_id, handover_data(data) or {}
        )
        return teleconsultation_out(tc, participant=True, patient=None)

    @post(
        "/{tc_id:uuid}/send-link",
        status_code=HTTP_200_OK,
        summary="E-mail the room link to the patient",
    )
    async def send_link(
        self,
        services: ServicesDep,
        actor: ActorDep,
        tc_id: FromPath[uuid.UUID],
        data: JSONBody[SendLinkIn],
    ) -> TeleconsultationOut:
        tc = await _send_patient_link(services, actor, tc_id, data.email)
        return teleconsultation_out(tc, participant=True, patient=None)
