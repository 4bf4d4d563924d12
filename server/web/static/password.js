// The password pages: the link's secret comes from the URL's fragment, never from the server.
"use strict";
(() => {
  // What the page checks before asking the server (which says its own refusals in French).
  const MESSAGES = {
    password_short: (min) => `Le mot de passe doit compter au moins ${min} caractères.`,
    link_invalid: () =>
      "Ce lien a expiré ou a déjà servi. Demandez-en un nouveau depuis « Mot de passe oublié ».",
  };

  function show(box, text) {
    box.textContent = text;
    box.hidden = false;
  }

  const setForm = document.getElementById("password-set");
  if (setForm) {
    const min = Number(setForm.dataset.minLength);
    const params = new URLSearchParams(window.location.hash.slice(1));
    const token = params.get("jeton") || "";
    // The secret leaves the address bar (history, screenshots) once read.
    history.replaceState(null, "", window.location.pathname);
    const error = document.getElementById("password-error");
    const button = document.getElementById("password-submit");
    if (!token) {
      show(error, MESSAGES.link_invalid());
      button.disabled = true;
    }
    setForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const password = document.getElementById("password").value;
      const confirmation = document.getElementById("confirmation").value;
      if (password.length < min) return show(error, MESSAGES.password_short(min));
      if (password !== confirmation) return show(error, "Les deux mots de passe diffèrent.");
      button.disabled = true;
      try {
        const response = await fetch("/api/v1/auth/password", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept-Language": "fr" },
          body: JSON.stringify({ token, password }),
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) {
          show(error, body.detail || "L'enregistrement a échoué, réessayez.");
          button.disabled = body.code === "link_invalid";
          return;
        }
        setForm.hidden = true;
        const login = new URL("/connexion", window.location.origin);
        login.searchParams.set("adresse", body.email);
        document.getElementById("to-login").href = login.pathname + login.search;
        document.getElementById("password-done").hidden = false;
      } catch (e) {
        show(error, "Le serveur ne répond pas, réessayez.");
        button.disabled = false;
      }
    });
  }

  const forgotForm = document.getElementById("password-forgot");
  if (forgotForm) {
    const error = document.getElementById("forgot-error");
    forgotForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const email = document.getElementById("email").value.trim();
      if (!email.includes("@")) return show(error, "Indiquez une adresse électronique.");
      const button = document.getElementById("forgot-submit");
      button.disabled = true;
      try {
        const response = await fetch("/api/v1/auth/password-reset", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept-Language": "fr" },
          body: JSON.stringify({ email }),
        });
        if (response.status === 429) {
          show(error, "Trop de demandes : réessayez dans quelques minutes.");
        } else if (!response.ok) {
          show(error, "La demande a échoué, réessayez.");
        } else {
          forgotForm.hidden = true;
          document.getElementById("forgot-done").hidden = false;
        }
      } catch (e) {
        show(error, "Le serveur ne répond pas, réessayez.");
      } finally {
        button.disabled = false;
      }
    });
  }
})();
