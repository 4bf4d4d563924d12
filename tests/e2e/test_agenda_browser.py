"""The GP's agenda (FullCalendar) in headless Chromium at 1366, 768 and 390 px: week, day,
month and list views; a range selected on the grid becomes a slot; a free slot dragged to
another hour moves; a slot opens with the keyboard; an afternoon is closed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.e2e.browser import bearer, publish_slot, shot

PARIS = ZoneInfo("Europe/Paris")
GP = "gp3@sud-yvelines.test"


async def _signed_in(browser: Any, base: str, path: str, width: int) -> Any:
    context = await browser.new_context(locale="fr-FR", viewport={"width": width, "height": 1000})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    await page.goto(f"{base}/connexion?suivant={path}")
    await page.fill("#email", GP)
    await page.fill("#password", "demo")
    await page.click("#login-submit")
    await page.wait_for_url(lambda url: url == f"{base}{path}")
    await page.locator("#agenda .fc-view-harness").wait_for(timeout=10_000)
    return page


def _slots(base: str, headers: dict[str, str], day: datetime, pid: str) -> list[dict[str, Any]]:
    """The professional's free slots of the day."""
    response = httpx.get(
        f"{base}/api/v1/slots",
        headers=headers,
        params={
            "start": day.isoformat(),
            "end": (day + timedelta(days=1)).isoformat(),
            "professional_id": pid,
            "limit": 100,
        },
    )
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _slot(base: str, headers: dict[str, str], slot_id: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/api/v1/slots/{slot_id}", headers=headers)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def _get(base: str, headers: dict[str, str], path: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/api/v1{path}", headers=headers)
    response.raise_for_status()
    found: dict[str, Any] = response.json()
    return found


def _tuesday_rule(base: str, headers: dict[str, str], monday: date) -> dict[str, Any]:
    """Video slots every Tuesday 14:00–15:00 for two weeks from `monday`."""
    response = httpx.post(
        f"{base}/api/v1/availability-rules",
        headers=headers,
        json={
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "start_date": monday.isoformat(),
            "until": (monday + timedelta(days=13)).isoformat(),
            "start_time": "14:00",
            "end_time": "15:00",
            "slot_minutes": 15,
            "modality": "video",
            "visibility": ["snp"],
        },
    )
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()
    return saved


async def _lane(page: Any, day: str, at: str) -> tuple[float, float, float]:
    """(x, top, height) of the grid's row for `at` in the column of `day`."""
    lane = page.locator(f".fc-timegrid-slot-lane[data-time='{at}:00']")
    await lane.evaluate("e => e.scrollIntoView({ block: 'center' })")
    column = await page.locator(f".fc-timegrid-col[data-date='{day}']").bounding_box()
    row = await lane.bounding_box()
    return column["x"] + column["width"] / 2, row["y"], row["height"]


