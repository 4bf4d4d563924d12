"""The SAS platform's regulators (INT_R02): accounts the SAS creates, updates and withdraws.

The SAS names a regulator by one identifier: their national id (IdNat_PS, system
`urn:oid:1.2.250.1.71.4.2.1`, type IDNPS) or, for those without one, the SAS's own UUID
(system `urn:oid:1.2.250.1.213.3.6`, type INTRN). Each becomes a regulator account of the
platform's territory, with no password (they arrive from the SAS). An identifier names one
active regulator; once withdrawn (`active=false`) it may name another, as the ANS kit's
reattribution test asks. Withdrawing disables the account and revokes what it holds.

Such an account (kept by the SAS: an active identifier, the regulator role and no other) acts
here only when its holder comes from the SAS: they log in with Pro Santé Connect, whose
SubjectNameID is their IdNat_PS, through the booking link the SAS opens (`origin=sas…`),
accept the terms of use at their first login, and get neither a password nor API tokens.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, case, false, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from coordination.accounts.account import Account, normalise_email
from coordination.accounts.service import AccountDraft, create_account, set_roles
from kernel.actor import Actor, Role
from kernel.clock import Clock
from kernel.database import Base
from kernel.errors import Conflict, Invalid, NotAllowed

PS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"  # IdNat_PS
SAS_SYSTEM = "urn:oid:1.2.250.1.213.3.6"  # the SAS's own identifiers
TYPE_OF_SYSTEM = {PS_SYSTEM: "IDNPS", SAS_SYSTEM: "INTRN"}
MAX_IDENTIFIER = 64


def arrives_from_sas(origin: str | None) -> bool:
    """The SAS's booking link names where it comes from: `origin=sas`, `sas-preprod`…"""
    return (origin or "").startswith("sas")


