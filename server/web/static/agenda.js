// « Mes créneaux »: the agenda, on FullCalendar (vendor/fullcalendar, MIT). Day, week, month
// and list views of the professional's slots by status; select a range to publish a slot
// there or close the period; drag or stretch a free slot to move it; open a slot (click, or
// Tab then Entrée) for its card and actions. The agenda runs in the territory's wall-clock
// time whatever the browser's zone: the server sends times without offset, FullCalendar is
// told they are UTC, and what it gives back gets the territory's offset (cpts.localToIso).
// Every write goes through the JSON API; the list of the week below follows the agenda.
"use strict";
(() => {
  const el = document.getElementById("agenda");
  if (!el || !window.FullCalendar) return;
  const cpts = window.cpts;
  const professional = el.dataset.professional || "";
  const editable = el.dataset.editable === "true";
  const dialog = document.getElementById("agenda-dialog");
  const dialogBody = document.getElementById("agenda-dialog-body");
  const chooser = document.getElementById("agenda-select");
  let opener = null;
  let refocus = ""; // the slot to give the focus back to, once the agenda draws it again

  const wall = (date) => date.toISOString().slice(0, 16); // "YYYY-MM-DDTHH:MM", wall-clock
  const iso = (date) => cpts.localToIso(wall(date).slice(0, 10), wall(date).slice(11, 16));
  const withProfessional = (url) => {
    if (!professional) return url;
    const u = new URL(url, window.location.origin);
    u.searchParams.set("professional_id", professional);
    return u.pathname + u.search;
  };
  const said = (start, end) => {
    const day = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long" });
    const time = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", hour: "2-digit", minute: "2-digit" });
    const sameDay = wall(start).slice(0, 10) === wall(new Date(end - 1)).slice(0, 10);
    return sameDay
      ? `${day.format(start)}, de ${time.format(start)} à ${time.format(end)}`
      : `du ${day.format(start)} ${time.format(start)} au ${day.format(end)} ${time.format(end)}`;
  };

  function openDialog(box, from) {
    opener = from || document.activeElement;
    box.showModal();
  }
  function closeDialog(box) {
    if (box.open) box.close();
  }
  for (const box of [dialog, chooser]) {
    box?.addEventListener("close", () => {
      // Back to what opened it; an event the agenda drew again meanwhile is found by its id.
      const id = opener?.dataset?.slotId;
      const again = opener?.isConnected ? opener : id && el.querySelector(`.fc-event[data-slot-id="${CSS.escape(id)}"]`);
      (again || el).focus?.();
      refocus = id || "";
      opener = null;
    });
    box?.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", () => closeDialog(box)));
  }

  // The list of the week below the agenda shows the agenda's week (a `semaine` already
  // inside it stays as it is: any day names its week).
  async function followWeek(monday, next) {
    const url = new URL(window.location.href);
    const asked = url.searchParams.get("semaine") || "";
    if (asked >= monday && asked < next) return;
    url.searchParams.set("semaine", monday);
    history.replaceState(null, "", url.pathname + url.search);
    await refreshRegions();
  }

  const narrow = window.matchMedia("(max-width: 700px)").matches;
  const calendar = new FullCalendar.Calendar(el, {
    locale: "fr",
    timeZone: "UTC",
    now: el.dataset.now,
    initialDate: el.dataset.date,
    initialView: narrow ? "timeGridDay" : "timeGridWeek",
    headerToolbar: narrow
      ? { left: "prev,next", center: "title", right: "today" }
      : { left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,dayGridMonth,listWeek" },
    footerToolbar: narrow ? { center: "timeGridDay,timeGridWeek,listWeek" } : false,
    buttonIcons: false,
    buttonText: { prev: "‹ Précédent", next: "Suivant ›", today: "Aujourd'hui", day: "Jour", week: "Semaine", month: "Mois", list: "Liste" },
    buttonHints: { prev: "$0 précédent(e)", next: "$0 suivant(e)", today: "Aujourd'hui" },
    firstDay: 1,
    allDaySlot: false,
    nowIndicator: true,
    slotDuration: "00:15:00",
    slotLabelInterval: "01:00",
    slotMinTime: "07:00:00",
    slotMaxTime: "22:00:00",
    scrollTime: "08:00:00",
    height: "auto",
    expandRows: true,
    dayMaxEvents: 4,
    eventTimeFormat: { hour: "2-digit", minute: "2-digit" },
    selectable: editable,
    selectMirror: true,
    selectMinDistance: 4,
    editable,
    eventDurationEditable: editable,
    eventOverlap: false,
    selectOverlap: true,
    events: (info, success, failure) => {
      const url = new URL(el.dataset.feed, window.location.origin);
      url.searchParams.set("start", info.startStr.slice(0, 10));
      url.searchParams.set("end", info.endStr.slice(0, 10));
      if (professional) url.searchParams.set("professional_id", professional);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", "Accept-Language": "fr" } })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
        .then(success, failure);
    },
    datesSet: (info) => {
      if (info.view.type === "timeGridWeek" || info.view.type === "listWeek") {
        followWeek(info.startStr.slice(0, 10), info.endStr.slice(0, 10)).catch(() => {});
      }
    },
    // Accessibility: the view is a named region; day headers are plain text (no link here).
    viewDidMount: (info) => {
      const harness = info.el.closest(".fc-view-harness");
      if (harness?.hasAttribute("aria-labelledby")) harness.setAttribute("role", "region");
    },
    dayHeaderDidMount: (info) => info.el.querySelector("a:not([href])")?.removeAttribute("aria-label"),
    eventDidMount: (info) => {
      // Keyboard: every slot is reachable with Tab and opens with Entrée or Espace.
      const a = info.el;
      a.tabIndex = 0;
      a.setAttribute("role", "button");
      a.setAttribute("aria-label", `${said(info.event.start, info.event.end)} : ${info.event.title} (${info.event.extendedProps.label})`);
      a.dataset.slotId = info.event.id;
      // Drawn again (a refetch) while it had the focus: it keeps it.
      if (refocus === info.event.id && (document.activeElement === document.body || !document.activeElement?.isConnected || document.activeElement === el)) a.focus();
      a.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openSlot(info.event.id, a); }
      });
    },
    eventClick: (info) => { info.jsEvent.preventDefault(); openSlot(info.event.id, info.el); },
    select: (info) => choose(info),
    eventDrop: (info) => move(info),
    eventResize: (info) => move(info),
  });
  calendar.render();
  document.addEventListener("focusin", (e) => {
    if (!e.target.closest?.(".fc-event")) refocus = "";
  });
  el.setAttribute("aria-busy", "false");

  async function openSlot(id, from) {
    const response = await fetch(withProfessional(`/creneaux/creneau/${id}`), { credentials: "same-origin", headers: { "Accept-Language": "fr" } });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      cpts.notice(problem.detail || "Ce créneau n'est plus là.", "bad");
      calendar.refetchEvents();
      return;
    }
    dialogBody.innerHTML = await response.text();
    document.getElementById("agenda-dialog-title").textContent = "Créneau";
    openDialog(dialog, from);
    dialogBody.querySelector("button, a")?.focus();
  }

  async function move(info) {
    const body = { start: iso(info.event.start), end: iso(info.event.end) };
    const result = await cpts.call(`/api/v1/slots/${info.event.id}`, "PATCH", body);
    if (!result.ok) {
      info.revert();
      cpts.notice(result.data?.detail || `Erreur ${result.status}`, "bad");
      return;
    }
    cpts.notice(`Créneau déplacé : ${said(info.event.start, info.event.end)}.`);
    refreshRegions();
  }

  let chosen = null;
  function choose(info) {
    chosen = { start: info.start, end: info.end };
    document.getElementById("agenda-select-when").textContent = said(info.start, info.end);
    openDialog(chooser, el);
  }

  // « Publier ici »: the one-off slot form below, filled with the range and sent as it is
  // (its modality, place and audience as chosen there).
  document.getElementById("agenda-publish")?.addEventListener("click", () => {
    if (!chosen) return;
    const form = document.getElementById("slot-form");
    form.querySelector("#slot-day").value = wall(chosen.start).slice(0, 10);
    form.querySelector("#slot-start").value = wall(chosen.start).slice(11, 16);
    form.querySelector("#slot-end").value = wall(chosen.end).slice(11, 16);
    closeDialog(chooser);
    calendar.unselect();
    form.requestSubmit();
  });

  // « Fermer la période »: the close form below, filled with the range and sent.
  document.getElementById("agenda-close")?.addEventListener("click", () => {
    if (!chosen) return;
    const form = document.getElementById("close-form");
    const last = new Date(chosen.end - 1);
    form.querySelector("#close-from-day").value = wall(chosen.start).slice(0, 10);
    form.querySelector("#close-from-time").value = wall(chosen.start).slice(11, 16);
    form.querySelector("#close-to-day").value = wall(last).slice(0, 10);
    form.querySelector("#close-to-time").value = wall(chosen.end).slice(11, 16) === "00:00" ? "23:59" : wall(chosen.end).slice(11, 16);
    closeDialog(chooser);
    calendar.unselect();
    form.requestSubmit();
  });
  chooser?.addEventListener("close", () => calendar.unselect());

  // Whatever changed the agenda (an action here, a booking elsewhere seen live) shows in it.
  document.addEventListener("api:done", (event) => {
    calendar.refetchEvents();
    if (event.target.id === "close-form" && event.detail) {
      const { withdrawn, kept } = event.detail;
      const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
      cpts.notice(`${plural(withdrawn, "créneau fermé", "créneaux fermés")}`
        + (kept ? ` ; ${plural(kept, "rendez-vous ou créneau retenu reste", "rendez-vous ou créneaux retenus restent")} à traiter un par un.` : "."));
    }
    if (dialog.open && dialog.contains(event.target)) closeDialog(dialog);
  });
  document.addEventListener("live:updated", () => calendar.refetchEvents());
  window.cpts.agenda = calendar;
})();
