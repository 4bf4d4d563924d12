"""The `cpts` command: serve, migrate, load the demo territories, mint tokens."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

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
