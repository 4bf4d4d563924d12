"""Log in, resolve a token to an actor, issue and revoke tokens, manage accounts and roles."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Required, TypedDict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.accounts.account import Account, normalise_email
from coordination.accounts.links import AccountLink
from coordination.accounts.password_policy import check_password
from coordination.accounts.passwords import (
    hash_password,
    hash_password_off_loop,
    needs_rehash,
    verify_password_off_loop,
)
from coordination.accounts.token import ApiToken, TokenKind, digest, new_secret
from coordination.directory.professional import Professional
from coordination.directory.territory import Territory
from kernel.actor import PLATFORM, Actor, Role
from kernel.clock import Clock
from kernel.database import Base, Transactions
from kernel.errors import Conflict, Invalid, NotAllowed, NotAuthenticated, NotFound
from kernel.event_types import EventType
from kernel.events import append_event

if TYPE_CHECKING:
    from coordination.accounts.terms import TermsPending

SESSION_LIFETIME = timedelta(hours=12)
API_TOKEN_LIFETIME = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The only moment the secret exists in clear: handed to the caller, never stored."""

    secret: str
    token: ApiToken


class TokenIssuedPayload(TypedDict):
    token_id: str
    kind: str
    name: str


class TokenRevokedPayload(TypedDict):
    token_id: str


class AccountPayload(TypedDict, total=False):
    """account.created and account.updated (which adds `disabled`)."""

    roles: Required[list[str]]
    disabled: bool


async def _issue(
    session: AsyncSession,
    clock: Clock,
    account: Account,
    kind: TokenKind,
    name: str,
    actor: Actor | None,
) -> IssuedToken:
    now = clock.now()
    secret = new_secret()
    lifetime = SESSION_LIFETIME if kind is TokenKind.SESSION else API_TOKEN_LIFETIME
    token = ApiToken(
        id=uuid.uuid4(),
        account_id=account.id,
        kind=kind,
        name=name,
        digest=digest(secret),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(token)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=account.territory_id or PLATFORM,
        type=EventType.AUTH_TOKEN_ISSUED,
        actor=actor,
        subject_id=account.id,
        payload=TokenIssuedPayload(token_id=str(token.id), kind=kind.value, name=name),
    )
    return IssuedToken(secret, token)


async def issue_session(
    session: AsyncSession, clock: Clock, account: Account, name: str
) -> IssuedToken:
    """A browser session of the account (after a login the caller checked)."""
    return await _issue(session, clock, account, TokenKind.SESSION, name, _actor_stub(account))


async def login_with_psc(
    session: AsyncSession,
    clock: Clock,
    subject_name_id: str,
    *,
    from_sas: bool = False,
    for_slot: uuid.UUID | None = None,
) -> IssuedToken | TermsPending:
    """A session for the account of the professional Pro Santé Connect vouched for.

    The SubjectNameID is opaque: it is matched as recorded at a first login, or else, when it
    reads as a national id ("8" + 11 digits of RPPS, or "0" + 9 characters of ADELI), through
    the number it carries, and then recorded; failing both, it names one of the SAS's
    regulators by their IdNat_PS. A regulator the SAS keeps logs in only on the way from the
    SAS (`from_sas`: the booking link's `origin=sas…`), and their first login waits for the
    terms of use (`TermsPending`).
    """
    from coordination.accounts import sas_regulators, terms

    # On the way from the SAS, its regulator account first (a GP who also regulates has two).
    regulator = await sas_regulators.regulator_of_subject(
        session, subject_name_id, await _territory_of_slot(session, for_slot)
    )
    found = regulator if from_sas and regulator else await _psc_account(session, subject_name_id)
    account = found or regulator
    if account is None:
        raise NotAuthenticated(
            "no account here for this Pro Santé Connect identity", code="psc_no_account"
        )
    if await sas_regulators.kept_by_sas(session, account):
        if not from_sas:
            raise NotAuthenticated(
                "a regulator of the SAS platform logs in from the SAS",
                code="sas_regulator_not_from_sas",
            )
        if account.terms_version != terms.TERMS_VERSION:  # never accepted, or an older text
            return await terms.hold_for_terms(session, clock, account)
    return await issue_session(session, clock, account, "psc")


