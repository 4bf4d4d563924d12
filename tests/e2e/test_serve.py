"""`cpts serve` really serves: a child process answers /health, the OpenAPI document and login.

This is what `make run` does after migrating and loading the demo.
"""

from __future__ import annotations

import httpx


def test_served_app_answers(served: str) -> None:
    health = httpx.get(f"{served}/health").json()
    assert health["status"] == "ok" and health["database"]["backend"] == "sqlite"
    assert httpx.get(f"{served}/schema/openapi.json").json()["openapi"].startswith("3.1")
    token = httpx.post(
        f"{served}/api/v1/auth/login", json={"email": "gp3@sud-yvelines.test", "password": "demo"}
    ).json()["token"]
    me = httpx.get(f"{served}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["roles"] == ["gp"]


def test_links_name_the_port_served_on_without_a_public_url(served: str) -> None:
    """CPTS_PUBLIC_URL unset and CPTS_PORT set (the fixture's free port): the calendar-feed
    link and the links inside the feed point at this server, not at :8000."""
    token = httpx.post(
        f"{served}/api/v1/auth/login", json={"email": "gp1@sud-yvelines.test", "password": "demo"}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    feed = httpx.post(
        f"{served}/api/v1/me/calendar-feeds",
        headers=headers,
        json={"name": "Mon téléphone", "include_free_slots": True},
    ).json()
    assert feed["url"].startswith(f"{served}/ical/"), feed["url"]
    body = httpx.get(feed["url"]).text
    links = [line for line in body.splitlines() if line.startswith("URL")]
    assert links, "the demo GP's feed has events with links"
    assert all(link.split(":", 1)[1].startswith(served) for link in links), links[:3]


def test_a_client_frame_past_64_kib_closes_the_socket(served: str) -> None:
    """The served socket takes hellos and pongs, not 8 MiB frames (close 1009)."""
    import pytest
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    token = httpx.post(
        f"{served}/api/v1/auth/login", json={"email": "gp2@sud-yvelines.test", "password": "demo"}
    ).json()["token"]
    with connect(served.replace("http://", "ws://") + "/ws", max_size=None) as ws:
        ws.send(f'{{"token": "{token}"}}')
        ws.send("x" * 100_000)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
