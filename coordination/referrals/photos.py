"""Attaching wound photos to a referral and reading them back, each read audited.

The bytes go to the blob store first, then the row commits with its event; the caller removes
the blob (`photo_key`) if that transaction fails, so nothing half-written survives either way.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.referrals.blob_store import BlobStore
from coordination.referrals.models.photo import ReferralPhoto
from coordination.referrals.models.referral import Referral, ReferralStatus
from coordination.referrals.photo_sanitizer import CleanImage
from coordination.referrals.referrals import append_referral_event, get_visible
from kernel.actor import Actor
from kernel.audit import record_reads
from kernel.clock import Clock
from kernel.errors import InvalidTransition, NotAllowed, NotFound
from kernel.event_types import EventType
from kernel.locks import lock_for_transaction

MAX_PHOTOS = 20


def photo_key(territory_id: uuid.UUID, photo_id: uuid.UUID) -> str:
    return f"referrals/{territory_id}/{photo_id}"


async def check_may_add(session: AsyncSession, actor: Actor, referral_id: uuid.UUID) -> Referral:
    """The referral, if the caller may add a photo to it now (checked before any upload)."""
    referral, expert = await get_visible(session, actor, referral_id)
    is_expert = expert is not None and referral.assigned_expert_id == expert.id
    if actor.account_id != referral.requester_account_id and not is_expert:
        raise NotAllowed(
            "the requester or the assigned expert adds photos", code="referral_photo_not_allowed"
        )
    if referral.status in (ReferralStatus.CANCELLED, ReferralStatus.REJECTED):
        raise InvalidTransition(
            f"a {referral.status.value} referral takes no photo",
            code="referral_closed_no_photo",
            params={"status": referral.status.value},
            field="file",
        )
    count = len(
        list(
            await session.scalars(
                select(ReferralPhoto.id).where(ReferralPhoto.referral_id == referral_id)
            )
        )
    )
    if count >= MAX_PHOTOS:
        raise InvalidTransition(
            f"a referral holds at most {MAX_PHOTOS} photos",
            code="referral_photos_max",
            params={"max": MAX_PHOTOS},
            field="file",
        )
    return referral


async def add_photo(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    store: BlobStore,
    referral_id: uuid.UUID,
    photo_id: uuid.UUID,
    image: CleanImage,
) -> ReferralPhoto:
    # The cap is counted under a lock of the referral: concurrent uploads once stored 21.
    await lock_for_transaction(session, "referral-photos", referral_id)
    referral = await check_may_add(session, actor, referral_id)
    key = photo_key(referral.territory_id, photo_id)
    await store.put(key, image.data)
    photo = ReferralPhoto(
        id=photo_id,
        referral_id=referral.id,
        storage_key=key,
        content_type=image.content_type,
        size_bytes=len(image.data),
        width=image.width,
        height=image.height,
        sha256=image.sha256,
        uploaded_by=actor.account_id,
        uploaded_at=clock.now(),
    )
    session.add(photo)
    await session.flush()
    await append_referral_event(session, clock, actor, referral, EventType.REFERRAL_PHOTO_ADDED)
    return photo


async def photos_of(session: AsyncSession, referral_id: uuid.UUID) -> list[ReferralPhoto]:
    rows = await session.scalars(
        select(ReferralPhoto)
        .where(ReferralPhoto.referral_id == referral_id)
        .order_by(ReferralPhoto.uploaded_at, ReferralPhoto.id)
    )
    return list(rows)


async def read_photo(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    store: BlobStore,
    referral_id: uuid.UUID,
    photo_id: uuid.UUID,
) -> tuple[ReferralPhoto, bytes]:
    """The photo's bytes, for those who may see the referral; the read is audited."""
    referral, _ = await get_visible(session, actor, referral_id)
    photo = await session.scalar(
        select(ReferralPhoto).where(
            ReferralPhoto.id == photo_id, ReferralPhoto.referral_id == referral.id
        )
    )
    if photo is None:
        raise NotFound("photo not found", code="referral_photo_not_found")
    try:
        data = await store.get(photo.storage_key)
    except KeyError as exc:
        raise NotFound("photo not found", code="referral_photo_not_found") from exc
    await record_reads(
        session, clock, actor, "referral_photo", [(photo.id, referral.patient_id)], "wound photo"
    )
    return photo, data
