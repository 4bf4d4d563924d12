// « Mon compte »: a calendar feed's URL and an API token's secret exist in clear only in the
// API's answer to their creation, so this script shows them once (forms.js sends the forms
// with data-then="none"), then refreshes the lists from the server's rendering.
"use strict";
(() => {

  function reveal(box) {
    box.hidden = false;
    box.focus();
    box.scrollIntoView({ block: "nearest" });
  }

  function showFeed(feed) {
    const box = document.getElementById("feed-secret");
    box.querySelector(".feed-name").textContent = feed.name;
    document.getElementById("feed-https").value = feed.url || "";
    document.getElementById("feed-webcal").value = feed.webcal_url || "";
    box.querySelector(".webcal-link").href = feed.webcal_url || "#";
    reveal(box);
  }

  function showToken(token) {
    const box = document.getElementById("token-secret");
    box.querySelector(".token-name").textContent = token.name;
    document.getElementById("token-value").value = token.token;
    reveal(box);
  }

  document.addEventListener("api:done", (event) => {
    const source = event.target;
    const data = event.detail || {};
    if (source.id === "feed-form" || source.hasAttribute?.("data-feed-secret")) {
      showFeed(data);
      window.cpts.notice("Adresse d'agenda créée : copiez-la.");
    } else if (source.id === "token-form") {
      showToken(data);
      window.cpts.notice("Jeton créé : copiez-le.");
    } else {
      return;
    }
    if (source.tagName === "FORM" && source.id === "token-form") source.reset();
    refreshRegions().catch(() => {});
  });

  async function copy(input) {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (e) {
      input.select();
      document.execCommand("copy");
    }
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const input = document.querySelector(button.dataset.copy);
    if (!input || !input.value) return;
    await copy(input);
    const label = button.textContent;
    button.textContent = "Copié ✓";
    setTimeout(() => { button.textContent = label; }, 2000);
  });
})();
