/* confluence-export site behaviour: the mobile navigation drawer, the theme toggle, code copy
   buttons and language labels, and printing folded content. */
(function () {
  "use strict";

  var THEME_KEY = "confluence-export-theme";

  function isDark() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen) return chosen === "dark";
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }

  function setupTheme() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    function label() { button.setAttribute("aria-pressed", isDark() ? "true" : "false"); }
    label();
    button.addEventListener("click", function () {
      var next = isDark() ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { window.localStorage.setItem(THEME_KEY, next); } catch (e) { /* not remembered */ }
      label();
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function setupCode() {
    var blocks = document.querySelectorAll(".page-body pre.highlight");
    Array.prototype.forEach.call(blocks, function (pre) {
      var code = pre.querySelector("code");
      var match = code && /(?:^|\s)language-([\w+#.-]+)/.exec(code.className);
      var head = document.createElement("div");
      head.className = "code-head";
      if (match) {
        var lang = document.createElement("span");
        lang.className = "code-lang";
        lang.textContent = match[1];
        head.appendChild(lang);
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      button.addEventListener("click", function () {
        copyText((code || pre).textContent.replace(/\n$/, "")).then(function () {
          button.textContent = "Copied";
        }, function () {
          button.textContent = "Press Ctrl+C";
        });
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      });
      head.appendChild(button);
      var wrap = document.createElement("div");
      wrap.className = "code-block";
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(head);
      wrap.appendChild(pre);
    });
  }

  function setup() {
    setupTheme();
    setupCode();
    var toggle = document.querySelector(".nav-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = document.body.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
        document.body.classList.remove("nav-open");
        if (toggle) toggle.setAttribute("aria-expanded", "false");
      }
    });
    var current = document.querySelector('.sidebar [aria-current="page"]');
    var sidebar = document.querySelector(".sidebar");
    if (current && sidebar && current.offsetTop > sidebar.clientHeight * 0.7) {
      sidebar.scrollTop = current.offsetTop - sidebar.clientHeight / 3;
    }
  }

  var reopen = [];
  window.addEventListener("beforeprint", function () {
    reopen = Array.prototype.filter.call(document.querySelectorAll(".page-body details"), function (d) {
      return !d.open;
    });
    reopen.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    reopen.forEach(function (d) { d.open = false; });
    reopen = [];
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
