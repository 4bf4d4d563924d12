// SNP requests: hold a free slot, show how long the hold lasts, confirm the booking or release
// it; and the SAS booking link's flow (request → hold → booking of that very slot). Every write
// goes through the JSON API with window.cpts.call (forms.js), which sends the CSRF token.
"use strict";
(() => {
  const { call, notice } = window.cpts;
  const TAKEN = "Ce créneau vient d'être pris par quelqu'un d'autre : la liste des créneaux a été mise à jour.";
  const DOWN = "Le serveur ne répond pas, réessayez.";
  const problem = (r) => r.data?.detail || r.data?.title || `Erreur ${r.status}`;


  // --- /demandes/{id}: Réserver → confirmation panel with the hold's countdown ---
  const request = document.getElementById("request");
  const panel = document.getElementById("hold-panel");
  if (request && panel) {
    const message = document.getElementById("finder-message");
    const countdown = document.getElementById("hold-countdown");
    const confirm = document.getElementById("confirm-booking");
    let hold = null, timer = null, key = "", heldSlot = "";
    const moving = request.dataset.reschedule || "";

    const say = (text) => { message.textContent = text; message.hidden = !text; };
    const close = () => { clearInterval(timer); hold = null; panel.hidden = true; };
    const tick = () => {
      const left = Math.round((Date.parse(hold.expires_at) - Date.now()) / 1000);
      if (left <= 0) {
        close();
        say("Le délai de cinq minutes est écoulé : le créneau a été relâché. Choisissez-le à nouveau s'il est encore libre.");
        refreshRegions();
        return;
      }
      countdown.textContent = `Créneau bloqué pour vous encore ${Math.floor(left / 60)} min ${String(left % 60).padStart(2, "0")} s.`;
    };
    const release = async () => {
      const held = hold;
      close();
      if (held) await call(`/api/v1/holds/${held.id}`, "DELETE").catch(() => {});
    };

    document.addEventListener("click", async (event) => {
      const button = event.target.closest("button.hold[data-slot-id]");
      if (!button) return;
      say("");
      if (hold) await release(); // one hold at a time
      button.disabled = true;
      button.textContent = "Réservation…";
      let result;
      try {
        result = await call("/api/v1/holds", "POST", { slot_id: button.dataset.slotId });
      } catch (e) {
        result = { ok: false, status: 0, data: { detail: DOWN } };
      }
      button.disabled = false;
      button.textContent = "Réserver";
      if (result.status === 409 || result.status === 404) { say(TAKEN); refreshRegions(); return; }
      if (!result.ok) { say(problem(result)); return; }
      hold = result.data;
      heldSlot = button.dataset.slotId;
      key = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
      document.getElementById("hold-slot").textContent = button.dataset.label;
      panel.hidden = false;
      tick();
      timer = setInterval(tick, 1000);
      confirm.focus();
      notice("Créneau bloqué pour vous pendant cinq minutes : confirmez la réservation.");
    });

    confirm.addEventListener("click", async () => {
      if (!hold) return;
      confirm.disabled = true;
      confirm.textContent = "Réservation…";
      const label = confirm.textContent;
      let result;
      try {
        // Moving a booking: one call frees the old slot and takes this one (or changes nothing).
        result = moving
          ? await call(`/api/v1/bookings/${moving}/reschedule`, "POST", { hold_id: hold.id })
          : await call("/api/v1/bookings", "POST",
            { hold_id: hold.id, request_id: request.dataset.requestId, channel: request.dataset.origin },
            { "Idempotency-Key": key });
      } catch (e) {
        result = { ok: false, status: 0, data: { detail: DOWN } };
      }
      confirm.disabled = false;
      confirm.textContent = label;
      if (result.ok) {
        close();
        notice(moving ? "Rendez-vous déplacé." : "Rendez-vous réservé.");
        window.location.assign(`/demandes/${request.dataset.requestId}`);
        return;
      }
      if (result.status === 409 && result.data?.field === "request_id") {
        await release();
        say("Cette demande a été close entre-temps.");
        window.location.reload();
        return;
      }
      if (result.status === 409 || result.status === 404) { close(); say(TAKEN); refreshRegions(); return; }
      say(problem(result));
    });

    document.getElementById("cancel-hold").addEventListener("click", async () => {
      const slot = heldSlot;
      await release();
      notice("Créneau relâché.");
      await refreshRegions();
      // Keyboard users stay where they were: the slot's « Réserver » again, else the list.
      const again = document.querySelector(`button.hold[data-slot-id="${CSS.escape(slot)}"]`);
      const list = document.getElementById("slots");
      if (again) again.focus();
      else if (list) { list.tabIndex = -1; list.focus(); }
    });

    // Leaving the page with a hold: give the slot back at once rather than in five minutes.
    window.addEventListener("pagehide", () => {
      if (!hold) return;
      fetch(`/api/v1/holds/${hold.id}`, { method: "DELETE", keepalive: true, credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken() } });
    });
  }

  // --- /slots/{id}: the SAS booking link, the request then this very slot ---
  const landing = document.getElementById("landing-request");
  if (landing) {
    landing.addEventListener("api:done", async (event) => {
      const created = event.detail;
      const target = `/demandes/${encodeURIComponent(created.id)}`;
      await new Promise((resolve) => setTimeout(resolve)); // after forms.js restores its button
      const submit = document.getElementById("landing-submit");
      submit.disabled = true;
      submit.textContent = "Réservation du créneau…";
      try {
        const held = await call("/api/v1/holds", "POST", { slot_id: landing.dataset.slotId });
        if (!held.ok) { window.location.assign(`${target}?creneau=pris`); return; }
        const booked = await call("/api/v1/bookings", "POST",
          { hold_id: held.data.id, request_id: created.id, channel: created.origin });
        if (!booked.ok) {
          await call(`/api/v1/holds/${held.data.id}`, "DELETE").catch(() => {});
          window.location.assign(`${target}?creneau=pris`);
          return;
        }
        window.location.assign(target);
      } catch (e) {
        window.location.assign(`${target}?creneau=pris`);
      }
    });
  }
})();
