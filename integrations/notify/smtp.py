"""E-mail through an SMTP relay: `smtp://user:password@host:port` (STARTTLS when offered) or
`smtps://…` (implicit TLS), with `aiosmtplib` so a slow relay never blocks the event loop."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from integrations.notify.base import Notice


class SmtpNotifier:
    def __init__(self, url: str, sender: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("CPTS_SMTP_URL must look like smtp://user:password@host:port")
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or (465 if self._implicit_tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender
        self._timeout = timeout

    async def send(self, notice: Notice) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = notice.to
        message["Subject"] = notice.subject
        message.set_content(notice.body)
        await aiosmtplib.send(
            message,
            hostname=self._host,
            port=self._port,
            username=self._user,
            password=self._password,
            use_tls=self._implicit_tls,
            start_tls=None if not self._implicit_tls else False,
            timeout=self._timeout,
        )
