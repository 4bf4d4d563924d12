// Shared by every page: logout sends the CSRF cookie's value back, as cookie-authenticated
// writes must (server/auth/middleware.py).
"use strict";
function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("cpts_csrf="));
  return found ? decodeURIComponent(found.slice("cpts_csrf=".length)) : "";
}
document.getElementById("logout")?.addEventListener("click", async () => {
  await fetch("/api/v1/auth/logout", { method: "POST", headers: { "X-CSRF-Token": csrfToken() } });
  window.location.assign("/connexion");
});
