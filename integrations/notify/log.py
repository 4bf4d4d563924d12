"""The default notifier: a log line per notice, without its body or full address.

Without SMTP nothing leaves the server; the log still shows that reminders fire. The address
is masked and the body dropped because both may identify a patient or carry a room link.
"""

from __future__ import annotations

import logging

from integrations.notify.base import Notice

log = logging.getLogger("cpts.notify")


def mask(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class LogNotifier:
    async def send(self, notice: Notice) -> None:
        log.info("notice %s to %s (SMTP not configured)", notice.kind, mask(notice.to))
