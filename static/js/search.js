// Global search in the navigation bar: "/" focuses the box; results come as you type, grouped
// (人员, 村(社区)); ↑/↓ move through them, Enter opens the chosen one (or the full results page),
// Esc closes the list. Without JavaScript the box submits to the results page.
(function () {
  "use strict";
  var input, box, timer = null, seq = 0, active = -1;

  function hits() { return box ? Array.prototype.slice.call(box.querySelectorAll(".search-hit")) : []; }

  function setActive(index) {
    var list = hits();
    list.forEach(function (el) { el.classList.remove("active"); el.removeAttribute("aria-selected"); });
    if (!list.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    active = (index + list.length) % list.length;
    var el = list[active];
    el.classList.add("active");
    el.setAttribute("aria-selected", "true");
    if (!el.id) { el.id = "search-hit-extra-" + active; }
    input.setAttribute("aria-activedescendant", el.id);
    // keep the chosen hit visible inside the list (the page itself does not move)
    if (el.offsetTop < box.scrollTop) { box.scrollTop = el.offsetTop; }
    else if (el.offsetTop + el.offsetHeight > box.scrollTop + box.clientHeight) { box.scrollTop = el.offsetTop + el.offsetHeight - box.clientHeight; }
  }

  function show(html) {
    box.innerHTML = html;
    box.hidden = !html.trim();
    input.setAttribute("aria-expanded", box.hidden ? "false" : "true");
    active = -1;
    input.removeAttribute("aria-activedescendant");
  }

  function hide() {
    box.hidden = true;
    input.setAttribute("aria-expanded", "false");
    active = -1;
  }

  function fetchResults() {
    var q = input.value.trim();
    var mine = ++seq;
    if (!q) { show(""); return; }
    var url = input.dataset.url + "?partial=1&q=" + encodeURIComponent(q);
    fetch(url, { headers: { "X-Requested-With": "XMLHttpRequest" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (mine === seq) { show(html); } })
      .catch(function () { if (mine === seq) { show(""); } });
  }

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("DOMContentLoaded", function () {
    input = document.getElementById("global-search");
    box = document.getElementById("global-search-results");
    if (!input || !box) { return; }

    document.addEventListener("keydown", function (event) {
      if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(document.activeElement)) {
        event.preventDefault();
        var nav = document.getElementById("mainNav");
        if (nav && input.offsetParent === null && window.bootstrap) {  // phone: open the collapsed menu first
          window.bootstrap.Collapse.getOrCreateInstance(nav).show();
        }
        input.focus();
        input.select();
      }
    });

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchResults, 200);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (box.hidden && input.value.trim()) { fetchResults(); return; }
        setActive(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        setActive(active - 1);
      } else if (event.key === "Enter") {
        var list = hits();
        if (!box.hidden && active >= 0 && list[active]) {
          event.preventDefault();
          window.location.href = list[active].href;
        }
      } else if (event.key === "Escape") {
        if (!box.hidden) { event.preventDefault(); hide(); } else { input.blur(); }
      }
    });

    input.addEventListener("focus", function () { if (box.innerHTML.trim() && input.value.trim()) { box.hidden = false; input.setAttribute("aria-expanded", "true"); } });
    document.addEventListener("click", function (event) {
      if (!box.hidden && !box.contains(event.target) && event.target !== input) { hide(); }
    });
    box.addEventListener("mousemove", function (event) {
      var el = event.target.closest(".search-hit");
      if (el) { setActive(hits().indexOf(el)); }
    });
  });
})();
