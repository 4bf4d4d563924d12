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

  // « Modifier » a recurring availability: its form, filled with the rule, PUTs it instead
  // of publishing a new one; « Ne pas modifier » puts the form back.
  const ruleForm = document.getElementById("rule-form");
  const ruleTitle = document.getElementById("rule-form-title");
  const ruleSubmit = document.getElementById("rule-submit");
  const editCancel = document.getElementById("rule-edit-cancel");
  const editNote = document.getElementById("rule-edit-note");
  const frenchDate = (d) => d.split("-").reverse().join("/");
  function editing(rule) {
    const set = (sel, value) => { const el = ruleForm.querySelector(sel); if (el) el.value = value ?? ""; };
    const days = ((rule.rrule.match(/BYDAY=([^;]+)/) || [])[1] || "").split(",");
    ruleForm.querySelectorAll('input[name="_days"]').forEach((box) => { box.checked = days.includes(box.value); });
    set("#rule-start", rule.start_date);
    set("#rule-until", rule.until);
    set("#rule-start-time", rule.start_time.slice(0, 5));
    set("#rule-end-time", rule.end_time.slice(0, 5));
    set("#rule-minutes", rule.slot_minutes);
    set("#rule-modality", rule.modality);
    set("#rule-location", rule.location_id);
    ruleForm.querySelectorAll('input[name="visibility"]').forEach((box) => { box.checked = rule.visibility.includes(box.value); });
    set("#rule-exdates", rule.exdates.map(frenchDate).join(" "));
    ruleForm.dataset.api = `/api/v1/availability-rules/${rule.id}`;
    ruleForm.dataset.method = "PUT";
    ruleTitle.textContent = "Modifier la disponibilité récurrente";
    ruleSubmit.textContent = "Enregistrer les modifications";
    editCancel.hidden = false;
    editNote.hidden = false;
    ruleForm.scrollIntoView({ block: "start" });
    ruleForm.querySelector('input[name="_days"]').focus();
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-edit-rule]");
    if (button) editing(JSON.parse(button.dataset.editRule));
  });
  editCancel?.addEventListener("click", () => {
    ruleForm.reset();
    ruleForm.dataset.api = "/api/v1/availability-rules";
    ruleForm.dataset.method = "POST";
    ruleTitle.textContent = "Publier une disponibilité récurrente";
    ruleSubmit.textContent = "Publier la disponibilité";
    editCancel.hidden = true;
    editNote.hidden = true;
  });

  const stored = sessionStorage.getItem(RESULT_KEY);
  if (stored) {
    sessionStorage.removeItem(RESULT_KEY);
    const box = document.getElementById("publish-result");
    if (box) { box.textContent = stored; box.hidden = false; }
    window.cpts?.notice(stored);
  }
})();
