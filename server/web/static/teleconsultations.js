// Teleconsultation pages: forms.js sends every write; this script only puts the API's
// English problem messages into French where they are known, as people read them here.
"use strict";
(() => {
  const FRENCH = [
    [/no longer free|already booked|slot is taken/i, "Ce créneau vient d'être pris : choisissez-en un autre."],
    [/this slot is over/i, "Ce créneau est passé : choisissez-en un autre."],
    [/slot not found/i, "Ce créneau n'existe plus : relancez la recherche."],
    [/not an assisted|not opened this slot|needs a video slot/i, "Ce créneau n'est pas ouvert à la téléconsultation assistée."],
    [/consent to the teleconsultation is required/i, "Le consentement du patient est requis."],
    [/consent cannot be collected in the future/i, "Le consentement ne peut pas être daté dans le futur."],
    [/collected_at needs a UTC offset/i, "Indiquez la date et l'heure du consentement."],
    [/say why the GP is consulted/i, "Indiquez le motif de la téléconsultation."],
    [/starts at most 15 minutes before/i, "Le démarrage est possible 15 minutes avant l'heure du rendez-vous."],
    [/has not (begun|started) yet/i, "Le rendez-vous n'a pas encore commencé."],
    [/mail relay failed/i, "L'envoi de l'e-mail a échoué, le lien n'est pas parti : réessayez."],
    [/handover of a \w+ teleconsultation is closed|ended meanwhile/i, "La téléconsultation est terminée : les transmissions sont closes."],
    [/teleconsultation cannot become|has no room to join/i, "Cette action n'est plus possible : la téléconsultation a changé de statut."],
    [/only the GP who teleconsulted/i, "Seul le médecin de la téléconsultation la termine."],
    [/Idempotency-Key was used/i, "Cette réservation a déjà été envoyée : rechargez la page."],
    [/window is at most 31 days/i, "La recherche porte sur 31 jours au plus."],
    [/birth date|birth_date/i, "Vérifiez la date de naissance."],
    [/\bnir\b|NIR/, "Vérifiez le NIR (13 chiffres et sa clé)."],
    [/Expected `int` >= (\d+)/, "La valeur doit être au moins $1."],
    [/Expected `int` <= (\d+)/, "La valeur doit être au plus $1."],
    [/Expected `(int|float)` >= ([\d.]+)/, "La valeur doit être au moins $2."],
    [/Expected `(int|float)` <= ([\d.]+)/, "La valeur doit être au plus $2."],
    [/does not match regex/i, "Le format n'est pas valide."],
  ];

  function inFrench(text) {
    for (const [pattern, french] of FRENCH) {
      const found = text.match(pattern);
      if (found) return french.replace(/\$(\d)/g, (_, n) => found[+n] || "");
    }
    return text;
  }

  function translate(el) {
    if (!el || el.dataset.fr === el.textContent) return;
    const french = inFrench(el.textContent);
    el.textContent = french;
    el.dataset.fr = french;
  }

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

  const watched = "#notice, .form-error, .field-error";
  new MutationObserver((changes) => {
    for (const change of changes) {
      const target = change.target.nodeType === 1 ? change.target : change.target.parentElement;
      if (target?.matches?.(watched)) translate(target);
      for (const node of change.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches(".field-error") && slotError(node)) continue;
        if (node.matches(watched)) translate(node);
        node.querySelectorAll?.(watched).forEach(translate);
      }
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
})();
