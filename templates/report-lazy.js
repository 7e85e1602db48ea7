// Large reports only (reportgen.render.draws_on_demand): the theme sections'
// paragraphs and findings and the annotated sources are drawn from the data in
// <script id="report-data"> as they come into view, a page at a time, and only
// what passes the filters; so the page opens and filters as fast at any size.
// The markup is that of _macros.html.j2 (paragraph_card, finding_card,
// source_appendix): tests/test_large.py compares the two. Texts that are markup
// arrive rendered by reportgen.markup (inert); all others are set as text.
// report.js, which runs next, calls window.reportgenLazy for what is not drawn.
(function () {
  "use strict";
  var block = document.getElementById("report-data");
  if (!block) { return; }
  var data = JSON.parse(block.textContent);
  var PAGE = 25;  // paragraphs per account, and findings, drawn at a time
  var filters = {theme: "", account: "", author: "", kind: ""};
  var drawn = {};  // theme id -> how many paragraphs (per column) and findings are drawn
  var placeOf = null;  // element id -> where it is drawn (see place)

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    (children || []).forEach(function (child) { node.append(child); });
    return node;
  }

  function withMarkup(node, markup) {  // markup rendered by reportgen.markup
    node.insertAdjacentHTML("beforeend", markup);
    return node;
  }

  function anchor(pid) { return "p-" + pid.replace(":", "-"); }

  function ref(pid) {
    var cut = pid.lastIndexOf(":");
    return data.documents[pid.slice(0, cut)].label + " ¶" + pid.slice(cut + 1);
  }

  function citeLink(pid) {  // a paragraph outside the comparison is in the annotated source
    return el("a", {"class": "cite", href: "#" + (data.outside[pid] ? "src-" : "") + anchor(pid)},
              [ref(pid)]);
  }

  function findingLinks(node, indices) {
    return joined(node, indices, "; ", function (i) {
      return el("a", {href: "#" + data.findings[i].anchor}, [data.findings[i].title]);
    });
  }

  function plural(n) { return n + " quotation" + (n !== 1 ? "s" : ""); }

  function quotationCheck(quotes) {  // [verified, [[quotation, found instead in], ...]]
    var node = el("p", {"class": "cites quote-check"});
    if (quotes[0]) {
      node.append(el("span", {"class": "quotes-verified"}, [
        el("span", {"aria-hidden": "true"}, ["✓"]), " " + plural(quotes[0]) + " checked against the cited text"]));
    }
    if (quotes[0] && quotes[1].length) { node.append(" · "); }
    if (quotes[1].length) {
      node.append(joined(el("span", {"class": "quotes-unverified"}, [
        el("span", {"aria-hidden": "true"}, ["⚠"]),
        " " + plural(quotes[1].length) + " not found in the cited paragraphs: "]),
        quotes[1], "; ", function (q) { return "“" + q[0] + "”" + (q[1] ? " (in " + q[1] + ")" : ""); }));
    }
    return node;
  }

  function joined(node, items, separator, draw) {
    items.forEach(function (item, i) {
      if (i) { node.append(separator); }
      node.append(draw(item));
    });
    return node;
  }

  function textOf(pid) {
    var p = data.paragraphs[pid];
    return p.text || data.sources[p.doc][p.n - 1][4];
  }

  function card(pid, themeId) {
    var p = data.paragraphs[pid];
    var d = data.documents[p.doc];
    var number = p.n + (p.last ? "–" + p.last : "");
    var meta = el("p", {"class": "para-meta"}, [
      el("a", {"class": "ref", href: "#" + anchor(pid),
               title: "Permalink: " + d.title + ", paragraph " + number}, [d.label + " ¶" + number]),
      " ", el("span", {"class": "author"}, [p.author])]);
    if (p.themes.length > 1) {
      meta.append(" ", el("span", {"class": "also"}, ["also: " + p.themes
        .filter(function (t) { return t !== themeId; })
        .map(function (t) { return data.themes[t]; }).join("; ")]));
    }
    var node = el("div", {"class": "para", id: anchor(pid) + (p.themes[0] === themeId ? "" : "--" + themeId),
                          "data-author": p.author, "data-document": p.doc},
                  [meta, withMarkup(el("blockquote", {"class": "para-text"}), textOf(pid))]);
    if (p.voices.length) {
      node.append(el("p", {"class": "voices"}, [el("span", {"class": "label"}, ["Cites"]),
                                                " " + p.voices.join(", ")]));
    }
    if (p.claims.length) {
      node.append(el("ul", {"class": "para-claims"}, p.claims.map(function (a) {
        var item = el("li", {}, [el("a", {href: "#c-" + a[0]}, [data.claims[a[0]]]), ": ",
                                 el("strong", {}, [a[1]])]);
        if (a[2]) { item.append(" — ", withMarkup(el("span", {"class": "claim-note"}), a[2])); }
        return item;
      })));
    }
    p.notes.forEach(function (note) {
      node.append(withMarkup(el("div", {"class": "note"},
                                [el("span", {"class": "note-label"}, ["Analyst note"]), " "]), note));
    });
    if (p.citedBy.length) {
      node.append(findingLinks(el("p", {"class": "cited-by"}, [el("span", {"class": "label"}, ["Cited by"]), " "]),
                               p.citedBy));
    }
    return node;
  }

  function findingCard(f) {
    var label = data.kinds[f.kind];
    var node = el("article", {"class": "finding kind-" + f.kind + " origin-" + f.origin, id: f.anchor,
                              "data-kind": f.kind, "data-theme": f.theme}, [
      el("h4", {"class": "finding-title"}, [
        el("span", {"class": "badge badge-" + f.kind}, [label]), " " + f.title + " ",
        el("a", {"class": "permalink", href: "#" + f.anchor, "aria-label": "Permalink to this finding",
                 title: "Permalink to this finding"}, ["#"])])]);
    if (f.origin === "computed") {
      node.append(el("ul", {"class": "claim-values"}, f.values.map(function (value) {
        return joined(el("li", {}, [el("strong", {"class": "value"}, [value[0]]), " — "]),
                      value[1], ", ", citeLink);
      })));
      f.equivalent.forEach(function (same) {
        node.append(withMarkup(el("p", {"class": "cites equivalent"}, [
          el("span", {"class": "label"}, ["Same value"]),
          " " + same[0].map(function (v) { return "“" + v + "”"; }).join(" = ") + " — "]), same[1]));
      });
      if (f.computed) {
        node.append(withMarkup(el("p", {"class": "cites verdict"}, [
          el("span", {"class": "label"}, ["Verdict"]),
          " Computed: " + data.kinds[f.computed] + " · Analyst: " + label + " — "]), f.reason));
      }
    } else {
      node.append(withMarkup(el("div", {"class": "summary"}), f.summary),
                  joined(el("p", {"class": "cites"}, ["Cites: "]), f.cites, ", ", citeLink));
      if (f.quotes) { node.append(quotationCheck(f.quotes)); }
    }
    return node;
  }

  function sourceItem(docId, p) {  // p: [number, kind, continues, themes, markup, cited by]
    var kind = p[1] + (p[2] ? " · continues ¶" + p[2] : "") + (p[3].length ? " · " + p[3].join(", ") : "");
    var item = el("li", {value: p[0], id: "src-" + anchor(docId + ":" + p[0]), "class": "kind-" + p[1]},
                  [el("span", {"class": "kind"}, [kind]), " ", withMarkup(el("span", {"class": "text"}), p[4])]);
    if (p[5].length) {  // outside the comparison: the findings citing it are shown here
      item.append(findingLinks(el("p", {"class": "cited-by"}, [el("span", {"class": "label"}, ["Cited by"]), " "]),
                               p[5]));
    }
    return item;
  }

  // -- what passes the filters ---------------------------------------------------

  function passes(pid) {
    return filters.author === "" || data.paragraphs[pid].author === filters.author;
  }

  function columnsOf(section) {  // the grid's cells, with their paragraphs that pass the filters
    return Array.prototype.map.call(section.querySelectorAll("table.grid > tbody > tr > td"), function (td, i) {
      var shown = filters.account === "" || data.columns[i] === filters.account;
      return {td: td, ids: shown ? data.sections[section.dataset.theme].cells[i].filter(passes) : []};
    });
  }

  function findingsOf(themeId) {
    return data.sections[themeId].findings.filter(function (i) {
      return filters.kind === "" || data.findings[i].kind === filters.kind;
    });
  }

  // -- drawing -----------------------------------------------------------------

  function more(text, onClick) {
    var button = el("button", {type: "button"}, [text]);
    button.addEventListener("click", onClick);
    return el("p", {"class": "draw-more"}, [button]);
  }

  function draw(section) {  // (re)draw a theme section's first pages, or as many as drawn[]
    var themeId = section.dataset.theme;
    if (section.style.minHeight) { section.removeAttribute("style"); }  // see reserve()
    var state = drawn[themeId] || (drawn[themeId] = {paragraphs: PAGE, findings: PAGE});
    var columns = columnsOf(section);
    var left = 0;
    columns.forEach(function (column) {
      column.td.querySelectorAll(".para").forEach(function (old) { old.remove(); });
      column.ids.slice(0, state.paragraphs).forEach(function (pid) { column.td.append(card(pid, themeId)); });
      left += Math.max(0, column.ids.length - state.paragraphs);
    });
    section.querySelectorAll(".draw-more").forEach(function (old) { old.remove(); });
    var table = section.querySelector("table.grid");
    if (left) {
      table.after(more("Show more paragraphs (" + left + " more)", function () {
        state.paragraphs += PAGE;
        draw(section);
      }));
    }
    var box = section.querySelector(".theme-findings");
    if (box) {
      var chosen = findingsOf(themeId);
      box.querySelectorAll(".finding").forEach(function (old) { old.remove(); });
      chosen.slice(0, state.findings).forEach(function (i) { box.append(findingCard(data.findings[i])); });
      if (chosen.length > state.findings) {
        box.append(more("Show more findings (" + (chosen.length - state.findings) + " more)", function () {
          state.findings += PAGE;
          draw(section);
        }));
      }
    }
  }

  function fillSource(list) {
    var docId = list.dataset.onDemand;
    list.removeAttribute("data-on-demand");
    data.sources[docId].forEach(function (p) { list.append(sourceItem(docId, p)); });
  }

  // -- where each element id is drawn ---------------------------------------------

  function place(id) {  // {section, column, index} | {section, finding} | {source} | undefined
    if (!placeOf) {
      placeOf = {};
      Object.keys(data.sections).forEach(function (themeId) {
        var section = document.getElementById("theme-" + themeId);
        data.sections[themeId].cells.forEach(function (ids, column) {
          ids.forEach(function (pid, index) {
            var main = data.paragraphs[pid].themes[0] === themeId;
            placeOf[anchor(pid) + (main ? "" : "--" + themeId)] = {section: section, column: column, index: index};
          });
        });
        data.sections[themeId].findings.forEach(function (i) {
          placeOf[data.findings[i].anchor] = {section: section, finding: i};
        });
      });
      Object.keys(data.sources).forEach(function (docId) {
        data.sources[docId].forEach(function (p) {
          placeOf["src-" + anchor(docId + ":" + p[0])] = {source: docId};
        });
      });
    }
    return Object.prototype.hasOwnProperty.call(placeOf, id) ? placeOf[id] : undefined;
  }

  function drawTo(id) {  // the element with this id, drawn if the filters let it show, else null
    var where = place(id);
    if (!where) { return null; }
    if (where.source) {
      var list = document.querySelector("ol[data-on-demand='" + where.source + "']");
      if (list) { fillSource(list); }
      return document.getElementById(id);
    }
    var themeId = where.section.dataset.theme;
    if (filters.theme !== "" && filters.theme !== themeId) { return null; }
    var state = drawn[themeId] || (drawn[themeId] = {paragraphs: PAGE, findings: PAGE});
    if (where.finding !== undefined) {
      var at = findingsOf(themeId).indexOf(where.finding);
      if (at < 0) { return null; }
      state.findings = Math.max(state.findings, Math.ceil((at + 1) / PAGE) * PAGE);
    } else {
      var ids = columnsOf(where.section)[where.column].ids;
      var index = ids.indexOf(data.sections[themeId].cells[where.column][where.index]);
      if (index < 0) { return null; }
      state.paragraphs = Math.max(state.paragraphs, Math.ceil((index + 1) / PAGE) * PAGE);
    }
    draw(where.section);
    return document.getElementById(id);
  }

  // -- drawn as they come into view ------------------------------------------------

  var watcher = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      watcher.unobserve(entry.target);
      var section = entry.target.closest("section.theme");
      if (section && !drawn[section.dataset.theme]) {
        draw(section);
      } else if (entry.target.dataset.onDemand) {
        fillSource(entry.target);
      }
    });
  }, {rootMargin: "1500px 0px"}) : null;

  // An undrawn section is about as tall as it will be: only sections near the view are drawn.
  function reserve(section) {
    var rows = Math.max.apply(null, data.sections[section.dataset.theme].cells.map(function (ids) {
      return Math.min(ids.length, PAGE);
    }));
    section.style.minHeight = rows * 160 + "px";
  }

  document.querySelectorAll("table.grid[data-on-demand], ol[data-on-demand]").forEach(function (node) {
    if (node.matches("table")) { reserve(node.closest("section.theme")); }
    if (watcher) {
      watcher.observe(node);
    } else if (node.matches("ol")) {  // no IntersectionObserver: draw everything at once
      fillSource(node);
    } else {
      draw(node.closest("section.theme"));
    }
  });

  window.reportgenLazy = {
    // report.js's filters changed: draw again what is drawn, showing only what passes
    filter: function (chosen) {
      var changed = ["account", "author", "kind"].some(function (k) { return filters[k] !== chosen[k]; });
      Object.keys(filters).forEach(function (k) { filters[k] = chosen[k]; });
      if (!changed) { return; }
      Object.keys(drawn).forEach(function (themeId) {
        drawn[themeId] = {paragraphs: PAGE, findings: PAGE};
        draw(document.getElementById("theme-" + themeId));
      });
    },
    // does a theme section have something to show under these filters?
    shows: function (themeId, chosen) {
      var section = data.sections[themeId];
      var speaks = chosen.account === "" && chosen.author === "" || section.cells.some(function (ids, i) {
        return (chosen.account === "" || data.columns[i] === chosen.account) &&
          ids.some(function (pid) { return chosen.author === "" || data.paragraphs[pid].author === chosen.author; });
      });
      return speaks && (chosen.kind === "" || section.findings.some(function (i) {
        return data.findings[i].kind === chosen.kind;
      }));
    },
    knows: function (id) { return place(id) !== undefined; },
    drawTo: drawTo
  };
})();
