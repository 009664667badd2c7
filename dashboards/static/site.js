/* Wijkkompas resident site: search, the switchable home map and the compass cell panel.
   The pages work without it (compasses, maps and charts are SVG in the page); this only
   enhances. Everything runs from the site's own files; nothing is fetched. */
(function () {
  "use strict";
  var root = document.body.getAttribute("data-lang-root") || "";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function href(level, code) { return root + level + "/" + code + ".html"; }
  /* an entry of the search index: [code, name, level, context, and for an own layout's area
     its page and the layout's name] */
  function entryHref(a) { return a[4] ? root + a[4] : href(a[2], a[0]); }

  /* -- search by name or postcode ------------------------------------------------------ */
  function setupSearch() {
    var form = document.getElementById("search");
    var index = window.WIJKKOMPAS_SEARCH;
    if (!form || !index) return;
    var out = document.getElementById("search-results");
    var levels = JSON.parse(form.getAttribute("data-levels"));
    var names = {};
    index.areas.forEach(function (a) { if (!a[4]) names[a[0]] = a; });  /* CBS codes */
    var layouts = index.layouts || {};
    var several = Object.keys(layouts).length > 1;
    var langIndex = document.documentElement.lang === "en" ? 1 : 0;
    function layoutOf(a) { return a[5] || "cbs"; }
    function list(items) {
      var ul = el("ul");
      items.forEach(function (a) {
        var li = el("li");
        li.appendChild(el("a", { href: entryHref(a) }, a[1]));
        var where = levels[a[2]] + (a[3] ? ", " + a[3] : "");
        if (several && layouts[layoutOf(a)]) where += " · " + layouts[layoutOf(a)][langIndex];
        li.appendChild(document.createTextNode(" (" + where + ")"));
        ul.appendChild(li);
      });
      return ul;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = document.getElementById("q").value.trim();
      out.textContent = "";
      if (!q) return;
      var pc = q.replace(/\s+/g, "").match(/^(\d{4})([a-zA-Z]{0,2})$/);
      if (pc) {
        var wijken = index.postcodes[pc[1]];
        var layouts = (index.postcode_areas || {})[pc[1]] || [];
        if (!wijken && !layouts.length) { out.appendChild(el("p", {}, form.getAttribute("data-unknown").replace("{pc}", pc[1]))); return; }
        if (layouts.length > 1 && layouts.some(function (a) { return a[1] !== layouts[0][1]; })) {
          /* several layouts (or several wijken): the wijk of each, the primary layout first */
          var lang = document.documentElement.lang === "en" ? 3 : 2;
          out.appendChild(el("p", {}, form.getAttribute("data-layouts").replace("{pc}", pc[1])));
          var ul = el("ul");
          layouts.forEach(function (a) {
            var li = el("li");
            li.appendChild(el("a", { href: root + a[1] }, a[0]));
            li.appendChild(document.createTextNode(" (" + a[lang] + ")"));
            ul.appendChild(li);
          });
          out.appendChild(ul);
          return;
        }
        if (layouts.length === 1) { window.location.href = root + layouts[0][1]; return; }
        if (wijken.length === 1) { window.location.href = href("wijk", wijken[0]); return; }
        out.appendChild(el("p", {}, form.getAttribute("data-many").replace("{pc}", pc[1])));
        out.appendChild(list(wijken.map(function (c) { return names[c]; }).filter(Boolean)));
        return;
      }
      var needle = fold(q);
      var hits = index.areas.filter(function (a) { return fold(a[1]).indexOf(needle) !== -1; });
      /* the primary layout's areas first, each layout in the index's order */
      hits = hits.map(function (a, i) { return [layoutOf(a) === index.primary ? 0 : 1, i, a]; })
        .sort(function (x, y) { return x[0] - y[0] || x[1] - y[1]; })
        .map(function (x) { return x[2]; });
      var exact = hits.filter(function (a) { return fold(a[1]) === needle; });
      if (exact.length === 1) { window.location.href = entryHref(exact[0]); return; }
      if (!hits.length) { out.appendChild(el("p", {}, form.getAttribute("data-none").replace("{q}", q))); return; }
      out.appendChild(el("p", {}, form.getAttribute("data-found")));
      out.appendChild(list(hits.slice(0, 25)));
    });
  }

  /* -- home map: colour by the chosen headline indicator; switch between layouts ---------- */
  function setupHomeMap() {
    var select = document.getElementById("map-indicator");
    var data = document.getElementById("headline-data");
    if (!select || !data) return;
    var byLayout = JSON.parse(data.textContent);  /* layout -> indicator -> cells */
    var maps = document.querySelectorAll(".layout-map[data-layout]");
    select.addEventListener("change", function () {
      var h;
      maps.forEach(function (box) {
        h = byLayout[box.getAttribute("data-layout")][select.value];
        box.querySelectorAll("svg.home-map path[data-code]").forEach(function (path) {
          var cell = h.cells[path.getAttribute("data-code")];
          path.style.fill = cell ? cell[0] : "#d4d4d4";
          var title = path.querySelector("title");
          if (title && cell) title.textContent = cell[1];
          var link = path.parentNode;
          if (link && link.tagName.toLowerCase() === "a" && cell) link.setAttribute("aria-label", cell[1]);
        });
        box.querySelector(".map-caption").textContent = h.title;
      });
      document.getElementById("legend-judged").hidden = h.neutral;
      document.getElementById("legend-neutral").hidden = !h.neutral;
    });
    /* without a script every layout's map is shown, one below the other; with it, one at a
       time and a switch */
    var switcher = document.getElementById("layout-switch");
    if (!switcher) return;
    function show(layout) {
      maps.forEach(function (box) { box.hidden = box.getAttribute("data-layout") !== layout; });
    }
    switcher.hidden = false;
    switcher.addEventListener("change", function (event) { show(event.target.value); });
    show(switcher.querySelector("input:checked").value);
  }

  /* -- the compass: a cell's figures beside it --------------------------------------------- */
  function showCell(panel, id) {
    var row = document.getElementById("r-" + id);
    if (!panel || !row) return;
    var heads = row.closest("table").querySelectorAll("thead th");
    var cells = row.children;
    panel.textContent = "";
    var title = el("h3");
    var link = cells[0].querySelector("a");
    title.appendChild(el("a", { href: link.getAttribute("href") }, link.textContent));
    panel.appendChild(title);
    var dl = el("dl");
    for (var i = 1; i < cells.length; i++) {
      var text = cells[i].textContent.trim();
      if (!text) continue;
      dl.appendChild(el("dt", {}, heads[i].textContent));
      dl.appendChild(el("dd", {}, text));
    }
    panel.appendChild(dl);
  }

  /* a click on a compass cell shows its figures in the panel beside the compass (without a
     script the cell links to its row in the table); a theme still opens its list (:target) */
  function setupCompasses() {
    [["compass", "cell-details"], ["compass-dev", "cell-details-dev"]].forEach(function (ids) {
      var figure = document.getElementById(ids[0]);
      var panel = document.getElementById(ids[1]);
      if (!figure || !panel) return;
      figure.addEventListener("click", function (event) {
        var link = event.target.closest && event.target.closest("a");
        var target = link && link.getAttribute("href");
        if (!target || target.indexOf("#r-") !== 0) return;
        event.preventDefault();
        showCell(panel, target.slice(3));
      });
    });
  }

  setupSearch();
  setupHomeMap();
  setupCompasses();
})();
