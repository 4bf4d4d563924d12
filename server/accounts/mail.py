"""Sending password links after the transaction that made them has committed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from coordination.accounts.onboarding import IssuedLink, request_password_reset
from server.accounts.notices import notice_for
from server.state import AppServices

log = logging.getLogger("cpts.accounts")


async def send_links(services: AppServices, links: Sequence[IssuedLink]) -> None:
    """E-mail each link (a failure is logged: the admin may send the invitation again)."""
    for link in links:
        try:
            await services.notifier.send(notice_for(services.settings.public_url, link))
        except Exception:  # noqa: BLE001 - the relay's failure must not lose the others
            log.warning("could not send the %s e-mail of account %s", link.purpose, link.account_id)


async def reset_in_background(services: AppServices, email: str) -> None:
    """What "mot de passe oublié" does after its answer has gone: the answer and its timing
    are the same whether or not the e-mail has an account."""
    try:
        links = await request_password_reset(services.db, services.clock, email)
    except Exception:
        log.exception("password reset request failed")
        return
    await send_links(services, links)
