"""The coordinator's dashboard in headless Chromium (Debian's, driven by Playwright): it logs
in, reads the figures, and sees one change by itself after a booking made through the API; its
weekly charts (Chart.js) are drawn in French beside tables carrying the API's numbers, at a
desktop's, a tablet's and a phone's width, and in print."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from playwright.async_api import TimeoutError as PlaywrightTimeout

from server.web.dashboard import CHARTS, day_month, number, week_label
from tests.e2e.browser import (
    OUTPUT,
    bearer,
    created,
    live,
    publish_slot,
    sas_booking,
    shot,
    signed_in,
)


def _book_a_request(base: str) -> None:
    start = (datetime.now(UTC) + timedelta(days=40)).replace(
        hour=4, minute=0, second=0, microsecond=0
    )
    slot = publish_slot(base, bearer(base, "gp5@sud-yvelines.test"), start, modality="video")
    patient = {
        "family_name": "Navigateur",
        "given_name": "Test",
        "birth_date": "1960-01-01",
        "sex": "male",
    }
    sas_booking(base, slot["id"], patient, booking={"patient": patient})


async def test_dashboard_shows_figures_and_follows_a_booking_live(
    served: str, browser: Any
) -> None:
    page = await signed_in(browser, served, "coordinator@sud-yvelines.test", "/tableau-de-bord")
    await page.set_viewport_size({"width": 1280, "height": 1600})
    await live(page)
    await page.wait_for_function(
        "() => document.body.dataset.refreshed !== undefined", timeout=10_000
    )
    figure = page.locator('.figure[data-key="snp.requests_received"] .value')
    before = int((await figure.inner_text()).replace("\u202f", "").replace(" ", ""))
    assert await page.locator("h1").inner_text() == "Tableau de bord de la coordination"
    assert await page.locator("#contract tbody tr").count() >= 5, "the demo contract's lines"
    assert await page.locator("#charts[data-drawn='3'] canvas").count() == 3
    await shot(page, "dashboard-before")

    _book_a_request(served)
    await page.wait_for_function(
        "([sel, before]) => Number(document.querySelector(sel).textContent.replace(/\\s/g, '')) > before",
        arg=['.figure[data-key="snp.requests_received"] .value', before],
        timeout=10_000,
    )
    after = int((await figure.inner_text()).replace("\u202f", "").replace(" ", ""))
    assert after == before + 1
    # The request, then its booking: the second refresh comes after the throttle's gap.
    await page.wait_for_function(
        "sel => Number(document.querySelector(sel).textContent.replace(/\\s/g, '')) >= 1",
        arg='.figure[data-key="snp.requests_met"] .value',
        timeout=10_000,
    )
    body = await page.content()
    assert "Navigateur" not in body, "no patient identity on the dashboard"
    # This week's row of the requests' table, and the chart's last point, followed too.
    await page.wait_for_function(
        """() => {
            const cell = document.querySelector('#table-requests tbody tr:last-child td');
            const chart = Chart.getChart('chart-requests');
            const data = chart.data.datasets[0].data;
            return Number(cell.dataset.value) >= 1 && data[data.length - 1] === Number(cell.dataset.value);
        }""",
        timeout=10_000,
    )
    await shot(page, "dashboard-after")


def _some_activity(base: str) -> None:
    """Requests received this week and the last (the API backdates 7 days at most), one of them
    booked tomorrow (met within 48 h): the demo's agendas give the weeks ahead their hours."""
    regulator = bearer(base, "regulator@sud-yvelines.test")
    now = datetime.now(UTC).replace(microsecond=0)
    for hours_ago in (2, 5, 30, 100, 150, 160):
        created(
            base,
            regulator,
            "/requests",
            {
                "origin": "sas_regulator",
                "reason": "Fièvre",
                "received_at": (now - timedelta(hours=hours_ago)).isoformat(),
                "patient": {
                    "family_name": "Courbe",
                    "given_name": "Anne",
                    "birth_date": "1950-05-05",
                    "sex": "female",
                },
            },
        )
    start = (now + timedelta(days=1)).replace(hour=4, minute=0, second=0)
    slot = publish_slot(base, bearer(base, "gp6@sud-yvelines.test"), start)
    patient = {"family_name": "Graphique", "given_name": "Paul", "birth_date": "1970-02-02"}
    sas_booking(base, slot["id"], patient | {"sex": "male"})