async def test_the_agenda_publishes_moves_opens_and_closes(served: str, browser: Any) -> None:
    gp = bearer(served, GP)
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=14 - today.weekday())  # a week of nobody's tests
    tuesday = monday + timedelta(days=1)
    at = datetime.combine(tuesday, time(9, 0), PARIS)
    free = publish_slot(served, gp, at, modality="video")
    page = await _signed_in(browser, served, f"/creneaux?semaine={monday.isoformat()}", 1366)

    # The week's grid shows the slot where it is, in the territory's time.
    event = page.locator(f"#agenda .fc-event[data-slot-id='{free['id']}']")
    await event.wait_for(timeout=10_000)
    assert "09:00" in await event.inner_text()
    assert "Libre" in await event.inner_text()
    await shot(page, "agenda-week-1366")

    # Selecting 14:00–14:30 on Tuesday and choosing « Publier » makes that slot.
    x, top, height = await _lane(page, tuesday.isoformat(), "14:00")
    await page.mouse.move(x, top + 2)
    await page.mouse.down()
    await page.mouse.move(x, top + height * 1.5, steps=6)
    await page.mouse.move(x, top + height * 2 - 2, steps=6)
    await page.mouse.up()
    chooser = page.locator("#agenda-select")
    await chooser.wait_for(state="visible", timeout=5_000)
    assert "de 14:00 à 14:30" in await chooser.inner_text()
    await shot(page, "agenda-select-1366")
    await page.click("#agenda-publish")
    # The slot form below is sent as it is, then the page opens the slot's week.
    error = page.locator("#slot-form .form-error")
    try:
        await page.wait_for_url(f"**/creneaux?semaine={tuesday.isoformat()}", timeout=30_000)
    except PlaywrightTimeout:
        said = await error.inner_text() if await error.count() else "no error shown"
        notice = await page.locator("#notice").inner_text()
        await shot(page, "agenda-publish-failed")
        raise AssertionError(f"not published: {said}; at {page.url}; notice {notice!r}") from None
    day = datetime.combine(tuesday, time(0), PARIS)
    starts = sorted(
        (
            datetime.fromisoformat(s["start"]).astimezone(PARIS).time(),
            datetime.fromisoformat(s["end"]).astimezone(PARIS).time(),
        )
        for s in _slots(served, gp, day, free["professional_id"])
    )
    assert starts == [(time(9, 0), time(9, 15)), (time(14, 0), time(14, 30))]

    # Dragging the 09:00 slot down an hour moves it (PATCH), the week's list follows.
    await page.locator("#agenda .fc-view-harness").wait_for()
    event = page.locator(f"#agenda .fc-event[data-slot-id='{free['id']}']")
    await event.wait_for(timeout=10_000)
    _, _, row = await _lane(page, tuesday.isoformat(), "09:00")
    await event.evaluate("e => e.scrollIntoView({ block: 'center' })")
    box = await event.bounding_box()
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4)
    await page.mouse.down()
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4 + row * 2, steps=8)
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4 + row * 4, steps=8)
    await page.mouse.up()
    await page.locator("#notice", has_text="Créneau déplacé").wait_for(timeout=10_000)
    moved = _slot(served, gp, free["id"])
    assert datetime.fromisoformat(moved["start"]).astimezone(PARIS).time() == time(10, 0)
    await page.locator("#week .slot", has_text="10:00–10:15").wait_for(timeout=10_000)

    # The keyboard reaches a slot and opens its card, whose buttons work in the dialog.
    event = page.locator(f"#agenda .fc-event[data-slot-id='{free['id']}']")
    await event.focus()
    await page.keyboard.press("Enter")
    dialog = page.locator("#agenda-dialog")
    await dialog.wait_for(state="visible", timeout=5_000)
    assert "10:00–10:15" in await dialog.inner_text()
    assert await dialog.locator("button", has_text="Fermer le créneau").count() == 1
    await shot(page, "agenda-dialog-1366")
    await page.keyboard.press("Escape")
    await dialog.wait_for(state="hidden")
    assert await page.evaluate("document.activeElement?.dataset.slotId") == free["id"]

    # The day, month and list views.
    for button, view in (
        (".fc-timeGridDay-button", ".fc-timeGridDay-view"),
        (".fc-dayGridMonth-button", ".fc-dayGridMonth-view"),
        (".fc-listWeek-button", ".fc-listWeek-view"),
    ):
        await page.click(button)
        await page.locator(view).wait_for(timeout=5_000)
        await shot(page, f"agenda-{view.split('-')[1]}-1366")
    await page.click(".fc-timeGridWeek-button")

    # Closing Tuesday afternoon withdraws its free slots (the 14:00 one), keeps the morning.
    await page.fill("#close-from-day", tuesday.isoformat())
    await page.fill("#close-from-time", "12:00")
    await page.fill("#close-to-day", tuesday.isoformat())
    await page.fill("#close-to-time", "20:00")
    await page.click("#close-submit")
    await page.locator("#notice", has_text="1 créneau fermé").wait_for(timeout=10_000)
    left = [s["start"] for s in _slots(served, gp, day, free["professional_id"])]
    assert len(left) == 1 and datetime.fromisoformat(left[0]).astimezone(PARIS).hour == 10
    assert page.errors == []


@pytest.mark.parametrize("width", [768, 390])
async def test_the_agenda_fits_tablets_and_phones(served: str, browser: Any, width: int) -> None:
    gp = bearer(served, GP)
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=14 - today.weekday())
    publish_slot(served, gp, datetime.combine(monday, time(9, 0), PARIS), modality="video")
    page = await _signed_in(browser, served, f"/creneaux?semaine={monday.isoformat()}", width)
    await page.locator("#agenda .fc-event").first.wait_for(timeout=10_000)
    scroll = await page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width
    view = ".fc-timeGridDay-view" if width < 700 else ".fc-timeGridWeek-view"
    assert await page.locator(view).count() == 1
    buttons = page.locator("#agenda .fc-button")
    for n in range(await buttons.count()):
        box = await buttons.nth(n).bounding_box()
        assert box["height"] >= 44, "touch targets"
    await shot(page, f"agenda-{width}")
    assert page.errors == []


async def test_a_recurring_availability_is_edited_in_place(served: str, browser: Any) -> None:
    gp = bearer(served, GP)
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=21 - today.weekday())
    me = _get(served, gp, "/me")
    rule = _tuesday_rule(served, gp, monday)
    page = await _signed_in(browser, served, f"/creneaux?semaine={monday.isoformat()}", 1366)
    row = page.locator(f'#rules tr[data-rule-id="{rule["rule"]["id"]}"]')
    rules_before = await page.locator("#rules tbody tr").count()
    await row.locator("button", has_text="Modifier").click()
    assert (
        await page.locator("#rule-form-title").inner_text()
        == "Modifier la disponibilité récurrente"
    )
    assert await page.locator("#rule-end-time").input_value() == "15:00"
    assert await page.locator('#rule-form input[name="_days"][value="TU"]').is_checked()
    await page.fill("#rule-end-time", "16:00")
    await shot(page, "agenda-rule-edit-1366")
    await page.click("#rule-submit")
    await page.locator("#publish-result").wait_for(state="visible", timeout=15_000)
    tuesday = datetime.combine(monday + timedelta(days=1), time(0), PARIS)
    starts = [
        datetime.fromisoformat(s["start"]).astimezone(PARIS).strftime("%H:%M")
        for s in _slots(served, gp, tuesday, me["professional"]["id"])
    ]
    assert starts == ["14:00", "14:15", "14:30", "14:45", "15:00", "15:15", "15:30", "15:45"]
    assert await page.locator("#rules tbody tr").count() == rules_before, "no second rule"
    assert (
        "14:00–16:00"
        in await page.locator(f'#rules tr[data-rule-id="{rule["rule"]["id"]}"]').inner_text()
    )