async def _territory_of_slot(session: AsyncSession, slot_id: uuid.UUID | None) -> uuid.UUID | None:
    """The CPTS of the slot the SAS's booking link names, if any."""
    if slot_id is None:
        return None
    from scheduling.models.slot import Slot

    found: uuid.UUID | None = await session.scalar(
        select(Slot.territory_id).where(Slot.id == slot_id)
    )
    return found


async def _psc_account(session: AsyncSession, subject_name_id: str) -> Account | None:
    """The account of the directory's professional behind a SubjectNameID (recorded on them)."""
    from coordination.directory.professional import Professional

    # What the SubjectNameID may match, in order: the subject recorded, then the number it
    # carries ("8" + RPPS, "0" + ADELI for professionals without RPPS).
    candidates = [Professional.psc_subject == subject_name_id]
    if re.fullmatch(r"8\d{11}", subject_name_id):
        candidates.append(Professional.rpps == subject_name_id[1:])
    elif re.fullmatch(r"0[0-9A-Z]{9}", subject_name_id):
        candidates.append(Professional.adeli == subject_name_id[1:])
    found = None
    for matches in candidates:
        found = (
            await session.execute(
                select(Account, Professional)
                .join(Professional, Professional.id == Account.professional_id)
                .where(matches, Account.disabled_at.is_(None))
                .order_by(Account.created_at)
                .limit(1)
            )
        ).first()
        if found is not None:
            break
    if found is None:
        return None
    account, professional = found
    professional.psc_subject = subject_name_id
    return account


# How a login names the platform's operator account among a person's territories: no
# territory's slug (lower-case letters, digits, hyphens) can be it.
PLATFORM_SLUG = "_platform"
PLATFORM_NAME = "Plateforme (opérateur)"
MAX_TERRITORIES_PER_EMAIL = 8  # accounts one e-mail may sign in to; each costs a hash per login


class TerritoryToChoose(Conflict):
    """The e-mail and password open accounts in several territories: the person picks one.

    Only someone who knows the password learns the territories, so nothing leaks."""

    def __init__(self, territories: list[tuple[str, str]]) -> None:
        super().__init__(
            "this e-mail and password open several territories: choose one",
            code="territory_to_choose",
            field="territory",
            extra={"territories": [{"slug": slug, "name": name} for slug, name in territories]},
        )


async def login(
    db: Transactions,
    clock: Clock,
    email: str,
    password: str,
    kind: TokenKind,
    territory: str | None = None,
) -> IssuedToken:
    """Exchange e-mail and password for a new token; the same error whatever was wrong.

    An e-mail is unique within a territory only, so it may open accounts in several: the
    password is checked against each (at most `MAX_TERRITORIES_PER_EMAIL`), and when more than
    one matches the person names the territory (its slug).

    The password is checked between two short transactions, on the hashing threads: a hash
    costs ~0.1 s of CPU and 64 MiB, which must neither stall the event loop nor hold a write
    transaction (SQLite has one writer at a time). The account is read again before the token
    is issued: disabled or given a new password meanwhile, the login fails."""
    query = (
        select(Account.id, Account.password_hash, Territory.slug, Territory.name)
        .outerjoin(Territory, Territory.id == Account.territory_id)
        .where(Account.email == normalise_email(email), Account.disabled_at.is_(None))
        .order_by(Territory.name, Account.id)
        .limit(MAX_TERRITORIES_PER_EMAIL)
    )
    if territory == PLATFORM_SLUG:
        query = query.where(Account.territory_id.is_(None))
    elif territory is not None:
        query = query.where(Territory.slug == territory)
    async with db.read() as session:
        candidates = (await session.execute(query)).all()
    if not candidates:  # the same work as for an account, so timing tells nothing
        await verify_password_off_loop(None, password)
    matches = [c for c in candidates if await verify_password_off_loop(c.password_hash, password)]
    if not matches:
        raise NotAuthenticated("e-mail or password is incorrect", code="login_failed")
    if len(matches) > 1:
        raise TerritoryToChoose(
            [(m.slug or PLATFORM_SLUG, m.name or PLATFORM_NAME) for m in matches]
        )
    account_id, checked_hash = matches[0].id, matches[0].password_hash
    new_hash = None
    if checked_hash and needs_rehash(checked_hash):
        new_hash = await hash_password_off_loop(password)
    async with db.write() as session:
        account = await session.get(Account, account_id)
        if account is None or account.disabled_at is not None:
            raise NotAuthenticated("e-mail or password is incorrect", code="login_failed")
        if account.password_hash != checked_hash:
            raise NotAuthenticated("e-mail or password is incorrect", code="login_failed")
        from coordination.accounts import sas_regulators  # it builds on this module

        if await sas_regulators.kept_by_sas(session, account):
            # A password from before they were the SAS's: they log in from the SAS only.
            raise NotAuthenticated("e-mail or password is incorrect", code="login_failed")
        if new_hash is not None:
            account.password_hash = new_hash
        name = "session" if kind is TokenKind.SESSION else "login"
        return await _issue(session, clock, account, kind, name, _actor_stub(account))


