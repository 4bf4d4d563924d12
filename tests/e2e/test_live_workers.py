"""Two server processes on PostgreSQL + Redis: a socket on one sees what the other commits."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import websockets

from tests.conftest import create_pg_database, drop_pg_database
from tests.mailbox import free_port
from tests.server.scheduling_helpers import PATIENT


@pytest.fixture
async def two_workers(redis_url: str) -> AsyncIterator[tuple[str, str]]:
    url = await create_pg_database()
    env = os.environ | {"CPTS_DATABASE_URL": url, "CPTS_REDIS_URL": redis_url}
    cli = [sys.executable, "-m", "server.cli"]
    for step in (["db", "upgrade"], ["demo", "load"]):
        setup = await asyncio.create_subprocess_exec(
            *cli, *step, env=env, stdout=asyncio.subprocess.DEVNULL
        )
        assert await setup.wait() == 0, step
    ports = [free_port(), free_port()]
    processes = [
        await asyncio.create_subprocess_exec(
            *cli,
            "serve",
            "--port",
            str(port),
            env=env | {"CPTS_PORT": str(port)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient() as client:
            for base, process in zip(bases, processes, strict=True):
                deadline = time.monotonic() + 30
                while True:
                    try:
                        if (await client.get(f"{base}/health", timeout=1)).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert process.returncode is None and time.monotonic() < deadline, "no server"
                    await asyncio.sleep(0.2)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
        await drop_pg_database(url)


async def _token(client: httpx.AsyncClient, base: str, email: str) -> str:
    response = await client.post(
        f"{base}/api/v1/auth/login", json={"email": email, "password": "demo"}
    )
    token: str = response.json()["token"]
    return token


async def test_a_booking_on_worker_b_reaches_a_socket_on_worker_a(
    two_workers: tuple[str, str],
) -> None:
    a, b = two_workers
    async with httpx.AsyncClient() as client:
        gp = await _token(client, b, "gp1@sud-yvelines.test")
        regulator = await _token(client, b, "regulator@sud-yvelines.test")
        start = (datetime.now(UTC) + timedelta(days=90)).replace(minute=0, second=0, microsecond=0)
        me = (await client.get(f"{b}/api/v1/me", headers={"Authorization": f"Bearer {gp}"})).json()
        created = await client.post(
            f"{b}/api/v1/slots",
            json={
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=15)).isoformat(),
                "modality": "office",
                "visibility": ["snp"],
                "location_id": me["professional"]["locations"][0]["id"],
            },
            headers={"Authorization": f"Bearer {gp}"},
        )
        assert created.status_code == 201, created.text
        slot = created.json()
        async with websockets.connect(a.replace("http", "ws") + "/ws") as ws:
            await ws.send(json.dumps({"token": gp}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("type") != "ready":
                pass
            booked_at = time.monotonic()
            response = await client.post(
                f"{b}/api/v1/bookings",
                json={"slot_id": slot["id"], "channel": "sas_regulator", "patient": PATIENT},
                headers={"Authorization": f"Bearer {regulator}"},
            )
            assert response.status_code == 201
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 1.0))
                if message.get("type") == "booking.created":
                    break
            assert time.monotonic() - booked_at < 1.0
            assert message["data"]["slot_id"] == slot["id"]
