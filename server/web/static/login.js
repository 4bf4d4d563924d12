// Password login: the API sets the session and CSRF cookies, then we go where we were sent.
"use strict";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("login-submit");
  const error = document.getElementById("login-error");
  const choice = document.getElementById("territory-choice");
  const territory = document.getElementById("territory");
  error.hidden = true;
  button.disabled = true;
  button.textContent = "Connexion…";
  try {
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": "fr" },
      body: JSON.stringify({
        email: document.getElementById("email").value,
        password: document.getElementById("password").value,
        session: true,
        territory: choice.hidden ? undefined : territory.value,
      }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      if (response.status === 409 && problem.field === "territory") {
        // The same address and password open several territories: the person picks one.
        territory.replaceChildren(...problem.territories.map((t) => new Option(t.name, t.slug)));
        choice.hidden = false;
        territory.focus();
        error.textContent = "Cette adresse ouvre plusieurs territoires : choisissez le vôtre.";
      } else {
        error.textContent = response.status === 401
          ? "Adresse ou mot de passe incorrect."
          : "La connexion a échoué, réessayez.";
      }
      error.hidden = false;
      return;
    }
    // Only back into this site: "/\\evil.example" and the like resolve elsewhere.
    const target = new URL(document.getElementById("next").value || "/", window.location.origin);
    window.location.assign(target.origin === window.location.origin ? target.pathname + target.search : "/");
  } catch (e) {
    error.textContent = "Le serveur ne répond pas, réessayez.";
    error.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = "Se connecter";
  }
});