class SasRegulator(Base):
    """The SAS's identifier of a regulator account, and whether the SAS keeps it active."""

    __tablename__ = "sas_regulators"
    __table_args__ = (
        # One active regulator per identifier; a withdrawn one's may be given again.
        Index(
            "uq_sas_regulators_active_identifier",
            "territory_id",
            "system",
            "value",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    territory_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True, nullable=False
    )
    system: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[str] = mapped_column(String(MAX_IDENTIFIER), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(nullable=False)


class Written(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class RegulatorDraft:
    system: str
    value: str
    family_name: str
    given_name: str
    email: str
    active: bool


@dataclass(frozen=True, slots=True)
class RegulatorView:
    """The regulator as stored: its account and what the SAS said of it."""

    account_id: uuid.UUID
    regulator: RegulatorDraft


def checked(draft: RegulatorDraft) -> RegulatorDraft:
    """The draft with its names trimmed; errors name the FHIR element."""
    if draft.system not in TYPE_OF_SYSTEM:
        raise Invalid(
            "the identifier's system is the IdNat_PS's or the SAS's",
            code="sas_identifier_system",
            field="identifier.system",
        )
    value = draft.value.strip()
    if not value or len(value) > MAX_IDENTIFIER:
        raise Invalid(
            f"the identifier is 1 to {MAX_IDENTIFIER} characters",
            code="sas_identifier_length",
            params={"max": MAX_IDENTIFIER},
            field="identifier",
        )
    family, given = draft.family_name.strip(), draft.given_name.strip()
    if not family:
        raise Invalid("the family name is empty", code="field_empty", field="name.family")
    if not given:
        raise Invalid("the given name is empty", code="field_empty", field="name.given")
    email = normalise_email(draft.email)
    if "@" not in email.strip("@"):
        raise Invalid("the e-mail address is not valid", code="email_invalid", field="telecom")
    return RegulatorDraft(draft.system, value, family[:100], given[:100], email, draft.active)


def _require_platform(actor: Actor) -> None:
    if not actor.has_any(Role.SAS_PLATFORM):
        raise NotAllowed("only the SAS platform manages its regulators", code="sas_platform_only")


async def _find(
    session: AsyncSession, territory_id: uuid.UUID, system: str, value: str
) -> tuple[SasRegulator, Account] | None:
    """The regulator of that identifier: the active one, else the latest withdrawn."""
    rows = (
        await session.execute(
            select(SasRegulator, Account)
            .join(Account, Account.id == SasRegulator.account_id)
            .where(
                SasRegulator.territory_id == territory_id,
                SasRegulator.system == system,
                SasRegulator.value == value,
            )
            .order_by(SasRegulator.active.desc(), SasRegulator.updated_at.desc())
            .limit(1)
        )
    ).first()
    return (rows[0], rows[1]) if rows else None


def _view(account: Account, draft: RegulatorDraft) -> RegulatorView:
    return RegulatorView(account.id, draft)


async def create(
    session: AsyncSession, clock: Clock, actor: Actor, draft: RegulatorDraft
) -> RegulatorView:
    """`POST /fhir/Practitioner`: a new regulator; an identifier already active is a 409."""
    _require_platform(actor)
    draft = checked(draft)
    found = await _find(session, actor.territory_id, draft.system, draft.value)
    if found is not None and found[0].active:
        raise Conflict(
            "a regulator with this identifier exists",
            code="sas_regulator_exists",
            field="identifier",
        )
    return await _insert(session, clock, actor, draft)


async def upsert(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    system: str,
    value: str,
    draft: RegulatorDraft,
) -> tuple[RegulatorView, Written]:
    """`PUT /fhir/Practitioner?identifier=system|value`: update the regulator it names (names,
    e-mail, identifier, active), or create it when none has it (PUT as create)."""
    _require_platform(actor)
    draft = checked(draft)
    found = await _find(session, actor.territory_id, system, value.strip())
    if found is None:
        return await _insert(session, clock, actor, draft), Written.CREATED
    regulator, account = found
    if account.roles != {Role.REGULATOR}:
        # The CPTS gave this person more than the SAS made: theirs to manage now, not the SAS's.
        raise Conflict(
            "this account holds other roles in the CPTS: its administrator manages it",
            code="sas_regulator_other_roles",
            field="identifier",
        )
    now = clock.now()
    if draft.email != account.email:
        await _email_free(session, actor.territory_id, draft.email)
        account.email = draft.email
    account.display_name = f"{draft.given_name} {draft.family_name}"
    regulator.system, regulator.value = draft.system, draft.value
    regulator.active, regulator.updated_at = draft.active, now
    await _flush(session)
    # account.updated; withdrawing disables the account and revokes its tokens and feeds
    await set_roles(session, clock, _operator(actor), account.id, account.roles, not draft.active)
    return _view(account, draft), Written.UPDATED


def _operator(actor: Actor) -> Actor:
    """The SAS platform acts, for the account rules, as the territory's administrator of
    its own regulators, and only of them: `upsert` refuses an account holding other roles,
    `_insert` makes a plain regulator."""
    return Actor(
        account_id=actor.account_id,
        territory_id=actor.territory_id,
        timezone=actor.timezone,
        roles=actor.roles | {Role.ADMIN},
    )


async def _email_free(session: AsyncSession, territory_id: uuid.UUID, email: str) -> None:
    taken = select(Account.id).where(Account.territory_id == territory_id, Account.email == email)
    if await session.scalar(taken):
        raise Conflict(
            "an account with this e-mail already exists", code="email_taken", field="telecom"
        )


async def _insert(
    session: AsyncSession, clock: Clock, actor: Actor, draft: RegulatorDraft
) -> RegulatorView:
    await _email_free(session, actor.territory_id, draft.email)
    try:
        account = await create_account(
            session,
            clock,
            _operator(actor),
            actor.territory_id,
            AccountDraft(
                email=draft.email,
                display_name=f"{draft.given_name} {draft.family_name}",
                roles=frozenset({Role.REGULATOR}),
            ),
        )
    except IntegrityError as exc:  # the same e-mail written at once by another call
        raise Conflict(
            "an account with this e-mail already exists", code="email_taken", field="telecom"
        ) from exc
    regulator = SasRegulator(
        account_id=account.id,
        territory_id=actor.territory_id,
        system=draft.system,
        value=draft.value,
        active=draft.active,
        updated_at=clock.now(),
    )
    session.add(regulator)
    await _flush(session)
    if not draft.active:  # created withdrawn: disabled from the start
        await set_roles(session, clock, _operator(actor), account.id, account.roles, True)
    return _view(account, draft)


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # two writers gave one identifier at once: the database says
        raise Conflict(
            "a regulator with this identifier exists",
            code="sas_regulator_exists",
            field="identifier",
        ) from exc


async def sas_identifier(session: AsyncSession, account_id: uuid.UUID) -> tuple[str, str] | None:
    """How the SAS names this account, when it is one of its regulators (its appointment news
    names the regulator so)."""
    row = (
        await session.execute(
            select(SasRegulator.system, SasRegulator.value).where(
                SasRegulator.account_id == account_id
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def kept_by_sas(session: AsyncSession, account: Account) -> bool:
    """The account is one of the SAS's regulators, and only that (the CPTS gave it no other
    role, which would make it its administrator's)."""
    if account.roles != {Role.REGULATOR}:
        return False
    found = await session.scalar(
        select(SasRegulator.account_id).where(
            SasRegulator.account_id == account.id, SasRegulator.active.is_(True)
        )
    )
    return found is not None


async def regulator_of_subject(
    session: AsyncSession, subject_name_id: str, territory_id: uuid.UUID | None = None
) -> Account | None:
    """The live SAS regulator whose IdNat_PS is this Pro Santé Connect SubjectNameID: on a
    deployment of several CPTS, the account of `territory_id` (the CPTS of the slot they came
    for) when the SAS made them one there, else the oldest."""
    mine = SasRegulator.territory_id == territory_id if territory_id else false()
    return await session.scalar(
        select(Account)
        .join(SasRegulator, SasRegulator.account_id == Account.id)
        .where(
            SasRegulator.system == PS_SYSTEM,
            SasRegulator.value == subject_name_id,
            SasRegulator.active.is_(True),
            Account.disabled_at.is_(None),
        )
        .order_by(case((mine, 0), else_=1), Account.created_at)
        .limit(1)
    )
