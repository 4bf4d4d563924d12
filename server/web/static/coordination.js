// The coordinator's forms whose JSON body a flat form cannot give (forms.js handles the
// others): a professional with a practice location (an array), and the year's ACI contract
// (nested missions and indicators, replaced whole with the version read). Same behaviour as
// forms.js: progress on the button, the API's problem shown on the form, a notice, a reload.
"use strict";
(() => {
  const cpts = () => window.cpts;

  // "90 000,5" → 90000.5; "" → null.
  function number(text) {
    const clean = String(text).replace(/[\s\u202f\u00a0]/g, "").replace(",", ".");
    if (clean === "") return null;
    const value = Number(clean);
    return Number.isFinite(value) ? value : NaN;
  }

  // "50 : 5000 ; 65 : 12 000" → [{threshold: 50, amount_eur: 5000}, …]
  function steps(text) {
    return String(text).split(";").map((s) => s.trim()).filter(Boolean).map((pair) => {
      const [threshold, amount] = pair.split(":");
      return { threshold: number(threshold ?? ""), amount_eur: number(amount ?? "") };
    });
  }

  function setPath(target, path, value) {
    const keys = path.split(".");
    let node = target;
    keys.slice(0, -1).forEach((k, i) => {
      if (node[k] === undefined) node[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
      node = node[k];
    });
    node[keys[keys.length - 1]] = value;
  }

  const shapes = {
    // The location fields, when filled, become the professional's first practice location.
    professional(form) {
      const body = cpts().bodyOf(form);
      const location = {};
      form.querySelectorAll("[data-location]").forEach((el) => {
        if (el.value.trim()) location[el.dataset.location] = el.value.trim();
      });
      if (Object.keys(location).length) body.locations = [location];
      return body;
    },
    // The contract read (data-contract), overlaid with every named field of the form.
    contract(form) {
      const body = JSON.parse(form.dataset.contract);
      for (const el of form.elements) {
        if (!el.name || el.disabled || el.name.startsWith("_")) continue;
        const type = el.dataset.type || "";
        let value = el.value.trim();
        if (type === "number") {
          value = number(value);
          if (value === null && !el.hasAttribute("data-nullable")) continue;
        } else if (type === "steps") value = steps(value);
        else if (el.type === "date") value = value || null; // a dated figure, or no date
        setPath(body, el.name, value);
      }
      return body;
    },
  };

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-coord-api]");
    if (!form) return;
    event.preventDefault();
    const { call, clearErrors, showProblem, notice } = cpts();
    clearErrors(form);
    const body = shapes[form.dataset.shape](form);
    const button = event.submitter || form.querySelector("[type=submit]");
    const label = button.textContent;
    button.disabled = true;
    button.textContent = form.dataset.busy || "Envoi…";
    button.setAttribute("aria-busy", "true");
    try {
      const result = await call(form.dataset.coordApi, form.dataset.method || "POST", body);
      if (!result.ok) { showProblem(form, result.data || {}, result.status); return; }
      const warnings = result.data?.warnings || [];
      notice(form.dataset.done + (warnings.length ? ` (${warnings.join(" ; ")})` : ""));
      form.dispatchEvent(new CustomEvent("api:done", { bubbles: true, detail: result.data }));
      setTimeout(() => window.location.reload(), warnings.length ? 2500 : 500);
    } catch (e) {
      showProblem(form, { detail: "Le serveur ne répond pas, réessayez." }, 0);
    } finally {
      button.disabled = false;
      button.textContent = label;
      button.removeAttribute("aria-busy");
    }
  });
})();
