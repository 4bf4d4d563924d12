// The public form of the médecin-traitant waiting list: once sent (forms.js), the receipt
// number replaces the form.
"use strict";
(() => {
  const form = document.getElementById("mt-form");
  if (!form) return;
  form.addEventListener("api:done", (event) => {
    document.getElementById("mt-receipt").textContent = event.detail?.receipt || "";
    form.hidden = true;
    const done = document.getElementById("mt-done");
    done.hidden = false;
    done.tabIndex = -1;
    done.focus();
  });
})();
