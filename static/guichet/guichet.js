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

// Password criteria (A4) ticked while typing; the server decides, so this asks it.
(function () {
  "use strict";
  // Django's JavaScript catalog (loaded before this file) translates; without it, French.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, other, n) { return n > 1 ? other : one; };
  var interpolate = window.interpolate || function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  };
  var box = document.getElementById("criteres");
  var input = document.querySelector("input[data-password-criteria]");
  if (!box || !input) { return; }
  var form = input.form;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "polite");
  box.appendChild(live);
  function show(result) {
    var met = 0, total = 0;
    box.querySelectorAll("li[data-criterion]").forEach(function (li) {
      var ok = !!result[li.getAttribute("data-criterion")];
      total += 1; met += ok ? 1 : 0;
      li.classList.toggle("met", ok);
      li.classList.toggle("unmet", !ok && input.value.length > 0);
      li.querySelector(".criterion-state").textContent =
        " " + (ok ? gettext("(respecté)") : gettext("(non respecté)"));
    });
    live.textContent = input.value ? interpolate(
      ngettext("%(met)s critère respecté sur %(total)s", "%(met)s critères respectés sur %(total)s", met),
      { met: met, total: total }, true
    ) : "";
  }
  function check() {
    if (!input.value) { show({}); return; }
    var body = new URLSearchParams();
    body.set("password", input.value);
    if (box.dataset.uid) { body.set("uid", box.dataset.uid); }
    fetch(box.dataset.criteriaUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf ? csrf.value : "" }
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) { if (result) { show(result); } })
      .catch(function () { /* the server checks again on submit */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
})();
