// The coordinator's dashboard: figures and weekly charts refreshed live from the websocket.
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

  function bars(svg, weeks, first, second) {
    const width = 600, height = 180, pad = 22;
    const max = Math.max(1, ...first, ...(second || []));
    const step = (width - pad) / Math.max(1, weeks.length);
    const w = Math.max(2, step / (second ? 2.4 : 1.4));
    const parts = [`<line x1="${pad}" y1="${height - pad}" x2="${width}" y2="${height - pad}" stroke="#aab"/>`,
      `<text x="0" y="12">${nf.format(max)}</text>`];
    weeks.forEach((week, i) => {
      const x = pad + i * step;
      const h1 = (first[i] / max) * (height - 2 * pad);
      parts.push(`<rect class="bar" x="${x}" y="${height - pad - h1}" width="${w}" height="${h1}"><title>${week} : ${nf.format(first[i])}</title></rect>`);
      if (second) {
        const h2 = (second[i] / max) * (height - 2 * pad);
        parts.push(`<rect class="bar2" x="${x + w}" y="${height - pad - h2}" width="${w}" height="${h2}"><title>${week} : ${nf.format(second[i])}</title></rect>`);
      }
      if (i % Math.ceil(weeks.length / 8) === 0) parts.push(`<text x="${x}" y="${height - 6}">${week.slice(5)}</text>`);
    });
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.innerHTML = parts.join("");
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
    const s = weekly.series, weeks = weekly.weeks;
    bars(document.getElementById("chart-requests"), weeks, s["snp.requests_received"], s["snp.requests_met_within_48h"]);
    bars(document.getElementById("chart-hours"), weeks, s["snp.slot_hours_offered"]);
    bars(document.getElementById("chart-care"), weeks, s["snp.bookings_honoured"], s["tele.completed"]);
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

  refresh().catch(report);
  connect();
})();
