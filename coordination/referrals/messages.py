"""The referral's thread: the requester, the assigned expert and the CPTS staff write to each
other on the case instead of phoning (an event says a message came, never what it says)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.referrals.models.message import ReferralMessage
from coordination.referrals.models.referral import Referral
from coordination.referrals.referrals import append_referral_event, get_visible
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import Invalid, NotAllowed
from kernel.event_types import EventType

MAX_MESSAGE = 4000


async def _thread_member(session: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> Referral:
    referral, expert = await get_visible(session, actor, referral_id)
    assigned = expert is not None and referral.assigned_expert_id == expert.id
    if not (actor.is_staff or assigned or actor.account_id == referral.requester_account_id):
        raise NotAllowed(
            "the requester, the assigned expert and the CPTS staff write here",
            code="referral_thread_not_allowed",
        )
    return referral


async def post_message(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID, body: str
) -> ReferralMessage:
    text = body.strip()
    if not text:
        raise Invalid("the message is empty", code="field_empty", field="body")
    if len(text) > MAX_MESSAGE:
        raise Invalid(
            f"a message is at most {MAX_MESSAGE} characters",
            code="referral_message_too_long",
            params={"max": MAX_MESSAGE},
            field="body",
        )
    referral = await _thread_member(session, actor, referral_id)
    message = ReferralMessage(
        id=uuid.uuid4(),
        referral_id=referral.id,
        author_account_id=actor.account_id,
        body=text,
        created_at=clock.now(),
    )
    session.add(message)
    await session.flush()
    await append_referral_event(session, clock, actor, referral, EventType.REFERRAL_MESSAGE_POSTED)
    return message


async def thread(
    session: AsyncSession, actor: Actor, referral_id: uuid.UUID
) -> tuple[Referral, list[ReferralMessage]]:
    referral = await _thread_member(session, actor, referral_id)
    rows = await session.scalars(
        select(ReferralMessage)
        .where(ReferralMessage.referral_id == referral.id)
        .order_by(ReferralMessage.created_at, ReferralMessage.id)
    )
    return referral, list(rows)


async def read_thread(
    session: AsyncSession, clock: Clock, actor: Actor, referral_id: uuid.UUID
) -> list[ReferralMessage]:
    """The referral's thread for its members, a recorded read of the case."""
    r, found = await thread(session, actor, referral_id)
    await record_reads(session, clock, actor, "referral", [(r.id, r.patient_id)], "thread")
    return found
