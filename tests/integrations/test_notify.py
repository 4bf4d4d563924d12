"""Notifiers: a real SMTP exchange (aiosmtpd on a local port), and the log-only default."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from integrations.notify import LogNotifier, Notice, SmtpNotifier, create_notifier


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


NOTICE = Notice(
    to="gp1@sud-yvelines.test",
    subject="Rappel : téléconsultation assistée le 25/11/2026 à 14h30",
    body="Bonjour,\nTéléconsultation assistée (TLD) à 14h30.\n",
    kind="teleconsultation.reminder",
)


async def test_smtp_delivers_the_notice(smtp_server: tuple[_Inbox, int]) -> None:
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
    notifier = SmtpNotifier(f"smtp://127.0.0.1:{_free_port()}", "no-reply@cpts.test", timeout=2)
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
