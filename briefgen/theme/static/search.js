// Client-side search over search-index.json: words, actors (with aliases), topics, year.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var facetBox = document.getElementById("search-facets");
  var index = null;
  var yearFilter = null;

  function norm(s) {
    return (s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function load() {
    if (index) return Promise.resolve(index);
    return fetch(form.getAttribute("data-index")).then(function (r) {
      if (!r.ok) throw new Error("search index: HTTP " + r.status);
      return r.json();
    }).then(function (data) {
      var names = data.actors;
      data.docs.forEach(function (d) {
        var actorText = d.a.map(function (id) { return (names[id] || [id]).join(" "); }).join(" ");
        d.text = norm([d.t, d.s, d.l, d.p.join(" "), actorText, d.d.slice(0, 4)].join(" "));
      });
      index = data;
      return data;
    });
  }

  function matches(query) {
    var terms = norm(query).split(/\s+/).filter(Boolean);
    if (!terms.length) return [];
    return index.docs.filter(function (d) {
      return terms.every(function (t) { return d.text.indexOf(t) !== -1; });
    });
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function showFacets(found) {
    facetBox.textContent = "";
    var years = {};
    found.forEach(function (d) { var y = d.d.slice(0, 4); years[y] = (years[y] || 0) + 1; });
    Object.keys(years).sort().reverse().forEach(function (y) {
      var b = el("button", y + " (" + years[y] + ")", { type: "button", "aria-pressed": String(yearFilter === y) });
      b.addEventListener("click", function () { yearFilter = yearFilter === y ? null : y; run(); });
      facetBox.appendChild(b);
    });
  }

  function show(found) {
    list.textContent = "";
    var shown = yearFilter ? found.filter(function (d) { return d.d.slice(0, 4) === yearFilter; }) : found;
    shown.slice(0, 100).forEach(function (d) {
      var li = el("li");
      var h = el("a", d.t, { href: d.u });
      li.appendChild(h);
      li.appendChild(el("div", d.d + (d.l ? " · " + d.l : ""), { "class": "meta" }));
      if (d.s) li.appendChild(el("div", d.s, { "class": "summary" }));
      list.appendChild(li);
    });
    status.textContent = shown.length + (shown.length === 1 ? " dispatch" : " dispatches") + " found" + (shown.length > 100 ? "; showing 100" : "");
  }

  function run() {
    var q = input.value;
    if (!q.trim()) { list.textContent = ""; facetBox.textContent = ""; status.textContent = ""; return; }
    load().then(function () {
      var found = matches(q);
      showFacets(found);
      show(found);
    }).catch(function (err) { status.textContent = "Search is unavailable: " + err.message; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    yearFilter = null;
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run();
  });
  input.addEventListener("input", function () { yearFilter = null; run(); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
