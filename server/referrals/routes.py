"""Wound-care network endpoints. Thin: decode, call the coordination services, shape the answer;
every read of a patient (identity, case, photo) is audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from coordination.referrals import experts, messages, photos, referrals, workflow
from coordination.referrals.models.referral import ReferralStatus
from coordination.referrals.network_settings import policy_of
from coordination.referrals.photo_sanitizer import CleanImage, precheck, sanitize
from coordination.referrals.referrals import ReferralDraft
from integrations.sandbox import SandboxError
from kernel.errors import Invalid, Unavailable
from server.dependencies import ActorDep, ClockDep, DbSession, ServicesDep
from server.referrals.wire import (
    AbsenceIn,
    AbsenceOut,
    AnswerIn,
    AssessmentIn,
    AssessmentOut,
    CancelIn,
    ExpertIn,
    ExpertOut,
    ExpertPatch,
    FollowUpIn,
    MessageIn,
    MessageOut,
    NetworkSettingsIo,
    PhotoOut,
    ReassignIn,
    ReferralIn,
    ReferralList,
    ReferralOut,
    RejectIn,
    absence_out,
    assessment_out,
    expert_out,
    message_out,
    photo_out,
    referral_out,
)
from server.state import AppServices
from server.teleconsultations.wire import TeleconsultationOut, handover_data, teleconsultation_out

_PHOTO_BODY_LIMIT = 32_000_000  # the multipart envelope; the photo's own limit is a setting


async def _sanitized(services: AppServices, raw: bytes, limit: int) -> CleanImage:
    """The photo re-encoded in the photo sandbox (bounded in time, memory and number at once),
    once the checks that read no pixel have passed here."""
    precheck(raw, limit)
    try:
        return await services.photo_sandbox.run(CleanImage, sanitize, raw, limit)
    except SandboxError as exc:
        if exc.reason == "busy":
            raise Unavailable(
                "too many photos are being processed: try again shortly", code="busy_retry"
            ) from exc
        raise Invalid(
            "this image cannot be processed: it is too large",
            code="photo_unprocessable",
            field="file",
        ) from exc


class ReferralController(Controller):
    path = "/api/v1/referrals"
    tags = ["wound-care network"]

    @post("/", summary="Refer a wound to the network's experts")
    async def create(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[ReferralIn]
    ) -> ReferralOut:
        created = await referrals.create_referral(
            session,
            clock,
            actor,
            ReferralDraft(
                patient=data.patient.draft(),
                consent_given=data.consent.given,
                consent_collected_at=data.consent.collected_at,
                priority=data.priority,
                expertise=data.expertise,
                question=data.question,
                assessment=data.assessment.draft(),
            ),
        )
        r = created.referral
        return referral_out(
            r,
            created.patient,
            clock.now(),
            assessments=created.assessments,
            photos=[],
            warnings=created.warnings,
        )

    @get("/", opt={"audited": True}, summary="Referrals the caller may see, newest first")
    async def list_referrals(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        status: FromQuery[ReferralStatus | None] = None,
        mine: FromQuery[bool] = False,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> ReferralList:
        read = await referrals.read_referrals(
            session, clock, actor, status=status, mine=mine, cursor=cursor, limit=limit
        )
        now = clock.now()
        return ReferralList(
            items=[referral_out(r, read.patients.get(r.patient_id), now) for r in read.page.items],
            next=read.page.next,
        )

    @get("/board", summary="Coordinator's board: overdue and unassigned open referrals")
    async def board(self, session: DbSession, clock: ClockDep, actor: ActorDep) -> ReferralList:
        now = clock.now()
        return ReferralList(
            items=[referral_out(r, None, now) for r in await referrals.board(session, clock, actor)]
        )

    @get(
        "/{referral_id:uuid}",
        opt={"audited": True},
        summary="One referral, its assessments and photos",
    )
    async def one(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
    ) -> ReferralOut:
        read = await referrals.read_referral(session, clock, actor, referral_id)
        r = read.referral
        return referral_out(
            r,
            read.patient,
            clock.now(),
            assessments=await referrals.assessments_of(session, r.id),
            photos=await photos.photos_of(session, r.id),
        )

    @post("/{referral_id:uuid}/accept", status_code=HTTP_200_OK, summary="Take the referral")
    async def accept(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, referral_id: FromPath[uuid.UUID]
    ) -> ReferralOut:
        r = await workflow.accept(session, clock, actor, referral_id)
        return referral_out(r, None, clock.now())

    @post("/{referral_id:uuid}/reject", status_code=HTTP_200_OK, summary="Decline, with a reason")
    async def reject(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[RejectIn],
    ) -> ReferralOut:
        r = await workflow.reject(session, clock, actor, referral_id, data.reason)
        return referral_out(r, None, clock.now())

    @post("/{referral_id:uuid}/start", status_code=HTTP_200_OK, summary="Begin working on it")
    async def start(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, referral_id: FromPath[uuid.UUID]
    ) -> ReferralOut:
        r = await workflow.start(session, clock, actor, referral_id)
        return referral_out(r, None, clock.now())

    @post("/{referral_id:uuid}/answer", status_code=HTTP_200_OK, summary="The expert's answer")
    async def answer(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerIn],
    ) -> ReferralOut:
        r = await workflow.answer(
            session,
            clock,
            actor,
            referral_id,
            workflow.Answer(advice=data.advice, follow_up=data.follow_up, care_plan=data.care_plan),
        )
        return referral_out(r, None, clock.now())

    @post("/{referral_id:uuid}/cancel", status_code=HTTP_200_OK, summary="The requester withdraws")
    async def cancel(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[CancelIn],
    ) -> ReferralOut:
        r = await workflow.cancel(session, clock, actor, referral_id, data.reason)
        return referral_out(r, None, clock.now())

    @post("/{referral_id:uuid}/reassign", status_code=HTTP_200_OK, summary="Coordinator reassigns")
    async def reassign(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[ReassignIn],
    ) -> ReferralOut:
        r = await workflow.reassign(session, clock, actor, referral_id, data.expert_id)
        return referral_out(r, None, clock.now())

    @post("/{referral_id:uuid}/assessments", summary="A new measurement of the wound")
    async def add_assessment(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[AssessmentIn],
    ) -> AssessmentOut:
        added = await workflow.add_assessment(session, clock, actor, referral_id, data.draft())
        return assessment_out(added)

    @get(
        "/{referral_id:uuid}/assessments",
        opt={"audited": True},
        summary="Healing trajectory: assessments oldest first",
    )
    async def trajectory(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, referral_id: FromPath[uuid.UUID]
    ) -> list[AssessmentOut]:
        trajectory = await referrals.read_trajectory(session, clock, actor, referral_id)
        return [assessment_out(a) for a in trajectory]

    @post(
        "/{referral_id:uuid}/photos",
        summary="Attach a wound photo (multipart field `file`: JPEG, PNG or HEIC)",
        request_max_body_size=_PHOTO_BODY_LIMIT,
    )
    async def add_photo(
        self,
        services: ServicesDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> PhotoOut:
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid(
                "send the photo as the multipart field `file`",
                code="multipart_file_required",
                field="file",
            )
        limit = services.settings.photo_max_bytes
        raw = await upload.read(limit + 1)
        async with services.db.read() as session:  # refuse early, before any decoding
            await photos.check_may_add(session, actor, referral_id)
        image = await _sanitized(services, raw, limit)
        photo_id = uuid.uuid4()
        try:
            async with services.db.write() as session:
                photo = await photos.add_photo(
                    session,
                    services.clock,
                    actor,
                    services.blob_store,
                    referral_id,
                    photo_id,
                    image,
                )
        except BaseException:
            await services.blob_store.delete(photos.photo_key(actor.territory_id, photo_id))
            raise
        return photo_out(photo)

    @get("/{referral_id:uuid}/photos/{photo_id:uuid}", opt={"audited": True}, summary="A photo")
    async def photo(
        self,
        services: ServicesDep,
        session: DbSession,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        found, data = await photos.read_photo(
            session, services.clock, actor, services.blob_store, referral_id, photo_id
        )
        return Response(
            data,
            media_type=found.content_type,
            headers={
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Content-Disposition": f'inline; filename="{found.id}"',
            },
        )

    @post("/{referral_id:uuid}/messages", summary="Write on the referral's thread")
    async def post_message(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[MessageIn],
    ) -> MessageOut:
        return message_out(
            await messages.post_message(session, clock, actor, referral_id, data.body)
        )

    @get("/{referral_id:uuid}/messages", opt={"audited": True}, summary="The referral's thread")
    async def thread(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, referral_id: FromPath[uuid.UUID]
    ) -> list[MessageOut]:
        return [
            message_out(m) for m in await messages.read_thread(session, clock, actor, referral_id)
        ]

    @post(
        "/{referral_id:uuid}/follow-up-teleconsultation",
        summary="Book the assisted teleconsultation the expert's answer asks for",
    )
    async def follow_up(
        self,
        services: ServicesDep,
        actor: ActorDep,
        referral_id: FromPath[uuid.UUID],
        data: JSONBody[FollowUpIn],
    ) -> Response[TeleconsultationOut]:
        choice = workflow.FollowUpBooking(
            setting=data.setting,
            consent=data.consent.draft(),
            reason=data.reason,
            slot_id=data.slot_id,
            hold_id=data.hold_id,
            handover=handover_data(data.handover),
        )
        async with services.db.write() as session:
            scheduled, patient = await workflow.book_follow_up(
                session, services.clock, actor, referral_id, choice, services.video_rooms
            )
        return Response(
            teleconsultation_out(scheduled.teleconsultation, participant=True, patient=patient),
            status_code=HTTP_201_CREATED,
        )


class NetworkController(Controller):
    path = "/api/v1/network"
    tags = ["wound-care network"]

    @get("/experts", summary="The network's experts, their load and absences")
    async def roster(self, session: DbSession, clock: ClockDep, actor: ActorDep) -> list[ExpertOut]:
        today = clock.now().date()
        return [expert_out(e) for e in await experts.roster(session, actor, today)]

    @post("/experts", summary="Register a professional as an expert (coordinator)")
    async def register(
        self, session: DbSession, clock: ClockDep, actor: ActorDep, data: JSONBody[ExpertIn]
    ) -> ExpertOut:
        e = await experts.register_expert(
            session, clock, actor, data.professional_id, data.expertise, data.weekly_capacity
        )
        return expert_out(experts.ExpertLoad(e, 0, []))

    @patch("/experts/{expert_id:uuid}", summary="Capacity, or take an expert off the rota")
    async def update(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        expert_id: FromPath[uuid.UUID],
        data: JSONBody[ExpertPatch],
    ) -> ExpertOut:
        await experts.update_expert(
            session,
            clock,
            actor,
            expert_id,
            weekly_capacity=data.weekly_capacity,
            active=data.active,
        )
        loads = await experts.roster(session, actor, clock.now().date())
        return expert_out(next(x for x in loads if x.expert.id == expert_id))

    @post("/experts/{expert_id:uuid}/absences", summary="Days without new referrals")
    async def add_absence(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        expert_id: FromPath[uuid.UUID],
        data: JSONBody[AbsenceIn],
    ) -> AbsenceOut:
        a = await experts.add_absence(
            session, clock, actor, expert_id, data.first_day, data.last_day, data.reason
        )
        return absence_out(a)

    @delete("/experts/{expert_id:uuid}/absences/{absence_id:uuid}", summary="Remove an absence")
    async def remove_absence(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        expert_id: FromPath[uuid.UUID],
        absence_id: FromPath[uuid.UUID],
    ) -> None:
        await experts.remove_absence(session, clock, actor, expert_id, absence_id)

    @get("/settings", summary="Routing and response delays of the network")
    async def get_settings(self, session: DbSession, actor: ActorDep) -> NetworkSettingsIo:
        return NetworkSettingsIo.of(await policy_of(session, actor.territory_id))

    @put("/settings", summary="Change routing and delays (coordinator)")
    async def put_settings(
        self,
        session: DbSession,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[NetworkSettingsIo],
    ) -> NetworkSettingsIo:
        return NetworkSettingsIo.of(await experts.set_policy(session, clock, actor, data.policy()))
