"""The e-mails that carry a password link: an invitation, a forgotten password (in French).

The link's secret rides in the URL's fragment (after `#`): browsers send no fragment to the
server nor in a Referer, so it stays out of every access log and proxy on the way.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from coordination.accounts.links import LinkPurpose
from coordination.accounts.onboarding import IssuedLink
from integrations.notify import Notice

PAGES = {
    LinkPurpose.INVITATION: "/invitation",
    LinkPurpose.PASSWORD_RESET: "/mot-de-passe/nouveau",
}


def link_url(public_url: str, link: IssuedLink) -> str:
    return f"{public_url.rstrip('/')}{PAGES[link.purpose]}#jeton={link.secret}"


def _until(link: IssuedLink) -> str:
    local = link.expires_at.astimezone(ZoneInfo(link.timezone))
    return local.strftime("%d/%m/%Y à %H:%M")


def notice_for(public_url: str, link: IssuedLink) -> Notice:
    url = link_url(public_url, link)
    if link.purpose is LinkPurpose.INVITATION:
        return Notice(
            to=link.email,
            subject=f"Invitation : {link.territory_name}",
            body=(
                f"Bonjour {link.display_name},\n\n"
                f"Un compte vous a été ouvert sur le serveur de coordination de "
                f"{link.territory_name}. Choisissez votre mot de passe en suivant ce lien, "
                f"valable une seule fois jusqu'au {_until(link)} :\n\n{url}\n\n"
                "Si vous n'attendiez pas cette invitation, ignorez ce message.\n"
            ),
            kind="account.invitation",
        )
    return Notice(
        to=link.email,
        subject=f"Mot de passe oublié : {link.territory_name}",
        body=(
            f"Bonjour {link.display_name},\n\n"
            f"Vous avez demandé à changer le mot de passe de votre compte sur {link.territory_name}. "
            f"Choisissez-en un nouveau en suivant ce lien, valable une seule fois jusqu'au "
            f"{_until(link)} :\n\n{url}\n\n"
            "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n"
        ),
        kind="account.password_reset",
    )
