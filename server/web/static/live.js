// Live pages: a page whose <body> has data-live-topics listens to /ws and, when an event
// arrives, fetches itself again and swaps each [data-live-region] whose HTML changed. The
// server renders every state; this script only decides when to ask for it again.
"use strict";
(() => {
  const body = document.body;
  const topics = (body.dataset.liveTopics || "").split(",").filter(Boolean);
  if (!topics.length) return;
  const prefixes = (body.dataset.liveTypes || "").split(",").filter(Boolean);
  const status = document.getElementById("live-status");
  let lastSeq = null, delay = 1000, pending = null, updates = 0;

  async function refresh() {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const region of document.querySelectorAll("[data-live-region]")) {
      const next = fresh.getElementById(region.id);
      if (!next || next.innerHTML === region.innerHTML) continue;
      if (region.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) continue;
      region.innerHTML = next.innerHTML;
      region.classList.remove("changed");
      void region.offsetWidth;
      region.classList.add("changed");
    }
    body.dataset.updated = String(++updates);
    document.dispatchEvent(new CustomEvent("live:updated"));
    if (status) status.textContent = `En direct · mis à jour à ${new Date().toLocaleTimeString("fr-FR")}`;
  }

  const soon = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refresh().catch(() => {}); }, 250);
  };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify(lastSeq === null ? { topics } : { topics, since: lastSeq }));
    });
    socket.addEventListener("message", (message) => {
      const data = JSON.parse(message.data);
      if (data.type === "ping") { socket.send(JSON.stringify({ type: "pong" })); return; }
      if (data.type === "ready") {
        delay = 1000;
        body.dataset.live = "ready";
        if (status) status.textContent = "En direct";
        return;
      }
      if (typeof data.seq !== "number") return;
      lastSeq = data.seq;
      if (!prefixes.length || prefixes.some((p) => data.type.startsWith(p))) soon();
    });
    socket.addEventListener("close", () => {
      body.dataset.live = "closed";
      if (status) status.textContent = "Connexion en direct perdue, reconnexion…";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();
})();
