// Live pages: a page whose <body> has data-live-topics listens to /ws and, when an event
// arrives, fetches itself again and swaps each [data-live-region] whose HTML changed. The
// server renders every state; this script only decides when to ask for it again.
"use strict";
(() => {
  const body = document.body;
  const topics = (body.dataset.liveTopics || "").split(",").filter(Boolean);
  if (!topics.length) return;
  const prefixes = (body.dataset.liveTypes || "").split(",").filter(Boolean);
  const professional = body.dataset.liveProfessional || "";
  const status = document.getElementById("live-status");
  let lastSeq = null, delay = 1000, pending = null, updates = 0;

  function focusKey(el) {
    if (el.id) return `#${CSS.escape(el.id)}`;
    for (const name of ["data-api", "data-slot-id", "href"]) {
      const value = el.getAttribute(name);
      if (value) return `[${name}="${CSS.escape(value)}"]`;
    }
    return null;
  }

  async function refresh() {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const region of document.querySelectorAll("[data-live-region]")) {
      const next = fresh.getElementById(region.id);
      if (!next || next.innerHTML === region.innerHTML) continue;
      const focused = region.contains(document.activeElement) ? document.activeElement : null;
      if (focused && focused.matches("input, textarea, select")) continue;
      const key = focused && focusKey(focused);
      region.innerHTML = next.innerHTML;
      if (focused) {
        // Keyboard users keep their place: the same control again, else the region itself.
        const again = key && region.querySelector(key);
        if (again) again.focus();
        else { region.tabIndex = -1; region.focus(); }
      }
      region.classList.remove("changed");
      void region.offsetWidth;
      region.classList.add("changed");
    }
    body.dataset.updated = String(++updates);
    document.dispatchEvent(new CustomEvent("live:updated"));
    // The time goes in the tooltip, not the text: a polite live region would announce it.
    if (status) status.title = `Mis à jour à ${new Date().toLocaleTimeString("fr-FR")}`;
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
      if (prefixes.length && !prefixes.some((p) => data.type.startsWith(p))) return;
      // data-live-professional: a page about one professional's agenda ignores the others'.
      const about = data.data && data.data.professional_id;
      if (professional && about && about !== professional) return;
      soon();
    });
    socket.addEventListener("close", () => {
      body.dataset.live = "closed";
      if (status) status.textContent = "Connexion en direct perdue, reconnexion…";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  window.cptsLive = { refresh: () => refresh().catch(() => window.location.reload()) };
  connect();
})();
