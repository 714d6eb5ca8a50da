// Progressive enhancement: votes are sent with fetch() and the tally updates in place.
// Without JavaScript the same forms post normally and the page reloads.
(function () {
  "use strict";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');

  function render(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return String(values[key]); });
  }

  function updateBox(box, data) {
    var tally = box.querySelector("[data-tally]");
    tally.querySelector("[data-up]").textContent = render(tally.dataset.templateUp, data);
    tally.querySelector("[data-down]").textContent = render(tally.dataset.templateDown, data);
    box.querySelectorAll("[data-vote-form]").forEach(function (form) {
      var input = form.querySelector("input[name=value]");
      var button = form.querySelector("button");
      var value = parseInt(input.dataset.value, 10);
      var pressed = data.my_vote === value;
      input.value = pressed ? 0 : value;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.textContent = pressed ? button.dataset.pressedLabel : button.dataset.label;
    });
  }

  document.querySelectorAll("[data-vote-box]").forEach(function (box) {
    box.querySelectorAll("[data-vote-form]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = form.querySelector("button");
        button.disabled = true;
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": tokenMeta ? tokenMeta.content : "" }
        }).then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        }).then(function (data) {
          updateBox(box, data);
        }).catch(function () {
          form.submit();  // fall back to the plain form post, which shows any error page
        }).finally(function () {
          button.disabled = false;
        });
      });
    });
  });
})();
