"""Jitsi-compatible rooms: https only, a fresh unguessable name per teleconsultation."""

from __future__ import annotations

import uuid

import pytest

from integrations.video import JitsiRooms


def test_rooms_are_long_random_and_distinct() -> None:
    rooms = JitsiRooms("https://visio.cpts.example/")
    tc = uuid.uuid4()
    urls = {rooms.room_url(tc) for _ in range(1000)}
    assert len(urls) == 1000  # even for the same teleconsultation
    url = urls.pop()
    assert url.startswith("https://visio.cpts.example/cpts-tlc-")
    name = url.rsplit("/", 1)[1].removeprefix("cpts-tlc-")
    assert len(name) >= 32 and str(tc) not in url


@pytest.mark.parametrize("base", ["http://meet.example", "meet.example", "https://"])
def test_base_url_must_be_https(base: str) -> None:
    with pytest.raises(ValueError, match="https"):
        JitsiRooms(base)