def _actor_stub(account: Account) -> Actor:
    return Actor(
        account_id=account.id, territory_id=account.territory_id or PLATFORM, timezone="UTC"
    )


async def resolve(session: AsyncSession, clock: Clock, secret: str) -> Actor:
    """Find the live token behind a secret and the actor it stands for."""
    row = (
        await session.execute(
            select(ApiToken, Account, Territory.timezone)
            .join(Account, Account.id == ApiToken.account_id)
            .outerjoin(Territory, Territory.id == Account.territory_id)
            .where(ApiToken.digest == digest(secret))
        )
    ).one_or_none()
    if row is None:
        raise NotAuthenticated("token is not valid", code="token_invalid")
    token, account, tz = row
    if not token.is_live(clock.now()) or account.disabled_at is not None:
        raise NotAuthenticated("token is expired or revoked", code="token_expired")
    return Actor(
        account_id=account.id,
        territory_id=account.territory_id or PLATFORM,
        timezone=tz or "UTC",
        roles=account.roles,
        professional_id=account.professional_id,
        token_id=token.id,
    )


async def resolve_platform(session: AsyncSession, email: str) -> Actor:
    """The SAS platform's account, for a request its client certificate authenticated (the
    proxy verified it): the live account of that e-mail holding the sas_platform role, and
    only it (no token: the certificate is the credential)."""
    rows = (
        await session.execute(
            select(Account, Territory.timezone)
            .join(Territory, Territory.id == Account.territory_id)
            .where(Account.email == normalise_email(email), Account.disabled_at.is_(None))
        )
    ).all()
    platforms = [(a, tz) for a, tz in rows if Role.SAS_PLATFORM in a.roles]
    if len(platforms) != 1:
        raise NotAuthenticated(
            "the SAS certificate is bound to no single sas_platform account",
            code="sas_certificate_unbound",
        )
    account, tz = platforms[0]
    assert account.territory_id is not None, "the join made it a territory's"
    return Actor(
        account_id=account.id,
        territory_id=account.territory_id,
        timezone=tz,
        roles=account.roles,
    )


async def create_token(session: AsyncSession, clock: Clock, actor: Actor, name: str) -> IssuedToken:
    from coordination.accounts import sas_regulators  # it builds on this module

    account = await get_account(session, actor, actor.account_id)
    if await sas_regulators.kept_by_sas(session, account):
        # Acting from the SAS only: a token would act from anywhere.
        raise NotAllowed(
            "a regulator of the SAS platform acts from the SAS, without API tokens",
            code="sas_regulator_no_tokens",
        )
    return await _issue(session, clock, account, TokenKind.API, name, actor)


