"""A notifier that keeps what it would have sent, for the tests that read the e-mails."""

from __future__ import annotations

from litestar import Litestar

from integrations.notify import Notice
from server.state import AppServices


class RecordingNotifier:
    """Keeps what would have been sent (the production default keeps nothing)."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[Notice] = []
        self.fail = fail

    async def send(self, notice: Notice) -> None:
        if self.fail:
            raise ConnectionRefusedError("550 <odile@example.org> refused")
        self.sent.append(notice)


def recording(app: Litestar, fail: bool = False) -> RecordingNotifier:
    notifier = RecordingNotifier(fail)
    AppServices.of(app).notifier = notifier
    return notifier
