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

// Similar ideas while a member writes a new one (search feature): a debounced request to
// /search/similar, the list shown under the description and its count announced politely.
// Without JavaScript the form's "Check for similar ideas" button lists them instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-similar-ideas]");
  if (!box || !window.fetch || !window.URLSearchParams) { return; }
  var form = box.closest("form");
  var title = form && form.querySelector("[name=title]");
  var body = form && form.querySelector("[name=body]");
  if (!title) { return; }
  var panel = box.querySelector("[data-similar-panel]");
  var list = box.querySelector("[data-similar-list]");
  var status = box.querySelector("[data-similar-status]");
  var none = box.querySelector(".similar-none");
  var messages = JSON.parse(box.dataset.statusMessages || "{}");
  var metaTemplate = box.dataset.metaTemplate || "";
  var timer = null;
  var lastQuery = null;
  var lastIds = null;
  var controller = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return String(values[key]); });
  }

  function show(ideas) {
    var ids = ideas.map(function (idea) { return idea.id; }).join(",");
    if (ids === lastIds) { return; }  // same list: nothing new to show or announce
    lastIds = ids;
    list.textContent = "";
    ideas.forEach(function (idea) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = idea.url;
      link.textContent = idea.title;
      var meta = document.createElement("span");
      meta.className = "similar-meta";
      meta.textContent = fill(metaTemplate, { stage: idea.stage_label, votes: idea.votes });
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(meta);
      list.appendChild(item);
    });
    panel.hidden = ideas.length === 0;
    if (none) { none.hidden = true; }
    status.textContent = messages[String(Math.min(ideas.length, 5))] || "";
  }

  function lookUp() {
    var titleText = title.value.trim();
    var bodyText = body ? body.value.trim().slice(0, 1000) : "";
    if (titleText.length < 3 && bodyText.length < 20) { return; }
    var query = new URLSearchParams({ title: titleText, body: bodyText }).toString();
    if (query === lastQuery) { return; }
    lastQuery = query;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(box.dataset.url + "?" + query, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      show(data.ideas || []);
    }).catch(function () {
      // A failed or superseded lookup leaves the list as it was; publishing still works.
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 400);
  }

  title.addEventListener("input", schedule);
  if (body) { body.addEventListener("input", schedule); }
})();
