// The booking slip's « Imprimer » button (no inline script: the CSP allows none).
"use strict";
document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
