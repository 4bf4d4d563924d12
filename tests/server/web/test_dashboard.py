"""The coordinator's dashboard page: its weekly trends come with their tables, rendered by the
server in French (weeks named by their Monday, French numbers), the same numbers as the API's
weekly series, so that printing, screen readers and browsers without JavaScript get them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import httpx

from kernel.clock import FrozenClock
from server.web.dashboard import CHARTS, day_month, number, week_label
from tests.conftest import login
from tests.server.web.pages_helpers import cookie_login


class _Tables(HTMLParser):
    """The trend tables of a page: caption, column series, then per week (Monday, values)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, object]] = {}
        self._table: dict[str, object] | None = None
        self._in: str | None = None
        self._row: list[float] | None = None
        self._week: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "chart-table" in (a.get("class") or ""):
            self._table = {"caption": "", "series": [], "rows": {}, "totals": [], "labels": {}}
            self.tables[str(a["id"])] = self._table
        if self._table is None:
            return
        if tag == "caption":
            self._in = "caption"
        elif tag == "tfoot":
            self._in = "tfoot"
        elif tag == "th" and a.get("data-series"):
            self._table["series"].append(a["data-series"])  # type: ignore[attr-defined]
        elif tag == "tr":
            self._row, self._week = [], None
        elif tag == "time":
            self._week = a["datetime"]
            self._in = "time"
        elif tag == "td" and self._row is not None:
            self._row.append(float(a["data-value"] or "nan"))

    def handle_data(self, data: str) -> None:
        if self._table is None:
            return
        if self._in == "caption":
            self._table["caption"] = str(self._table["caption"]) + data
        elif self._in == "time" and self._week:
            self._table["labels"][self._week] = data  # type: ignore[index]

    def handle_endtag(self, tag: str) -> None:
        if self._table is None:
            return
        if tag in ("caption", "time"):
            self._in = None if self._in != "tfoot" else self._in
        elif tag == "tr" and self._row is not None:
            if self._week:
                self._table["rows"][self._week] = self._row  # type: ignore[index]
            elif self._in == "tfoot":
                self._table["totals"] = self._row
            self._row = None
        elif tag == "table":
            self._table, self._in = None, None


def _tables(text: str) -> dict[str, dict[str, object]]:
    parser = _Tables()
    parser.feed(text)
    return parser.tables


def test_french_weeks_and_numbers() -> None:
    assert day_month(date(2026, 12, 7)) == "7 déc."
    assert day_month(date(2026, 2, 1)) == "1er févr."
    assert week_label(date(2025, 12, 29)) == "29 déc. 2025"
    assert number(3.0) == "3"
    assert number(1234.5) == "1\u202f234,5"
    assert number(3.75) == "3,75"
    assert number(0.0) == "0"


async def test_the_trends_are_tables_with_the_api_series(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    regulator = await login(client, "regulator@sud-yvelines.test")
    for hours_ago in (1, 2, 30):
        response = await client.post(
            "/api/v1/requests",
            headers=regulator,
            json={
                "origin": "sas_regulator",
                "reason": "Tableau de bord",
                "patient": {
                    "family_name": "Tendance",
                    "given_name": "Lucienne",
                    "birth_date": "1938-03-04",
                    "sex": "female",
                },
                "received_at": (clock.now() - timedelta(hours=hours_ago)).isoformat(),
            },
        )
        assert response.status_code == 201, response.text
    today = clock.now().date()
    first, last = today - timedelta(days=21), today + timedelta(days=20)
    query = f"from={first}&to={last}"

    await cookie_login(client, "coordinator@sud-yvelines.test")
    page = await client.get(f"/tableau-de-bord?{query}")
    assert page.status_code == 200, page.text
    api = (await client.get(f"/api/v1/indicators/weekly?{query}")).json()
    text = page.text

    assert '<link rel="stylesheet" href="/static/dashboard.css">' in text
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in text
    tables = _tables(text)
    assert sorted(tables) == sorted(f"table-{c.id}" for c in CHARTS)
    weeks = api["weeks"]
    assert len(weeks) >= 6
    for chart in CHARTS:
        table = tables[f"table-{chart.id}"]
        assert chart.title in str(table["caption"]), "each table has its caption"
        assert table["series"] == [line.key for line in chart.lines]
        assert f'<canvas id="chart-{chart.id}" role="img"' in text
        rows = table["rows"]
        assert isinstance(rows, dict) and list(rows) == weeks, "every week, in order"
        for i, week in enumerate(weeks):
            assert rows[week] == [api["series"][key][i] for key in table["series"]], week
        assert table["totals"] == [round(sum(api["series"][k]), 2) for k in table["series"]]
        labels = table["labels"]
        assert isinstance(labels, dict)
        assert labels[weeks[0]] == week_label(date.fromisoformat(weeks[0]))
    received = tables["table-requests"]["rows"]
    assert isinstance(received, dict)
    assert sum(r[0] for r in received.values()) >= 3, "the requests just received are counted"
    hours = tables["table-hours"]["rows"]
    assert isinstance(hours, dict)
    assert any(r[0] > 0 for r in hours.values()), "the demo's agendas ahead are offered hours"
    # The cells say the numbers in French, as dashboard.js rewrites them.
    cells = re.findall(r'<td class="num" data-value="([0-9.]+)">([^<]*)</td>', text)
    assert cells and all(number(float(raw)) == shown for raw, shown in cells)
    assert "Sans JavaScript, les graphiques ne s'affichent pas" in text
    assert "print-only" in text and "Période du" in text


async def test_a_wrong_period_still_shows_the_years_trends(client: httpx.AsyncClient) -> None:
    await cookie_login(client, "coordinator@sud-yvelines.test")
    page = await client.get("/tableau-de-bord?from=2026-06-01&to=2026-01-01")
    assert page.status_code == 200
    assert 'role="alert"' in page.text
    tables = _tables(page.text)
    assert len(tables) == len(CHARTS)
    rows = tables["table-hours"]["rows"]
    assert isinstance(rows, dict) and rows, "the year so far, week by week"
    assert all(date.fromisoformat(w).weekday() == 0 for w in rows), "weeks named by Monday"


async def test_the_vendored_chart_library_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/vendor/chartjs/chart.umd.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert response.text.startswith("/*!\n * Chart.js v4.")
    css = await client.get("/static/dashboard.css")
    assert css.status_code == 200 and "@media print" in css.text
