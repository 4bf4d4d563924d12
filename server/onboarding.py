"""The operator's commands behind `cpts territory`, `cpts communes`, `cpts directory` and
`cpts operator`: the same use cases as the API, on the trusted path (no actor: whoever runs
them holds the database)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec

from coordination.accounts.links import LinkPurpose
from coordination.accounts.onboarding import IssuedLink, issue_link
from coordination.accounts.service import AccountDraft, create_account
from coordination.directory import territories
from coordination.directory.communes_reference import RefreshCounts, refresh_reference
from coordination.directory.national_import import (
    ImportPlan,
    NationalActivity,
    import_directory,
    national_id,
)
from coordination.directory.territory import Territory
from integrations.annuaire.extraction import (
    NotTheExtraction,
    open_extraction,
    read_activities,
    read_mssante,
)
from integrations.annuaire.fhir import (
    AnnuaireError,
    activities_from_resources,
    resources_of,
    search_pages,
)
from integrations.cog import read_etalab_communes, read_points, with_points
from kernel.actor import Role
from kernel.errors import Invalid, NotFound, Unavailable
from server.accounts.mail import send_links
from server.accounts.notices import link_url
from server.database import Session
from server.state import AppServices


@dataclass(frozen=True, slots=True)
class Sent:
    """A change, and the link of the invitation it e-mailed (printed for the operator)."""

    change: territories.TerritoryChange
    link: str | None


async def _sent(services: AppServices, change: territories.TerritoryChange) -> Sent:
    link = change.invitation
    if link is None:
        return Sent(change, None)
    await send_links(services, [link])
    return Sent(change, link_url(services.settings.public_url, link))


async def create_territory(services: AppServices, draft: territories.TerritoryDraft) -> Sent:
    async with services.db.write() as session:
        change = await territories.onboard_territory(session, services.clock, None, draft)
    return await _sent(services, change)


async def update_territory(
    services: AppServices, slug: str, patch: territories.TerritoryPatch
) -> Sent:
    async with services.db.write() as session:
        change = await territories.update_territory(session, services.clock, None, slug, patch)
    return await _sent(services, change)


async def list_all(services: AppServices) -> list[Territory]:
    async with services.db.read() as session:
        return await territories.list_territories(session, None)


async def import_communes(
    services: AppServices, cog: Path, points: Sequence[Path]
) -> RefreshCounts:
    located: dict[str, tuple[float, float]] = {}
    try:
        for path in points:
            located.update(read_points(path))
        communes = list(with_points(read_etalab_communes(cog), located))
    except (ValueError, KeyError, msgspec.DecodeError) as exc:  # the files are not these
        raise Invalid(
            f"not the communes files: {exc}", code="communes_files_invalid", field="cog"
        ) from exc
    async with services.db.write() as session:
        return await refresh_reference(session, services.clock, communes)


async def _territory(session: Session, slug: str) -> Territory:
    territory = await territories.find_territory(session, slug)
    if territory is None:
        raise NotFound(f"no territory {slug!r}", code="territory_not_found", field="territory")
    return territory


async def _plan_or_apply(
    services: AppServices,
    territory: Territory,
    activities: list[NationalActivity],
    dry_run: bool,
    *,
    source: str,
    mssante: dict[str, str] | None = None,
    complete: bool = True,
) -> ImportPlan:
    """The import of national activities into the territory, or only its plan (dry run)."""
    # A dry run only reads: on SQLite it must not hold the one writer while it plans.
    async with services.db.read() if dry_run else services.db.write() as session:
        return await import_directory(
            session,
            services.clock,
            None,
            territory.id,
            activities,
            source=source,
            apply=not dry_run,
            mssante=mssante,
            complete=complete,
        )


async def import_national_directory(
    services: AppServices,
    slug: str,
    path: Path,
    *,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
    mssante: Path | None = None,
) -> ImportPlan:
    """Stream the extraction, keeping the territory's communes' rows (and the MSSanté
    extraction, keeping their professionals' addresses), then plan or apply."""
    async with services.db.read() as session:
        territory = await _territory(session, slug)
        communes = await territories.commune_codes(session, territory.id)
    try:
        with open_extraction(path) as stream:
            activities = list(read_activities(stream, communes, progress))
        addresses = None
        if mssante is not None:
            with open_extraction(mssante) as stream:
                addresses = read_mssante(stream, {national_id(a) for a in activities})
    except NotTheExtraction as exc:
        raise Invalid.of(exc, field="extraction") from exc
    return await _plan_or_apply(
        services, territory, activities, dry_run, source=path.name, mssante=addresses
    )


MAX_BUNDLE_BYTES = 256 * 1024 * 1024


async def import_from_annuaire_api(
    services: AppServices,
    slug: str,
    *,
    url: str | None,
    api_key: str,
    bundles: Sequence[Path] = (),
    dry_run: bool,
    complete: bool = False,
) -> ImportPlan:
    """Professionals from the Annuaire Santé FHIR API (a search followed page by page) or from
    saved searchset bundles, kept to the territory's communes, then planned or applied; who is
    gone is said only when the search is `complete` (it covers the whole territory)."""
    async with services.db.read() as session:
        territory = await _territory(session, slug)
        postal = await territories.postal_code_communes(session, territory.id)
    resources: list[dict[str, Any]] = []
    for path in bundles:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise Invalid(
                f"{path.name} is larger than {MAX_BUNDLE_BYTES} bytes",
                code="file_too_large",
                params={"megabytes": MAX_BUNDLE_BYTES // (1024 * 1024)},
                field="bundle",
            )
        try:
            resources += resources_of(msgspec.json.decode(path.read_bytes()))
        except (msgspec.DecodeError, AnnuaireError) as exc:
            raise Invalid(
                f"{path.name}: {exc}",
                code="annuaire_bundle_invalid",
                params={"file": path.name},
                field="bundle",
            ) from exc
    if url:
        try:
            async for page in search_pages(url, api_key):
                resources += page
        except (AnnuaireError, httpx.HTTPError) as exc:
            raise Unavailable(
                f"the Annuaire Santé API: {exc}", code="annuaire_api_unavailable"
            ) from exc
    activities = list(activities_from_resources(resources, postal))
    return await _plan_or_apply(
        services, territory, activities, dry_run, source="annuaire-sante-fhir", complete=complete
    )


async def add_operator(services: AppServices, email: str, display_name: str) -> str:
    """An operator account (no territory's), and the link where they set their password."""
    async with services.db.write() as session:
        account = await create_account(
            session,
            services.clock,
            None,
            None,
            AccountDraft(email=email, display_name=display_name, roles=frozenset({Role.OPERATOR})),
        )
        link: IssuedLink = await issue_link(
            session, services.clock, account, LinkPurpose.INVITATION, None
        )
    await send_links(services, [link])
    return link_url(services.settings.public_url, link)