_CHARTS_STATE = """() => [...document.querySelectorAll('.chart-table')].map((table) => {
    const chart = Chart.getChart(`chart-${table.dataset.chart}`);
    const box = chart.canvas.getBoundingClientRect();
    return {
        id: table.dataset.chart,
        width: box.width,
        height: box.height,
        labels: chart.data.labels,
        ticks: chart.scales.x.ticks.map((t) => t.label).flat(),
        tickFont: Math.min(chart.scales.x._resolveTickFontOptions(0).size, chart.scales.y._resolveTickFontOptions(0).size),
        legend: chart.legend.legendItems.map((item) => item.text),
        data: chart.data.datasets.map((d) => d.data),
        caption: table.caption.textContent,
        heads: [...table.tHead.rows[0].cells].slice(1).map((th) => th.textContent.trim()),
        rows: [...table.tBodies[0].rows].map((tr) => ({
            week: tr.querySelector('time').getAttribute('datetime'),
            label: tr.querySelector('time').textContent,
            values: [...tr.cells].slice(1).map((td) => Number(td.dataset.value)),
            texts: [...tr.cells].slice(1).map((td) => td.textContent),
        })),
    };
})"""


async def _tooltip(page: Any, chart: str, index: int) -> dict[str, Any]:
    """The tooltip of the week `index` of `chart`, once drawn in full (it fades in)."""
    await page.evaluate(
        """([id, index]) => {
            const chart = Chart.getChart(id);
            const point = chart.getDatasetMeta(0).data[index];
            const all = chart.data.datasets.map((_, datasetIndex) => ({ datasetIndex, index }));
            chart.tooltip.setActiveElements(all, { x: point.x, y: point.y });
            chart.update();
        }""",
        [chart, index],
    )
    await page.wait_for_function(
        "id => Chart.getChart(id).tooltip.opacity === 1", arg=chart, timeout=5_000
    )
    tooltip: dict[str, Any] = await page.evaluate(
        """id => {
            const t = Chart.getChart(id).tooltip;
            return { title: t.title.join(' '), body: t.body.map((b) => b.lines.join(' ')) };
        }""",
        chart,
    )
    return tooltip


