"""The mixed load: GPs publishing slots, regulators searching, holding, booking and
cancelling, and a steady trickle of logins, all through nginx.

Bookings carry an `Idempotency-Key` and are retried with the same key on a connection
error, a timeout or a 5xx, as a careful client would; a share of bookings go without a key
(the server's single-statement path on a bare connection) and are tried once. What the
clients were told is kept, so that the database can be checked against it afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench.harness.client import NO_CONNECTION, TIMEOUT, Http

RETRYABLE = {TIMEOUT, NO_CONNECTION, 500, 502, 503, 504}
PATIENT = {
    "family_name": "Harnais",
    "given_name": "Paul",
    "birth_date": "1950-02-03",
    "sex": "male",
}
THINK_SECONDS = 0.05  # each actor pauses between actions: a busy day, not a flood
DAYS = 14  # slots are published over two weeks starting 100 days from now


@dataclass
class Told:
    """A booking the server said it made (201, or 200 for a replayed key)."""

    booking_id: str
    slot_id: str
    key: str | None
    cancelled: bool | None = False  # True once a cancel answered 200; None if unknown


@dataclass
class LoadState:
    day0: datetime
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    told: list[Told] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)


def first_day() -> datetime:
    return (datetime.now(UTC) + timedelta(days=100)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


async def _pause(state: LoadState, seconds: float = THINK_SECONDS) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(state.stop.wait(), seconds)


async def gp(http: Http, state: LoadState, tokens: list[str], rng: random.Random) -> None:
    """Publish 15-minute video slots at random quarter hours, as one of a few GPs: some
    overlap an earlier one (409), which is the overlap invariant being exercised."""
    while not state.stop.is_set():
        headers = {"Authorization": f"Bearer {rng.choice(tokens)}"}
        start = state.day0 + timedelta(days=rng.randrange(DAYS), minutes=15 * rng.randrange(32, 72))
        status, _ = await http.call(
            "publish",
            "POST",
            "/api/v1/slots",
            {
                "start": _iso(start),
                "end": _iso(start + timedelta(minutes=15)),
                "modality": "video",
                "visibility": ["snp", "cpts"],
            },
            headers,
        )
        state.outcomes[f"publish {status}"] += 1
        await _pause(state)


async def _book_with_key(
    http: Http, state: LoadState, body: dict[str, object], headers: dict[str, str], slot_id: str
) -> tuple[int, Told | None]:
    key = str(uuid.uuid4())
    keyed = headers | {"Idempotency-Key": key}
    for attempt in range(30):
        status, answer = await http.call("book", "POST", "/api/v1/bookings", body, keyed)
        if status in (200, 201) and isinstance(answer, dict):
            told = Told(answer["id"], slot_id, key)
            state.told.append(told)
            if status == 200:
                state.outcomes["book replayed (200)"] += 1
            return status, told
        if status not in RETRYABLE:
            return status, None
        state.outcomes["book retried"] += 1
        await asyncio.sleep(min(1.0, 0.05 * 2**attempt))
    state.outcomes["book unresolved after retries"] += 1
    return status, None


async def _cancel(http: Http, told: Told, headers: dict[str, str]) -> None:
    path = f"/api/v1/bookings/{told.booking_id}/cancel"
    for attempt in range(30):
        status, _ = await http.call("cancel", "POST", path, {"reason": "harness"}, headers)
        if status == 200:
            told.cancelled = True
            return
        if status == 409 and attempt > 0:
            told.cancelled = None  # an earlier, unanswered attempt may have cancelled it
            return
        if status not in RETRYABLE:
            told.cancelled = None if attempt else False
            return
        told.cancelled = None
        await asyncio.sleep(min(1.0, 0.05 * 2**attempt))


async def regulator(http: Http, state: LoadState, token: str, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    while not state.stop.is_set():
        day = state.day0 + timedelta(days=rng.randrange(DAYS - 1))
        status, page = await http.call(
            "search",
            "GET",
            f"/api/v1/slots?start={_iso(day)}&end={_iso(day + timedelta(days=2))}"
            "&status=free&modality=video&limit=50",
            None,
            headers,
        )
        items = page.get("items", []) if status == 200 and isinstance(page, dict) else []
        if not items:
            await _pause(state, 0.2)
            continue
        slot_id = rng.choice(items)["id"]
        mode = rng.random()
        body: dict[str, object] = {"channel": "sas_regulator", "patient": PATIENT}
        if mode < 0.35:
            status, hold = await http.call(
                "hold", "POST", "/api/v1/holds", {"slot_id": slot_id}, headers
            )
            state.outcomes[f"hold {status}"] += 1
            if status != 201 or not isinstance(hold, dict):
                await _pause(state)
                continue
            status, told = await _book_with_key(
                http, state, body | {"hold_id": hold["id"]}, headers, slot_id
            )
        elif mode < 0.75:
            status, told = await _book_with_key(
                http, state, body | {"slot_id": slot_id}, headers, slot_id
            )
        else:  # a plain booking: the server's direct path; tried once, its outcome may be unknown
            status, answer = await http.call(
                "book plain", "POST", "/api/v1/bookings", body | {"slot_id": slot_id}, headers
            )
            told = None
            if status == 201 and isinstance(answer, dict):
                told = Told(answer["id"], slot_id, None)
                state.told.append(told)
        state.outcomes[f"book {status}"] += 1
        if told is not None and rng.random() < 0.15:
            await _cancel(http, told, headers)
        await _pause(state)


async def logins(http: Http, state: LoadState, emails: list[str], rng: random.Random) -> None:
    """A login every second or so: they touch the rate limiter, which lives in Redis."""
    while not state.stop.is_set():
        email = rng.choice(emails)
        status, _ = await http.call(
            "login", "POST", "/api/v1/auth/login", {"email": email, "password": "demo"}
        )
        state.outcomes[f"login {status}"] += 1
        await _pause(state, 1.0)