async def create_token_for(
    session: AsyncSession, clock: Clock, email: str, name: str, territory: str | None = None
) -> IssuedToken:
    """Administrator path (CLI): no actor, the operator is trusted by having the database.
    `territory` (a slug) picks the account when the e-mail has one in several."""
    query = select(Account).where(Account.email == normalise_email(email))
    if territory is not None:
        query = query.join(Territory, Territory.id == Account.territory_id).where(
            Territory.slug == territory
        )
    found = list(await session.scalars(query.limit(2)))
    if not found:
        raise NotFound(
            f"no account with e-mail {email}",
            code="account_email_not_found",
            params={"email": email},
            field="email",
        )
    if len(found) > 1:
        raise Invalid(
            f"{email} has accounts in several territories: name one",
            code="account_email_several_territories",
            params={"email": email},
            field="territory",
        )
    account = found[0]
    return await _issue(session, clock, account, TokenKind.API, name, None)


async def list_tokens(session: AsyncSession, actor: Actor) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken)
        .where(ApiToken.account_id == actor.account_id)
        .order_by(ApiToken.created_at.desc())
    )
    return list(rows)


async def revoke_token(
    session: AsyncSession, clock: Clock, actor: Actor, token_id: uuid.UUID
) -> ApiToken:
    """Revoke one of the actor's own tokens (compare-and-swap: only a live token is revoked)."""
    now = clock.now()
    revoked: ApiToken | None = await session.scalar(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.account_id == actor.account_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .returning(ApiToken)
    )
    if revoked is None:
        exists = await session.scalar(
            select(ApiToken.id).where(
                ApiToken.id == token_id, ApiToken.account_id == actor.account_id
            )
        )
        if exists is None:
            raise NotFound("token not found", code="token_not_found")
        raise Conflict("token is already revoked", code="token_already_revoked")
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.AUTH_TOKEN_REVOKED,
        actor=actor,
        subject_id=actor.account_id,
        payload=TokenRevokedPayload(token_id=str(token_id)),
    )
    return revoked


async def get_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> Account:
    account = await session.scalar(
        select(Account).where(Account.id == account_id, Account.territory_id == actor.territory_id)
    )
    if account is None:
        raise NotFound("account not found", code="account_not_found")
    if account.id != actor.account_id and not actor.is_staff:
        raise NotFound("account not found", code="account_not_found")
    return account


async def list_accounts(session: AsyncSession, actor: Actor) -> list[Account]:
    require_admin(actor)
    rows = await session.scalars(
        select(Account).where(Account.territory_id == actor.territory_id).order_by(Account.email)
    )
    return list(rows)


def require_admin(actor: Actor) -> None:
    if not actor.has_any(Role.ADMIN):
        raise NotAllowed(
            "only an administrator of the territory may manage accounts",
            code="accounts_admin_only",
        )


@dataclass(frozen=True, slots=True)
class AccountDraft:
    email: str
    display_name: str
    roles: frozenset[Role]
    password: str | None = None
    professional_id: uuid.UUID | None = None
    password_hash: str | None = None  # operator imports only: an argon2 hash made elsewhere


async def create_account(
    session: AsyncSession,
    clock: Clock,
    actor: Actor | None,
    territory_id: uuid.UUID | None,
    draft: AccountDraft,
    *,
    by: Actor | None = None,
) -> Account:
    """Create an account; `actor` None is the trusted operator path (CLI, demo loader), the
    only one that makes the platform's operators (`territory_id` None, role operator); `by`
    names, on that path, the platform's operator acting (for the audit)."""
    if actor is not None:
        require_admin(actor)
        territory_id = actor.territory_id
    email = normalise_email(draft.email)
    if "@" not in email:
        raise Invalid("e-mail address is not valid", code="email_invalid", field="email")
    if not draft.roles:
        raise Invalid(
            "an account needs at least one role", code="account_role_required", field="roles"
        )
    check_roles(territory_id, draft.roles)
    same_tenant = (
        Account.territory_id.is_(None)
        if territory_id is None
        else Account.territory_id == territory_id
    )
    taken = select(Account.id).where(same_tenant, Account.email == email)
    if await session.scalar(taken):
        raise Conflict(
            "an account with this e-mail already exists", code="email_taken", field="email"
        )
    if draft.professional_id is not None:
        owner = await session.scalar(
            select(Professional.territory_id).where(Professional.id == draft.professional_id)
        )
        if owner != territory_id:
            raise Invalid(
                "professional not found in this territory",
                code="professional_not_found",
                field="professional_id",
            )
    account = Account(
        id=uuid.uuid4(),
        territory_id=territory_id,
        email=email,
        display_name=draft.display_name,
        password_hash=hash_password(check_password(draft.password))
        if draft.password
        else draft.password_hash,
        professional_id=draft.professional_id,
        created_at=clock.now(),
        role_rows=[],
    )
    account.set_roles(draft.roles)
    session.add(account)
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=territory_id or PLATFORM,
        type=EventType.ACCOUNT_CREATED,
        actor=actor or by,
        subject_id=account.id,
        payload=AccountPayload(roles=sorted(account.roles)),
    )
    return account


