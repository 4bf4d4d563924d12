// Wound-care pages: the referral and assessment forms send their JSON through the API, then
// upload the chosen photos one by one (multipart field `file`) with progress, then open the
// referral. The infection signs are a list inside `assessment`, which forms.js's list type does
// not nest, so these two forms are sent from here with forms.js's own helpers (window.cpts).
"use strict";
(() => {
  const cpts = () => window.cpts;

  // Live helpers: surface (length × width), bed colours' total, Braden only for pressure ulcers.
  function wire(form) {
    const dims = () => {
      const v = (d) => Number((form.querySelector(`[data-dim="${d}"]`)?.value || "").replace(",", "."));
      const out = form.querySelector("[data-area]");
      const l = v("length"), w = v("width");
      if (out) out.textContent = l > 0 && w > 0 ? `${(Math.round(l * w * 100) / 100).toLocaleString("fr-FR")} cm²` : "—";
    };
    const bed = () => {
      const box = form.querySelector("[data-bed]");
      if (!box) return;
      const total = [...box.querySelectorAll("input")].reduce((s, i) => s + (Number(i.value) || 0), 0);
      const out = box.querySelector("[data-bed-total]");
      out.textContent = `${total} %`;
      out.classList.toggle("error", total !== 100);
    };
    const braden = () => {
      const type = form.querySelector("[data-wound-type]");
      const box = form.querySelector("[data-braden]");
      if (!type || !box) return;
      const on = type.value === "pressure_ulcer";
      box.hidden = !on;
      box.querySelectorAll("input").forEach((i) => { i.disabled = !on; i.required = on; });
    };
    form.addEventListener("input", () => { dims(); bed(); });
    form.addEventListener("change", braden);
    dims(); bed(); braden();
  }

  function bodyOf(form) {
    const body = cpts().bodyOf(form);
    for (const box of form.querySelectorAll("[data-list]")) {
      const values = [...box.querySelectorAll("input[type=checkbox]:checked")].map((i) => i.value);
      let node = body;
      const keys = box.dataset.list.split(".");
      keys.slice(0, -1).forEach((k) => { node = node[k] ??= {}; });
      node[keys[keys.length - 1]] = values;
    }
    return body;
  }

  function progress(form, done, total, text) {
    const box = form.querySelector("[data-upload]");
    if (!box) return;
    box.hidden = false;
    const bar = box.querySelector("progress");
    bar.max = total; bar.value = done;
    box.querySelector("[data-upload-text]").textContent = text;
  }

  // Photos one request each, so a big one does not hold the others and the bar means something.
  async function upload(form, referralId) {
    const input = form.querySelector("[data-photos]");
    const files = input ? [...input.files] : [];
    for (const [i, file] of files.entries()) {
      progress(form, i, files.length, `Envoi de la photo ${i + 1} sur ${files.length}…`);
      const data = new FormData();
      data.append("file", file, file.name);
      const result = await cpts().call(`/api/v1/referrals/${referralId}/photos`, "POST", data);
      if (!result.ok) {
        progress(form, i, files.length, `La photo « ${file.name} » n'a pas été acceptée.`);
        return result;
      }
    }
    if (files.length) progress(form, files.length, files.length, files.length > 1 ? "Photos envoyées." : "Photo envoyée.");
    return null;
  }

  async function submit(form, button) {
    const c = cpts();
    c.clearErrors(form);
    const created = await c.call(form.dataset.woundApi, "POST", bodyOf(form));
    if (!created.ok) { c.showProblem(form, created.data || {}, created.status); return; }
    form.dispatchEvent(new CustomEvent("api:done", { bubbles: true, detail: created.data }));
    const referralId = form.dataset.referral || created.data.id;
    const target = form.dataset.go.replace("{id}", encodeURIComponent(referralId));
    form.dataset.sent = "true"; // the record exists: a second click must not make another
    button.textContent = "Envoi des photos…";
    const failed = await upload(form, referralId);
    if (failed) {
      const detail = failed.data?.detail || `Erreur ${failed.status}`;
      c.showProblem(form, { detail: `Demande enregistrée, mais une photo a été refusée : ${detail}` }, failed.status);
      const link = document.createElement("a");
      link.href = target; link.textContent = "Ouvrir la demande";
      form.querySelector(".form-error")?.append(" ", link);
      return;
    }
    c.notice(form.dataset.referral ? "Évaluation enregistrée." : "Demande envoyée au réseau.");
    window.location.assign(target);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-wound-api]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.sent) return;
    const button = event.submitter || form.querySelector("[type=submit]");
    const label = button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = form.dataset.busy || "Envoi…";
    try {
      await submit(form, button);
    } catch (e) {
      cpts().showProblem(form, { detail: "Le serveur ne répond pas, réessayez." }, 0);
    } finally {
      button.removeAttribute("aria-busy");
      if (!form.dataset.sent) { button.disabled = false; button.textContent = label; }
    }
  });

  document.querySelectorAll("form[data-wound-api]").forEach(wire);
})();
