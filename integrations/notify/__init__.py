"""Notifications to people (reminders, the patient's video link): e-mail or the log.

`create_notifier` picks SMTP when `CPTS_SMTP_URL` is set, else a log-only notifier that records
that a notice was due without its body (the body may name a time and a room link).
"""

from integrations.notify.base import Notice, Notifier
from integrations.notify.log import LogNotifier
from integrations.notify.smtp import SmtpNotifier


def create_notifier(smtp_url: str | None, sender: str) -> Notifier:
    return SmtpNotifier(smtp_url, sender) if smtp_url else LogNotifier()


__all__ = ["LogNotifier", "Notice", "Notifier", "SmtpNotifier", "create_notifier"]