async def end_sessions_and_links(
    session: AsyncSession, account_id: uuid.UUID, now: datetime
) -> int:
    """Revoke the account's live tokens and spend its live links; how many tokens it had."""
    revoked = await session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await session.execute(
        update(AccountLink)
        .where(AccountLink.account_id == account_id, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    return int(getattr(revoked, "rowcount", 0) or 0)


def check_roles(territory_id: uuid.UUID | None, roles: frozenset[Role]) -> None:
    """The operator role is the platform's: held alone, by an account of no territory; no
    territory's account may hold it (an admin could otherwise make themselves operator)."""
    if not roles:
        raise Invalid(
            "an account needs at least one role", code="account_role_required", field="roles"
        )
    if (territory_id is None) != (Role.OPERATOR in roles) or (
        Role.OPERATOR in roles and len(roles) > 1
    ):
        raise Invalid(
            "the operator role is the platform's, held alone and in no territory",
            code="operator_role_alone",
            field="roles",
        )


async def set_roles(
    session: AsyncSession,
    clock: Clock,
    actor: Actor,
    account_id: uuid.UUID,
    roles: frozenset[Role],
    disabled: bool | None = None,
) -> Account:
    require_admin(actor)
    check_roles(actor.territory_id, roles)
    account = await get_account(session, actor, account_id)
    if account.id == actor.account_id and Role.ADMIN not in roles:
        raise Invalid(
            "you cannot remove your own administrator role", code="own_admin_role", field="roles"
        )
    if account.id == actor.account_id and disabled:
        raise Invalid(
            "you cannot disable your own account", code="own_account_disable", field="disabled"
        )
    account.set_roles(roles)
    if disabled is not None:
        now = clock.now()
        if disabled and account.disabled_at is None:
            # Whatever the account could open stays shut once it is enabled again: its tokens
            # and its calendar feed URLs are revoked now, not merely refused while disabled.
            # Nor may an invitation or reset link sent before open it again.
            await end_sessions_and_links(session, account.id, now)
            feeds = Base.metadata.tables["calendar_feeds"]  # the calendar context's, by name
            await session.execute(
                update(feeds)
                .where(feeds.c.account_id == account.id, feeds.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        account.disabled_at = now if disabled else None
    await session.flush()
    await append_event(
        session,
        clock,
        territory_id=actor.territory_id,
        type=EventType.ACCOUNT_UPDATED,
        actor=actor,
        subject_id=account.id,
        payload=AccountPayload(roles=sorted(roles), disabled=account.disabled_at is not None),
    )
    return account


async def account_names(
    session: AsyncSession, actor: Actor, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Account id → its display name, for the accounts of the actor's territory among `ids`."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Account.id, Account.display_name).where(
            Account.id.in_(wanted), Account.territory_id == actor.territory_id
        )
    )
    return {account_id: name for account_id, name in rows.all()}


async def professional_of(session: AsyncSession, account_id: uuid.UUID) -> uuid.UUID | None:
    """The directory professional an account acts as, if any (for the SAS's operator)."""
    found: uuid.UUID | None = await session.scalar(
        select(Account.professional_id).where(Account.id == account_id)
    )
    return found
