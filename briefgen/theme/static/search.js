// Client-side search over the split index (see briefgen/search.py): nothing is fetched
// until the first query, then only the term buckets, facet and result chunks it needs.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var facetBox = document.getElementById("search-facets");
  var more = document.getElementById("search-more");
  var entryUrl = new URL(form.getAttribute("data-index"), location.href);
  var scriptUrl = document.currentScript.src;
  // The page's words in the site's language (theme/search.html); English where a site's own
  // search.html gives none.
  var words = Object.assign({
    locale: "en", dispatches: { one: "{n} dispatch", other: "{n} dispatches" }, searching: "Searching…",
    found: "{dispatches} found", showing: "{found}; showing {shown}", short: "Type a word of two letters or more.",
    unavailable: "Search is unavailable: {error}", year: "Year", actor: "Actor", topic: "Topic", thread: "Thread"
  }, JSON.parse(form.getAttribute("data-words") || "{}"));
  var locale = words.locale.replace(/_/g, "-"), plural = new Intl.PluralRules(locale);
  var number = new Intl.NumberFormat(locale, { numberingSystem: "latn" });

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  // "12 dispatches", in the form the count takes in the site's language.
  function dispatches(n) {
    var forms = words.dispatches;
    return fill(typeof forms === "string" ? forms : forms[plural.select(n)] || forms.other, { n: number.format(n) });
  }
  var PAGE = 20;
  var entry = null, files = new Map(), filters = {}, found = [], shown = 0, generation = 0;

  function getJson(name) {
    if (!files.has(name)) {
      var url = name === null ? entryUrl : new URL(entry.dir + name, entryUrl);
      files.set(name, fetch(url).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + url.pathname);
        return r.json();
      }));
    }
    return files.get(name);
  }

  // The entry file, with the site language's terms function (search-terms.js and its
  // Snowball stemmer, fetched beside it).
  function loadEntry() {
    if (entry) return Promise.resolve(entry);
    return getJson(null).then(function (e) {
      return Promise.all([
        import(new URL("search-terms.js", scriptUrl).href),
        e.stemmer ? import(new URL("stem/" + e.stemmer + ".js", scriptUrl).href) : null,
      ]).then(function (modules) {
        e.analyse = modules[0].analyser(e.stop, modules[1] && new modules[1].default());
        return (entry = e);
      });
    });
  }

  // The terms files that may hold terms starting with `term`: the last one starting at or
  // before it, and each after it that starts with it (the terms are in order).
  function filesFor(term) {
    var first = entry.terms, lo = 0, hi = first.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (first[mid] <= term) lo = mid; else hi = mid - 1;
    }
    var files = [lo];
    for (var i = lo + 1; i < first.length && first[i].indexOf(term) === 0; i++) files.push(i);
    return files;
  }

  // Ids of dispatches with a term starting with `term` (prefix search), as a Set.
  function idsFor(term) {
    return Promise.all(filesFor(term).map(function (c) { return getJson("terms-" + c + ".json"); })).then(function (parts) {
      var ids = new Set();
      parts.forEach(function (part) {
        Object.keys(part).forEach(function (key) {
          if (key.indexOf(term) !== 0) return;
          var id = 0;
          part[key].forEach(function (gap, i) { id = i ? id + gap : gap; ids.add(id); });
        });
      });
      return ids;
    });
  }

  function intersect(sets) {
    sets.sort(function (a, b) { return a.size - b.size; });
    return Array.from(sets[0]).filter(function (id) { return sets.every(function (s) { return s.has(id); }); })
      .sort(function (a, b) { return a - b; });
  }

  function chunksOf(ids, kind) {
    var size = kind === "docs" ? entry.docChunk : entry.facetChunk;
    var wanted = Array.from(new Set(ids.map(function (id) { return Math.floor(id / size); })));
    return Promise.all(wanted.map(function (c) { return getJson(kind + "-" + c + ".json"); })).then(function (parts) {
      var byChunk = {};
      wanted.forEach(function (c, i) { byChunk[c] = parts[i]; });
      return function (id) { return byChunk[Math.floor(id / size)][id % size]; };
    });
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // A dispatch's facets: year, actors, topics, thread, then its terms in each declared taxonomy.
  function taxonomies() { return entry.taxonomies || []; }

  function keep(f) {
    return (filters.year === undefined || f[0] === filters.year) &&
      (filters.actor === undefined || f[1].indexOf(filters.actor) !== -1) &&
      (filters.topic === undefined || f[2].indexOf(filters.topic) !== -1) &&
      (filters.thread === undefined || f[3].indexOf(filters.thread) !== -1) &&
      taxonomies().every(function (_, i) { var on = filters["taxonomy-" + i]; return on === undefined || f[4 + i].indexOf(on) !== -1; });
  }

  function facetGroup(name, label, counts, nameOf, limit) {
    var keys = Object.keys(counts).map(Number);
    keys.sort(name === "year" ? function (a, b) { return b - a; } : function (a, b) { return counts[b] - counts[a] || a - b; });
    if (filters[name] !== undefined && keys.indexOf(filters[name]) === -1) keys.unshift(filters[name]);
    if (!keys.length) return;
    var box = el("fieldset");
    box.appendChild(el("legend", label));
    keys.slice(0, limit).forEach(function (k) {
      var on = filters[name] === k;
      var b = el("button", nameOf(k) + " (" + number.format(counts[k] || 0) + ")", { type: "button", "aria-pressed": String(on) });
      b.addEventListener("click", function () {
        if (on) delete filters[name]; else filters[name] = k;
        render(false);
      });
      box.appendChild(b);
    });
    facetBox.appendChild(box);
  }

  function showFacets(facetOf) {
    var counts = { year: {}, actor: {}, topic: {}, thread: {} };
    taxonomies().forEach(function (_, i) { counts["taxonomy-" + i] = {}; });
    found.forEach(function (id) {
      var f = facetOf(id);
      if (!keep(f)) return;
      counts.year[f[0]] = (counts.year[f[0]] || 0) + 1;
      f[1].forEach(function (a) { counts.actor[a] = (counts.actor[a] || 0) + 1; });
      f[2].forEach(function (t) { counts.topic[t] = (counts.topic[t] || 0) + 1; });
      f[3].forEach(function (t) { counts.thread[t] = (counts.thread[t] || 0) + 1; });
      taxonomies().forEach(function (_, i) {
        var c = counts["taxonomy-" + i];
        f[4 + i].forEach(function (t) { c[t] = (c[t] || 0) + 1; });
      });
    });
    facetBox.textContent = "";
    facetGroup("year", words.year, counts.year, String, 12);
    facetGroup("actor", words.actor, counts.actor, function (a) { return entry.actors[a][1]; }, 8);
    facetGroup("topic", words.topic, counts.topic, function (t) { return entry.topics[t][1]; }, 8);
    facetGroup("thread", words.thread, counts.thread, function (t) { return entry.threads[t][1]; }, 8);
    taxonomies().forEach(function (tax, i) {
      facetGroup("taxonomy-" + i, tax[1], counts["taxonomy-" + i], function (t) { return tax[2][t][1]; }, 8);
    });
  }

  function showPage(ids) {
    return chunksOf(ids, "docs").then(function (docOf) {
      ids.forEach(function (id) {
        var d = docOf(id), li = el("li");
        li.appendChild(el("a", d[1], { href: d[0] }));
        li.appendChild(el("div", d[2] + (d[3] ? " · " + d[3] : ""), { "class": "meta" }));
        if (d[4]) li.appendChild(el("p", d[4], { "class": "summary" }));
        list.appendChild(li);
      });
    });
  }

  // The facets of these dispatches, with the names they stand for.
  function facetsOf(ids) {
    return Promise.all([chunksOf(ids, "facets"), getJson("names.json")]).then(function (got) {
      Object.assign(entry, got[1]);
      return got[0];
    });
  }

  // Show the matches, a page at a time. Unfiltered, the first results come before the
  // facets, which are fetched after them; once a facet is chosen, the facets come first.
  function render(append) {
    var mine = generation, filtered = Object.keys(filters).length > 0;
    return (filtered ? facetsOf(found) : Promise.resolve(null)).then(function (facetOf) {
      if (mine !== generation) return;
      var matching = facetOf ? found.filter(function (id) { return keep(facetOf(id)); }) : found;
      if (!append) { list.textContent = ""; shown = 0; }
      var page = matching.slice(shown, shown + PAGE);
      shown += page.length;
      return showPage(page).then(function () {
        if (mine !== generation) return;
        more.hidden = shown >= matching.length;
        var said = fill(words.found, { dispatches: dispatches(matching.length) });
        status.textContent = shown < matching.length ? fill(words.showing, { found: said, shown: number.format(shown) }) : said;
        if (append) return;
        return (facetOf ? Promise.resolve(facetOf) : facetsOf(found)).then(function (f) {
          if (mine === generation) showFacets(f);
        });
      });
    });
  }

  function run() {
    var q = input.value, mine = ++generation;
    filters = {};
    if (!q.trim()) { list.textContent = ""; facetBox.textContent = ""; status.textContent = ""; more.hidden = true; return; }
    status.textContent = words.searching;
    loadEntry().then(function () {
      // A year on its own (2022) narrows to that year's dispatches rather than matching the word.
      var terms = entry.analyse(q).filter(function (w) {
        if (!/^[12][0-9]{3}$/.test(w)) return true;
        filters.year = Number(w);
        return false;
      });
      if (terms.length) return Promise.all(terms.map(idsFor));
      if (filters.year !== undefined) return [new Set(Array.from({ length: entry.n }, function (_, i) { return i; }))];
      status.textContent = words.short;
      return null;
    }).then(function (sets) {
      if (!sets || mine !== generation) return;
      found = intersect(sets);
      return render(false);
    }).catch(function (err) { status.textContent = fill(words.unavailable, { error: err.message }); });
  }

  var timer = null;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer); // the search runs now: a pending one would reset facets chosen meanwhile
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    run();
  });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
  more.addEventListener("click", function () { render(true); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
