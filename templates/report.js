// Filters for the HTML report. The page is complete without this script (the
// filter form stays hidden); the script only hides what the reader filters out.
// Choices are kept in the URL query so a filtered view can be shared.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  var selects = {
    theme: document.getElementById("filter-theme"),
    account: document.getElementById("filter-account"),
    author: document.getElementById("filter-author"),
    kind: document.getElementById("filter-kind")
  };
  var status = document.getElementById("filter-status");
  var lazy = window.reportgenLazy || null;  // large reports: sections drawn on demand (report-lazy.js)
  var sectionCount = document.querySelectorAll("section.theme").length;

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function hide(el, hidden) {
    el.classList.toggle("filtered-out", hidden);
  }

  function visible(el) {
    return !el.closest(".filtered-out");
  }

  function apply() {
    var f = {};
    Object.keys(selects).forEach(function (name) { f[name] = selects[name].value; });
    if (lazy) { lazy.filter(f); }
    each("[data-account]", function (el) { hide(el, f.account !== "" && el.dataset.account !== f.account); });
    each(".para[data-author]", function (el) { hide(el, f.author !== "" && el.dataset.author !== f.author); });
    each(".finding, .tl-events > li, .claims-table tr[data-kind]", function (el) {
      hide(el, (f.kind !== "" && el.dataset.kind !== f.kind) ||
               (f.theme !== "" && el.dataset.theme !== f.theme && !el.closest("section.theme")));
    });
    var themesShown = {};
    each("section.theme", function (section) {
      var show = f.theme === "" || section.dataset.theme === f.theme;
      if (show && lazy) { show = lazy.shows(section.dataset.theme, f); }  // from its data
      if (show && !lazy && (f.account !== "" || f.author !== "")) {  // does a chosen voice speak here?
        show = Array.prototype.some.call(section.querySelectorAll(".para"), visible);
      }
      if (show && !lazy && f.kind !== "") {
        show = section.querySelector(".finding:not(.filtered-out)") !== null;
      }
      hide(section, !show);
      themesShown[section.dataset.theme] = show;
    });
    each(".toc li[data-theme], .heatmap tbody tr[data-theme]", function (el) {
      hide(el, !themesShown[el.dataset.theme]);
    });
    each(".claims-table tbody", function (group) {  // a theme's claims, with their heading
      hide(group, !Array.prototype.some.call(group.querySelectorAll("tr[data-kind]"), visible));
    });
    each(".none-shown", function (note) {  // "nothing matches" where a list is filtered empty
      var items = note.parentNode.querySelectorAll(".finding, section.theme, .tl-events > li");
      note.hidden = items.length === 0 || Array.prototype.some.call(items, visible);
    });
    var shown = Object.keys(themesShown).filter(function (k) { return themesShown[k]; }).length;
    var active = Object.keys(f).filter(function (k) { return f[k]; }).length;
    status.textContent = active ? "Showing " + shown + " of " + sectionCount + " theme sections." : "";
    var query = new URLSearchParams();
    Object.keys(f).forEach(function (name) { if (f[name]) { query.set(name, f[name]); } });
    var search = query.toString();
    try {  // some browsers refuse history changes on file:// pages
      history.replaceState(null, "", (search ? "?" + search : location.pathname) + location.hash);
    } catch (ignored) { /* the filter still applies */ }
  }

  // A link to something the filters hide (a paragraph a finding cites, say)
  // shows everything again rather than landing nowhere.
  function reveal() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (malformed) { /* "#%": look it up as written */ }
    if (id && lazy && lazy.knows(id)) { return drawTarget(id); }
    var target = id && document.getElementById(id);
    if (target && !visible(target)) {
      form.reset();
      apply();
      target.scrollIntoView();
    }
  }

  // Phones: the filters and the contents fold away behind a button each, so the
  // report itself (the first finding) is on the first screen. Wider, both are open.
  var narrow = window.matchMedia("(max-width: 900px)");
  function foldable(panel, label) {
    if (!panel) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fold";
    button.textContent = label;
    button.setAttribute("aria-controls", panel.id);
    panel.parentNode.insertBefore(button, panel);
    function show(open) {
      button.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("folded", !open);
    }
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    function fit() { button.hidden = !narrow.matches; show(!narrow.matches); }
    if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
    fit();
  }
  var contents = document.querySelector(".toc > ol");
  if (contents) { contents.id = contents.id || "toc-list"; }
  foldable(form, "Filters");
  foldable(contents, "Contents");

  // In a large report the target may not be drawn yet (so the browser could not
  // scroll to it): draw it, showing everything if the filters hide it, then go there.
  function drawTarget(id) {
    var target = lazy.drawTo(id);
    if (!target) {
      form.reset();
      apply();
      target = lazy.drawTo(id);
    }
    if (target) { location.replace("#" + encodeURIComponent(id)); }
  }

  var params = new URLSearchParams(location.search);
  Object.keys(selects).forEach(function (name) {
    var value = params.get(name);
    if (value !== null) { selects[name].value = value; }
    selects[name].addEventListener("change", apply);
  });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("hashchange", reveal);
  form.hidden = false;
  apply();
  reveal();
})();
