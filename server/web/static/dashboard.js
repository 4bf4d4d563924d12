// The coordinator's dashboard: figures, weekly charts and their tables refreshed live from the
// websocket.
// No patient identity ever reaches this page: indicator events carry none, and the figures
// are aggregates.
"use strict";
(() => {
  const status = document.getElementById("live-status");
  const from = document.getElementById("from").value;
  const to = document.getElementById("to").value;
  const nf = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
  const format = (value, unit) => {
    if (value === null || value === undefined) return "—";
    if (unit === "percent") return `${nf.format(value)} %`;
    if (unit === "hours") return `${nf.format(value)} h`;
    if (unit === "euros") return `${nf.format(value)} €`;
    return nf.format(value);
  };

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", "Accept-Language": "fr" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  // The weekly charts (Chart.js, vendored): each one draws the table rendered under it by the
  // server (dashboard.py), the numbers screen readers and printing get; a live refresh
  // rewrites both from the API's series.
  const MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
  const ymd = (iso) => iso.split("-").map(Number);
  const dayMonth = (iso) => { const [, m, d] = ymd(iso); return `${d === 1 ? "1er" : d} ${MONTHS[m - 1]}`; };
  const weekLabel = (iso) => `${dayMonth(iso)} ${ymd(iso)[0]}`;
  const number = (value) => Number(value).toLocaleString("fr-FR", { maximumFractionDigits: 2 });
  const withUnit = (value, unit) => (unit === "hours" ? `${number(value)} h` : number(value));

  function readTable(table) {
    const series = [...table.querySelectorAll("thead th[data-series]")].map((th) => ({
      key: th.dataset.series, label: th.dataset.label || th.textContent.trim(), colour: th.dataset.colour,
    }));
    const rows = [...table.tBodies[0].rows];
    return {
      series,
      weeks: rows.map((tr) => tr.querySelector("time").getAttribute("datetime")),
      values: series.map((_, i) => rows.map((tr) => Number(tr.cells[i + 1].dataset.value))),
    };
  }

  function setCell(cell, value) {
    const text = number(value);
    cell.dataset.value = String(value);
    if (cell.textContent !== text) cell.textContent = text;
  }

  function writeTable(table, weeks, values) {
    const body = table.tBodies[0];
    const same = body.rows.length === weeks.length
      && [...body.rows].every((tr, i) => tr.querySelector("time").getAttribute("datetime") === weeks[i]);
    if (!same) {
      body.replaceChildren(...weeks.map((week) => {
        const tr = document.createElement("tr");
        const th = document.createElement("th");
        const time = document.createElement("time");
        th.scope = "row";
        time.dateTime = week;
        time.textContent = weekLabel(week);
        th.append(time);
        tr.append(th, ...values.map(() => Object.assign(document.createElement("td"), { className: "num" })));
        return tr;
      }));
    }
    weeks.forEach((_, w) => values.forEach((series, i) => setCell(body.rows[w].cells[i + 1], series[w])));
    const totals = table.tFoot.rows[0].cells;
    values.forEach((series, i) => setCell(totals[i + 1], Math.round(series.reduce((a, b) => a + b, 0) * 100) / 100));
  }

  const charts = [];
  const Chart = window.Chart;
  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  const ink = colour("--ink", "#1b2733"), muted = colour("--muted", "#52606d"), line = colour("--line", "#d7dee5");
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Ticks name the week's Monday, with its year beneath when the period spans more than one
  // (whichever ticks Chart.js keeps on a narrow screen).
  function tickLabel(entry, index) {
    const week = entry.weeks[index];
    if (!week) return "";
    const years = new Set(entry.weeks.map((w) => w.slice(0, 4)));
    return years.size > 1 ? [dayMonth(week), week.slice(0, 4)] : dayMonth(week);
  }

  function datasets(entry) {
    const n = entry.weeks.length;
    const radius = n > 60 ? 0 : n > 26 ? 2 : 3.5; // a year's points, not two years' beads
    return entry.series.map((s, i) => {
      const c = colour(s.colour, i ? "#1f7a3f" : "#0b5cab");
      const common = { label: s.label, data: entry.values[i], borderColor: c, backgroundColor: c };
      if (entry.kind === "bar") return { ...common, borderRadius: 2, maxBarThickness: 36 };
      return {
        ...common, borderWidth: 2.5, tension: 0, fill: false,
        pointStyle: i ? "triangle" : "circle", pointRadius: radius, pointHoverRadius: 6,
        borderDash: i ? [6, 4] : [],
      };
    });
  }

  function draw(table) {
    const canvas = document.getElementById(`chart-${table.dataset.chart}`);
    const entry = { table, kind: table.dataset.kind, unit: table.dataset.unit, ...readTable(table) };
    canvas.parentElement.hidden = false;
    entry.chart = new Chart(canvas, {
      type: entry.kind,
      data: { labels: entry.weeks.map(dayMonth), datasets: datasets(entry) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: "fr-FR",
        devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2), // sharp on paper too
        animation: still ? false : { duration: 250 },
        interaction: { mode: "index", intersect: false },
        layout: { padding: { top: 4, right: 8 } },
        scales: {
          x: {
            offset: true, // the first and last weeks' points not cut in half
            grid: { display: false },
            border: { color: muted },
            ticks: { color: ink, maxRotation: 0, autoSkipPadding: 14, callback: (_, index) => tickLabel(entry, index) },
          },
          y: {
            beginAtZero: true,
            suggestedMax: entry.unit === "hours" ? 10 : 5, // a quiet period still reads 0 to 5
            grid: { color: line },
            border: { display: false },
            ticks: {
              color: ink,
              precision: entry.unit === "count" ? 0 : undefined,
              callback: (value) => withUnit(value, entry.unit),
            },
          },
        },
        plugins: {
          legend: {
            position: "top", align: "start",
            labels: { color: ink, usePointStyle: true, boxWidth: 10, boxHeight: 10, padding: 14 },
          },
          tooltip: {
            backgroundColor: ink,
            titleFont: { size: 13, weight: "bold" },
            bodyFont: { size: 13 },
            padding: 10,
            usePointStyle: true,
            callbacks: {
              title: (items) => (items.length ? `semaine du ${weekLabel(entry.weeks[items[0].dataIndex])}` : ""),
              label: (item) => `${item.dataset.label} : ${withUnit(item.parsed.y, entry.unit)}`,
            },
          },
        },
      },
    });
    charts.push(entry);
  }

  function drawAll() {
    if (typeof Chart !== "function") return; // the tables stay, with the same numbers
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 13;
    Chart.defaults.color = muted;
    document.querySelectorAll(".chart-table").forEach(draw);
    // The latest weeks in sight: a year's table scrolls up to its first ones.
    document.querySelectorAll(".chart-data").forEach((box) => { box.scrollTop = box.scrollHeight; });
    document.getElementById("charts").dataset.drawn = String(charts.length);
  }

  function updateTrends(weekly) {
    for (const entry of charts.length ? charts : [...document.querySelectorAll(".chart-table")].map((table) => ({ table, ...readTable(table) }))) {
      entry.weeks = weekly.weeks;
      entry.values = entry.series.map((s) => weekly.series[s.key] || weekly.weeks.map(() => 0));
      writeTable(entry.table, entry.weeks, entry.values);
      if (!entry.chart) continue;
      entry.chart.data.labels = entry.weeks.map(dayMonth);
      entry.chart.data.datasets.forEach((dataset, i) => { dataset.data = entry.values[i]; });
      entry.chart.update();
    }
  }

  async function refresh() {
    const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const [current, weekly] = await Promise.all([
      getJson(`/api/v1/indicators?${query}`),
      getJson(`/api/v1/indicators/weekly?${query}`),
    ]);
    for (const item of current.indicators) {
      const card = document.querySelector(`.figure[data-key="${item.key}"]`);
      if (!card) continue;
      const value = card.querySelector(".value");
      const text = format(item.value, item.unit);
      if (value.textContent !== text) {
        value.textContent = text;
        card.classList.remove("changed");
        void card.offsetWidth;
        card.classList.add("changed");
      }
    }
    updateTrends(weekly);
    status.textContent = `Mis à jour à ${new Date().toLocaleTimeString("fr-FR")} · en direct`;
    document.body.dataset.refreshed = String(Date.now());
  }

  // At most one refresh every few seconds, however busy the territory: each one recomputes
  // the period's indicators on the server.
  const GAP = 3000;
  let pending = null, last = 0;
  const soon = () => {
    if (pending) return;
    const wait = Math.max(300, last + GAP - Date.now());
    pending = setTimeout(() => { pending = null; last = Date.now(); refresh().catch(report); }, wait);
  };
  const report = (e) => { status.textContent = `Actualisation impossible (${e.message}).`; };

  let lastSeq = null, delay = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify(lastSeq === null ? { topics: ["territory"] } : { topics: ["territory"], since: lastSeq }));
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "ping") { socket.send(JSON.stringify({ type: "pong" })); return; }
      if (data.type === "ready") { delay = 1000; document.body.dataset.live = "ready"; return; }
      if (typeof data.seq === "number") { lastSeq = data.seq; soon(); }
    });
    socket.addEventListener("close", () => {
      document.body.dataset.live = "closed";
      status.textContent = "Connexion en direct perdue, reconnexion…";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  try { drawAll(); } catch (e) { report(e); }
  refresh().catch(report);
  connect();
})();
