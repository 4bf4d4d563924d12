"""Notifiers: a real SMTP exchange (aiosmtpd on a local port), and the log-only default."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from email import message_from_bytes

import pytest

from integrations.notify import LogNotifier, Notice, SmtpNotifier, create_notifier
from tests.mailbox import Inbox, free_port, smtp_inbox


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with smtp_inbox() as served:
        yield served


NOTICE = Notice(
    to="gp1@sud-yvelines.test",
    subject="Rappel : téléconsultation assistée le 25/11/2026 à 14h30",
    body="Bonjour,\nTéléconsultation assistée (TLD) à 14h30.\n",
    kind="teleconsultation.reminder",
)


async def test_smtp_delivers_the_notice(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    notifier = create_notifier(f"smtp://127.0.0.1:{port}", "CPTS <no-reply@cpts.test>")
    assert isinstance(notifier, SmtpNotifier)
    await notifier.send(NOTICE)
    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert sender == "no-reply@cpts.test" and recipients == ["gp1@sud-yvelines.test"]
    message = message_from_bytes(raw)
    assert "téléconsultation" in str(message["Subject"]) or "=?utf-8?" in str(message["Subject"])
    assert "TLD" in message.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_smtp_failure_raises() -> None:
    notifier = SmtpNotifier(f"smtp://127.0.0.1:{free_port()}", "no-reply@cpts.test", timeout=2)
    with pytest.raises(OSError, match="onnect"):
        await notifier.send(NOTICE)


def test_smtp_url_is_checked() -> None:
    with pytest.raises(ValueError, match="CPTS_SMTP_URL"):
        SmtpNotifier("http://mail.example", "no-reply@cpts.test")


async def test_log_notifier_keeps_bodies_out_of_the_log(caplog: pytest.LogCaptureFixture) -> None:
    notifier = create_notifier(None, "unused")
    assert isinstance(notifier, LogNotifier)
    with caplog.at_level(logging.INFO, logger="cpts.notify"):
        await notifier.send(NOTICE)
    assert "g***@sud-yvelines.test" in caplog.text
    assert "gp1@" not in caplog.text and "14h30" not in caplog.text
