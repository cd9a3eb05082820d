// Show the "Assigned Clients (Subcontractor)" fieldset only while the role is subcontractor.
// Without JavaScript the fieldset simply stays visible.
"use strict";
{
  function init() {
    const role = document.getElementById("id_role");
    const fieldset = document.querySelector("fieldset.assigned-clients");
    if (!role || !fieldset) {
      return;
    }
    const sync = () => {
      const show = role.value === "subcontractor";
      fieldset.hidden = !show;
      fieldset.style.display = show ? "" : "none";
    };
    role.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}
