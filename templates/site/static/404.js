/* confluence-export 404 page: served for a miss at any depth, so find the site root (the
   nearest folder above that holds search-index.js) and point the home link there. */
(function () {
  "use strict";
  try {
    var theme = window.localStorage.getItem("confluence-export-theme");
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
  } catch (e) { /* storage disabled */ }
  if (!/^https?:$/.test(location.protocol) || !window.fetch) return;
  var parts = location.pathname.split("/");
  parts.pop();
  var roots = [];
  for (var i = parts.length; i >= 1; i--) roots.push(parts.slice(0, i).join("/") + "/");
  function probe(k) {
    if (k >= roots.length) return;
    fetch(roots[k] + "search-index.js", { method: "HEAD", cache: "no-store" }).then(function (r) {
      if (!r.ok) return probe(k + 1);
      var links = document.querySelectorAll("a.home-link, a.site-name");
      for (var j = 0; j < links.length; j++) links[j].href = roots[k] + "index.html";
    }, function () { probe(k + 1); });
  }
  probe(0);
})();
