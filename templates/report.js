// Filters for the HTML report. The page is complete without this script; it
// only hides what the reader filters out. Choices are kept in the URL query so
// a filtered view can be shared.
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

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function apply() {
    var theme = selects.theme.value, account = selects.account.value;
    var author = selects.author.value, kind = selects.kind.value;
    each("section.theme, .toc li[data-theme]", function (el) {
      el.classList.toggle("filtered-out", theme !== "" && el.dataset.theme !== theme);
    });
    each("[data-account]", function (el) {
      el.classList.toggle("filtered-out", account !== "" && el.dataset.account !== account);
    });
    each(".para[data-author]", function (el) {
      el.classList.toggle("filtered-out", author !== "" && el.dataset.author !== author);
    });
    each(".finding[data-kind]", function (el) {
      el.classList.toggle("filtered-out", kind !== "" && el.dataset.kind !== kind);
    });
    var shown = document.querySelectorAll("section.theme:not(.filtered-out)").length;
    var active = [theme, account, author, kind].filter(Boolean).length;
    status.textContent = active ? shown + " theme section(s) shown; " + active + " filter(s) on" : "";
    var query = new URLSearchParams();
    Object.keys(selects).forEach(function (name) {
      if (selects[name].value) { query.set(name, selects[name].value); }
    });
    var search = query.toString();
    try {  // some browsers refuse history changes on file:// pages
      history.replaceState(null, "", (search ? "?" + search : location.pathname) + location.hash);
    } catch (ignored) { /* the filter still applies */ }
  }

  var params = new URLSearchParams(location.search);
  Object.keys(selects).forEach(function (name) {
    var value = params.get(name);
    if (value !== null) { selects[name].value = value; }
    selects[name].addEventListener("change", apply);
  });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
})();
