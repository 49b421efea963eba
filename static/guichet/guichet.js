// Close an open menu when the user clicks elsewhere or presses Escape; the menus work without it.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (d !== except) { d.removeAttribute("open"); }
    });
  }
  document.addEventListener("click", function (event) {
    closeAll(event.target.closest("details.dropdown"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details.dropdown[open]");
    if (open) { open.removeAttribute("open"); open.querySelector("summary").focus(); }
  });
})();
