// « Mes créneaux »: builds the RRULE of the recurring form from its weekday boxes, accepts
// French dates (JJ/MM/AAAA) for excluded days, and after a publication opens the week that
// holds it and says what was created. Everything else is forms.js and live.js.
"use strict";
(() => {
  const RESULT_KEY = "gp_slots.result";

  const iso = (token) => {
    const m = token.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/);
    return m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : token;
  };

  function rruleOf(form) {
    const days = [...form.querySelectorAll('input[name="_days"]:checked')].map((box) => box.value);
    return days.length ? `FREQ=WEEKLY;BYDAY=${days.join(",")}` : "";
  }

  // Capture phase: runs before forms.js reads the form (it listens in the bubble phase).
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    for (const input of form.querySelectorAll('input[data-type="dates"]')) {
      input.value = input.value.split(/[\s,;]+/).filter(Boolean).map(iso).join(" ");
    }
    if (!form.hasAttribute("data-rrule")) return;
    const rrule = rruleOf(form);
    form.querySelector('input[name="rrule"]').value = rrule;
    if (!rrule) {
      event.preventDefault();
      event.stopImmediatePropagation();
      window.cpts.clearErrors(form);
      window.cpts.showProblem(form, {
        detail: "Cochez au moins un jour de la semaine.",
        errors: [{ field: "rrule", message: "Cochez au moins un jour." }],
      }, 422);
      form.querySelector('input[name="_days"]').focus();
    }
  }, true);

  function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

  function resultOf(form, data) {
    if (data && typeof data.slots_created === "number") {
      let text = `${plural(data.slots_created, "créneau créé", "créneaux créés")}.`;
      if (data.skipped_overlaps) {
        text += ` ${plural(data.skipped_overlaps, "créneau ignoré", "créneaux ignorés")} (déjà un créneau à cette heure).`;
      }
      return text;
    }
    return form.dataset.result || "Publié.";
  }

  // After a publication: remember the result, then open the week where it starts.
  document.addEventListener("api:done", (event) => {
    const form = event.target.closest("form[data-week-from]");
    if (!form) return;
    sessionStorage.setItem(RESULT_KEY, resultOf(form, event.detail));
    const day = form.querySelector(form.dataset.weekFrom)?.value;
    const url = new URL(window.location.href);
    if (day) url.searchParams.set("semaine", day);
    if (url.href === window.location.href) window.location.reload();
    else window.location.assign(url.href);
  });

  const stored = sessionStorage.getItem(RESULT_KEY);
  if (stored) {
    sessionStorage.removeItem(RESULT_KEY);
    const box = document.getElementById("publish-result");
    if (box) { box.textContent = stored; box.hidden = false; }
    window.cpts?.notice(stored);
  }
})();
