// Every write of the pages goes through the JSON API, as integrators' do: a form or button
// marked data-api is sent as JSON with the CSRF token, shows progress while it runs, and
// shows the API's problem+json next to the fields it names. See docs in server/web/README.md.
"use strict";
(() => {
  const zone = () => document.body.dataset.zone || Intl.DateTimeFormat().resolvedOptions().timeZone;

  // Minutes east of UTC of `zone` at the instant `utcMs`.
  function offsetMinutes(utcMs, tz) {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(utcMs));
    const v = Object.fromEntries(parts.map((p) => [p.type, p.value]));
    return (Date.UTC(+v.year, v.month - 1, +v.day, +v.hour % 24, +v.minute, +v.second) - utcMs) / 60000;
  }

  // A wall-clock day and time of the territory as ISO 8601 with its offset that day.
  function localToIso(day, time, tz = zone()) {
    const [y, m, d] = day.split("-").map(Number);
    const [hh, mm] = time.split(":").map(Number);
    const wall = Date.UTC(y, m - 1, d, hh, mm);
    let off = offsetMinutes(wall, tz);
    off = offsetMinutes(wall - off * 60000, tz);
    const a = Math.abs(off), pad = (n) => String(n).padStart(2, "0");
    return `${day}T${pad(hh)}:${pad(mm)}:00${off >= 0 ? "+" : "-"}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }

  function notice(text, kind = "ok") {
    const box = document.getElementById("notice");
    if (!box) return;
    box.textContent = text;
    box.className = `notice ${kind}`;
    box.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { box.hidden = true; }, 6000);
  }

  function setPath(target, path, value) {
    const keys = path.split(".");
    let node = target;
    keys.slice(0, -1).forEach((k) => { node = node[k] ??= {}; });
    node[keys[keys.length - 1]] = value;
  }

  // The JSON body of a form: dotted names nest, data-type says how a value is read, and an
  // empty optional field is left out (the API then applies its default).
  function bodyOf(form) {
    const body = {};
    const lists = new Set();
    for (const el of form.elements) {
      if (!el.name || el.disabled || el.name.startsWith("_")) continue;
      const type = el.dataset.type || "";
      if (type === "list") {
        if (!lists.has(el.name)) { lists.add(el.name); setPath(body, el.name, []); }
        if (el.checked) el.name.split(".").reduce((node, k) => node[k], body).push(el.value);
        continue;
      }
      if (el.type === "checkbox") { setPath(body, el.name, el.checked); continue; }
      if (el.type === "radio" && !el.checked) continue;
      let value = el.value.trim();
      if (value === "" && !el.required) continue;
      if (type === "int") value = Number(value.replace(/[\s\u00a0\u202f]/g, ""));
      else if (type === "number") value = Number(value.replace(/[\s\u00a0\u202f]/g, "").replace(",", "."));
      else if (type === "dates" || type === "words") value = value.split(/[\s,;]+/).filter(Boolean);
      else if (type === "zoned") {
        const day = form.querySelector(el.dataset.date).value;
        if (!day || !value) continue;
        value = localToIso(day, value);
      }
      setPath(body, el.name, value);
    }
    return body;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-error").forEach((e) => e.remove());
    form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    const box = form.querySelector(".form-error");
    if (box) box.hidden = true;
  }

  function showProblem(form, problem, status) {
    let box = form.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error error";
      box.setAttribute("role", "alert");
      form.prepend(box);
    }
    // The server says every problem in French for the pages (Accept-Language below).
    box.textContent = problem.detail || problem.title || `Erreur ${status}`;
    box.hidden = false;
    for (const error of problem.errors || []) {
      const field = error.field || "";
      const el = form.querySelector(`[name="${CSS.escape(field)}"]:checked`)
        || form.querySelector(`[name="${CSS.escape(field)}"]`)
        || form.querySelector(`[data-field="${CSS.escape(field)}"]`)
        || form.querySelector(`[name="${CSS.escape(field.split(".")[0])}"]`);
      if (!el) continue;
      el.setAttribute("aria-invalid", "true");
      const message = document.createElement("span");
      message.className = "field-error error";
      message.id = `${el.id || el.name}-error`;
      message.textContent = error.message;
      el.setAttribute("aria-describedby", message.id);
      el.insertAdjacentElement("afterend", message);
    }
    (form.querySelector("[aria-invalid]") || box).focus?.();
  }

  async function call(url, method, body, extraHeaders = {}) {
    const headers = { Accept: "application/json", "Accept-Language": "fr", "X-CSRF-Token": csrfToken(), ...extraHeaders };
    const init = { method, headers, credentials: "same-origin" };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    const response = await fetch(url, init);
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
    return { ok: response.ok, status: response.status, data };
  }

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(data?.[k] ?? ""));
  }

  function after(el, data) {
    const then = el.dataset.then || "reload";
    if (el.dataset.done) notice(el.dataset.done);
    el.dispatchEvent(new CustomEvent("api:done", { bubbles: true, detail: data }));
    // "refresh": render the page's live regions again (scroll and typing kept), for actions
    // whose whole effect shows inside them; "reload": the whole page.
    if (then === "refresh" && window.cptsLive) window.cptsLive.refresh();
    else if (then === "reload" || then === "refresh") {
      setTimeout(() => window.location.reload(), el.dataset.done ? 400 : 0);
    }
    else if (then.startsWith("go:")) window.location.assign(fill(then.slice(3), data));
    // "follow:key": the answer's own path (a same-site one only), not encoded into another.
    else if (then.startsWith("follow:")) {
      const path = String(data?.[then.slice(7)] ?? "/");
      window.location.assign(path.startsWith("/") && !path.startsWith("//") ? path : "/");
    }
  }

  async function busy(button, label, work) {
    const text = button ? button.textContent : "";
    if (button) { button.disabled = true; button.textContent = label; button.setAttribute("aria-busy", "true"); }
    try { return await work(); } finally {
      if (button) { button.disabled = false; button.textContent = text; button.removeAttribute("aria-busy"); }
    }
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    clearErrors(form);
    const button = event.submitter || form.querySelector("[type=submit]");
    const multipart = form.enctype === "multipart/form-data";
    const body = multipart ? new FormData(form) : bodyOf(form);
    form.dataset.key ??= crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    const headers = form.hasAttribute("data-idempotent") ? { "Idempotency-Key": form.dataset.key } : {};
    await busy(button, form.dataset.busy || "Envoi…", async () => {
      try {
        const result = await call(fill(form.dataset.api, body), form.dataset.method || "POST", body, headers);
        if (!result.ok) { showProblem(form, result.data || {}, result.status); return; }
        delete form.dataset.key;
        after(form, result.data);
      } catch (e) {
        showProblem(form, { detail: "Le serveur ne répond pas, réessayez." }, 0);
      }
    });
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-api]");
    if (!button || button.form?.dataset.api) return;
    event.preventDefault();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : {};
    if (button.dataset.prompt) {
      const answer = window.prompt(button.dataset.promptLabel || "Motif ?");
      if (answer === null) return;
      if (answer.trim()) body[button.dataset.prompt] = answer.trim();
    }
    await busy(button, button.dataset.busy || "…", async () => {
      try {
        const result = await call(button.dataset.api, button.dataset.method || "POST", body);
        if (!result.ok) { notice(result.data?.detail || result.data?.title || `Erreur ${result.status}`, "bad"); return; }
        after(button, result.data);
      } catch (e) {
        notice("Le serveur ne répond pas, réessayez.", "bad");
      }
    });
  });

  window.cpts = { call, localToIso, notice, bodyOf, showProblem, clearErrors };
})();
