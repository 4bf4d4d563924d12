// Teleconsultation pages: forms.js sends every write (the server answers its problems in
// French); this script withdraws the forms of a visit that ended and marks a taken slot.
"use strict";
(() => {
  // A visit that ended meanwhile (the other professional closed it, seen live): its forms
  // would only meet a 409, so they go, with a word of why.
  document.addEventListener("live:updated", () => {
    if (document.getElementById("tc-status")?.dataset.open !== "false") return;
    const forms = ["tc-handover-form", "tc-send-link", "tc-complete"]
      .map((id) => document.getElementById(id)).filter((f) => f && !f.hidden);
    if (!forms.length) return;
    forms.forEach((f) => { f.hidden = true; });
    window.cpts?.notice("La téléconsultation est close : ses formulaires sont retirés.");
  });

  // forms.js puts a field's error after the first input of that name; for the slot radios
  // the one that failed is the checked one: mark it taken (and out of the choice) instead.
  function slotError(message) {
    const first = message.previousElementSibling;
    if (!first?.matches?.('input[name="slot_id"]')) return false;
    first.removeAttribute("aria-invalid");
    first.removeAttribute("aria-describedby");
    const chosen = first.form?.querySelector('input[name="slot_id"]:checked');
    if (chosen) {
      chosen.checked = false;
      chosen.disabled = true;
      const label = chosen.closest("label");
      label?.classList.add("tc-taken");
      const note = document.createElement("span");
      note.className = "tc-taken-note";
      note.textContent = "plus disponible";
      label?.append(note);
    }
    message.remove();
    return true;
  }

  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === 1 && node.matches(".field-error")) slotError(node);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