async def test_dashboard_charts_are_french_readable_and_carry_the_tables_numbers(
    served: str, browser: Any
) -> None:
    _some_activity(served)
    today = datetime.now(UTC).date()
    first, last = today - timedelta(weeks=9), today + timedelta(days=27)
    path = f"/tableau-de-bord?from={first}&to={last}"
    page = await signed_in(browser, served, "coordinator@sud-yvelines.test", path)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    await page.set_viewport_size({"width": 1366, "height": 900})
    await page.reload()
    await page.wait_for_selector("#charts[data-drawn='3']", state="attached", timeout=10_000)
    await page.wait_for_function(
        "() => document.body.dataset.refreshed !== undefined", timeout=10_000
    )
    api = await page.evaluate(
        "async (q) => (await fetch('/api/v1/indicators/weekly?' + q)).json()",
        f"from={first}&to={last}",
    )
    weeks, series = api["weeks"], api["series"]
    assert len(weeks) >= 10

    charts = {c["id"]: c for c in await page.evaluate(_CHARTS_STATE)}
    assert sorted(charts) == sorted(c.id for c in CHARTS)
    shown_somewhere = 0
    for definition in CHARTS:
        c = charts[definition.id]
        assert c["width"] > 500 and 250 <= c["height"] <= 320, (definition.id, c)
        assert c["tickFont"] >= 12, "readable axes"
        assert c["legend"] == [line.label for line in definition.lines]
        assert c["heads"] == [line.column for line in definition.lines]
        assert definition.title in c["caption"]
        # French weeks: « 7 déc. » on the axis, « 7 déc. 2026 » in the table, by their Monday.
        assert c["labels"] == [day_month(date.fromisoformat(w)) for w in weeks]
        assert [r["week"] for r in c["rows"]] == weeks
        assert [r["label"] for r in c["rows"]] == [week_label(date.fromisoformat(w)) for w in weeks]
        assert c["ticks"] and set(c["ticks"]) <= set(c["labels"]) | {w[:4] for w in weeks}
        for i, line in enumerate(definition.lines):
            assert [r["values"][i] for r in c["rows"]] == series[line.key], line.key
            assert c["data"][i] == series[line.key], "the chart draws the table's numbers"
            assert [r["texts"][i] for r in c["rows"]] == [number(v) for v in series[line.key]]
            shown_somewhere += sum(1 for v in series[line.key] if v > 0)
    assert shown_somewhere >= 3, "the weeks with activity carry it"
    assert any(v > 0 for v in series["snp.requests_received"])
    assert any(v > 0 for v in series["snp.slot_hours_offered"])
    received = series["snp.requests_received"]
    busy = max(range(len(weeks)), key=lambda i: received[i])
    assert charts["requests"]["rows"][busy]["values"][0] == received[busy] > 0
    french = re.compile(
        r"(1er|[0-9]{1,2}) (janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.)"
    )
    for c in charts.values():
        assert all(french.fullmatch(t) or t.isdigit() for t in c["ticks"]), c["ticks"]
    assert any(label.endswith("déc.") for label in charts["requests"]["labels"]) == (
        any(w[5:7] == "12" for w in weeks)
    ), "« 7 déc. » when the period has December weeks"
    await shot(page, "dashboard-charts-1366")
    # Pointing at a week: its Monday, « semaine du 7 déc. 2026 », and the values in French.
    tooltip = await _tooltip(page, "chart-requests", busy)
    assert tooltip["title"] == f"semaine du {week_label(date.fromisoformat(weeks[busy]))}"
    assert re.fullmatch(r"semaine du (1er|[0-9]{1,2}) [a-zéû]+\.? 20[0-9]{2}", tooltip["title"])
    met = series["snp.requests_met_within_48h"][busy]
    assert tooltip["body"] == [
        f"Demandes reçues : {number(received[busy])}",
        f"Satisfaites sous 48 h : {number(met)}",
    ]
    await page.locator("#card-requests").screenshot(
        path=str(OUTPUT / "dashboard-charts-tooltip.png"), animations="disabled"
    )
    await page.evaluate(
        "() => { const c = Chart.getChart('chart-requests');"
        " c.tooltip.setActiveElements([], {}); c.update('none'); }"
    )

    for width in (768, 390):
        await page.set_viewport_size({"width": width, "height": 900})
        try:
            await page.wait_for_function(
                "w => [...document.querySelectorAll('.chart-canvas canvas')].every("
                "(c) => Math.abs(c.getBoundingClientRect().width - c.parentElement.clientWidth) < 2"
                " && c.getBoundingClientRect().width < w)",
                arg=width,
                timeout=20_000,
            )
        except PlaywrightTimeout:  # say which chart did not follow the window, and how
            widths = await page.evaluate(
                "() => [...document.querySelectorAll('.chart-canvas canvas')].map((c) => "
                "[c.id, c.getBoundingClientRect().width, c.parentElement.clientWidth])"
            )
            raise AssertionError(f"{width} px: charts (id, canvas, box) {widths}") from None
        scroll = await page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"{width} px: the page scrolls sideways ({scroll} px)"
        sizes = await page.evaluate(
            "() => [...document.querySelectorAll('.chart-canvas canvas')].map((c) => "
            "[c.getBoundingClientRect().width, c.getBoundingClientRect().height])"
        )
        assert all(w > width * 0.6 and h >= 250 for w, h in sizes), (width, sizes)
        await shot(page, f"dashboard-charts-{width}")

    # On paper: no toolbar nor menu, the period said, every week of the tables, the charts.
    await page.set_viewport_size({"width": 794, "height": 1123})
    await page.emulate_media(media="print")
    printed = await page.evaluate(
        """() => ({
            toolbar: getComputedStyle(document.querySelector('.toolbar')).display,
            nav: getComputedStyle(document.querySelector('.nav')).display,
            period: getComputedStyle(document.querySelector('.print-only')).display,
            clipped: [...document.querySelectorAll('.chart-data')].filter((d) => d.scrollHeight > d.clientHeight + 1).length,
            canvases: [...document.querySelectorAll('.chart-canvas canvas')].map((c) => c.getBoundingClientRect().height),
        })"""
    )
    assert printed["toolbar"] == "none" and printed["nav"] == "none"
    assert printed["period"] == "block" and printed["clipped"] == 0
    assert all(h > 100 for h in printed["canvases"])
    await shot(page, "dashboard-charts-print")
    assert errors == [], errors
