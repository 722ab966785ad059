/* confluence-export: apply the theme the reader chose (light or dark) before the page paints. */
(function () {
  "use strict";
  try {
    var theme = window.localStorage.getItem("confluence-export-theme");
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
  } catch (e) { /* storage disabled: follow the system */ }
})();
