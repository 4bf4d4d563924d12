// Shared by every page: logout sends the CSRF cookie's value back, as cookie-authenticated
// writes must (server/auth/middleware.py); refreshRegions for the page scripts.
"use strict";
function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("cpts_csrf="));
  return found ? decodeURIComponent(found.slice("cpts_csrf=".length)) : "";
}
// On a phone the menu is one scrolling line: the current page's entry is brought into it.
document.querySelector(".nav [aria-current='page']")?.scrollIntoView({ block: "nearest", inline: "center" });

document.getElementById("logout")?.addEventListener("click", async () => {
  await fetch("/api/v1/auth/logout", { method: "POST", headers: { "X-CSRF-Token": csrfToken() } });
  window.location.assign("/connexion");
});

// The page's live regions (`data-live-region` with an id) fetched again now and swapped where
// they changed (live.js does the same on websocket events, keeping focus and scroll).
async function refreshRegions() {
  const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of document.querySelectorAll("[data-live-region]")) {
    const next = fresh.getElementById(region.id);
    if (next && next.innerHTML !== region.innerHTML) region.innerHTML = next.innerHTML;
  }
}
