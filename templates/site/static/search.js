/*
 * confluence-export search: a small full-text search over window.__SEARCH_INDEX__.
 *
 * The index is a classic script (search-index.js), added to the page on first use, so search
 * works from file:// and under any sub-path: no fetch, no modules, no workers. Every query term must occur in the title or the
 * body (the last term also as a prefix); title hits weigh most. Results link relative to the
 * current page through <body data-root>. Written for this project; MIT like the rest of it.
 */
(function () {
  "use strict";

  var MAX_RESULTS = 20;
  var entries = null;

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function terms(query) {
    return fold(query).split(/[^\p{L}\p{N}_]+/u).filter(function (t) { return t.length > 0; });
  }

  function load() {
    if (entries === null && window.__SEARCH_INDEX__) {
      entries = window.__SEARCH_INDEX__.docs.map(function (doc) {
        // "w": the page's other words, past the body text the index keeps verbatim.
        var body = doc.w ? fold(doc.b) + " " + fold(doc.w) : fold(doc.b);
        return { doc: doc, title: fold(doc.t), body: body, path: fold(doc.p || "") };
      });
    }
    return entries || [];
  }

  function isWordStart(text, at) {
    return at === 0 || /[^\p{L}\p{N}_]/u.test(text.charAt(at - 1));
  }

  function occurrences(text, term) {
    var count = 0, words = 0, at = text.indexOf(term);
    while (at !== -1 && count < 50) {
      count += 1;
      if (isWordStart(text, at)) words += 1;
      at = text.indexOf(term, at + term.length);
    }
    return { count: count, words: words };
  }

  /** Rank pages for a query: [{doc, score}], best first. */
  function search(query, limit) {
    var wanted = terms(query);
    if (wanted.length === 0) return [];
    var results = [];
    load().forEach(function (entry) {
      var score = 0;
      for (var i = 0; i < wanted.length; i += 1) {
        var term = wanted[i];
        var inTitle = occurrences(entry.title, term);
        var inBody = occurrences(entry.body, term);
        var inPath = entry.path.indexOf(term) !== -1;
        if (inTitle.count === 0 && inBody.count === 0 && !inPath) return;
        score += inTitle.count ? 20 + 10 * inTitle.words : 0;
        score += inPath ? 2 : 0;
        score += Math.min(inBody.count, 10) + 2 * Math.min(inBody.words, 10);
      }
      if (entry.title === fold(query).trim()) score += 100;
      results.push({ doc: entry.doc, score: score });
    });
    results.sort(function (a, b) {
      return b.score - a.score || (a.doc.t < b.doc.t ? -1 : a.doc.t > b.doc.t ? 1 : 0);
    });
    return results.slice(0, limit || MAX_RESULTS);
  }

  function snippet(body, query) {
    var lower = body.toLowerCase();
    var first = -1;
    terms(query).forEach(function (term) {
      var at = lower.indexOf(term);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    });
    if (first === -1) return body.slice(0, 140);
    var start = Math.max(0, first - 50);
    return (start > 0 ? "…" : "") + body.slice(start, start + 160) + (start + 160 < body.length ? "…" : "");
  }

  /** Load search-index.js on first use: a classic script tag, so it also works from file://. */
  function withIndex(callback) {
    if (window.__SEARCH_INDEX__) { callback(); return; }
    var pending = document.getElementById("search-index-script");
    if (!pending) {
      pending = document.createElement("script");
      pending.id = "search-index-script";
      pending.src = rootPrefix() + "search-index.js";
      document.head.appendChild(pending);
    }
    pending.addEventListener("load", callback);
  }

  function rootPrefix() {
    return document.body.getAttribute("data-root") || "";
  }

  function show(list, query) {
    while (list.firstChild) list.removeChild(list.firstChild);
    var found = search(query);
    if (found.length === 0) {
      var none = document.createElement("li");
      none.className = "no-results";
      none.textContent = "No pages match “" + query.trim() + "”";
      list.appendChild(none);
    }
    found.forEach(function (result, i) {
      var item = document.createElement("li");
      if (i === 0) item.className = "selected";
      var link = document.createElement("a");
      link.href = rootPrefix() + result.doc.u;
      link.textContent = result.doc.t;
      item.appendChild(link);
      if (result.doc.p) {
        var path = document.createElement("span");
        path.className = "result-path";
        path.textContent = result.doc.p;
        item.appendChild(path);
      }
      var text = document.createElement("span");
      text.className = "result-snippet";
      text.textContent = snippet(result.doc.b, query);
      item.appendChild(text);
      list.appendChild(item);
    });
    list.hidden = false;
  }

  function move(list, step) {
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    var at = items.findIndex(function (li) { return li.classList.contains("selected"); });
    if (items.length === 0) return;
    if (at !== -1) items[at].classList.remove("selected");
    var next = items[(at + step + items.length) % items.length];
    next.classList.add("selected");
    next.scrollIntoView({ block: "nearest" });
  }

  function setup() {
    var input = document.getElementById("search-input");
    var list = document.getElementById("search-results");
    if (!input || !list) return;
    input.addEventListener("focus", function () { withIndex(function () {}); });
    input.addEventListener("input", function () {
      if (input.value.trim() === "") { list.hidden = true; return; }
      withIndex(function () {
        if (input.value.trim() !== "") show(list, input.value);
      });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        move(list, event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter") {
        var chosen = list.querySelector("li.selected a") || list.querySelector("li a");
        if (chosen) { event.preventDefault(); window.location.href = chosen.href; }
      } else if (event.key === "Escape") {
        list.hidden = true;
      }
    });
    document.addEventListener("click", function (event) {
      if (!list.contains(event.target) && event.target !== input) list.hidden = true;
    });
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (event.key === "/" && !typing) { event.preventDefault(); input.focus(); }
    });
  }

  window.confluenceSearch = { search: search };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
