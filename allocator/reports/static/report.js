/* Settlement explorer: sort tables by a heading, filter the table of areas. No network, no library. */
(function () {
  "use strict";
  function key(row, i) {
    var cell = row.cells[i];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    return v !== null ? v : cell.textContent.trim();
  }
  function sortBy(table, th, i) {
    var heads = table.tHead.rows[0].cells;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var numeric = th.classList.contains("num");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, i), y = key(b, i);
      if (numeric) {
        x = parseFloat(x); y = parseFloat(y);
        var xm = isNaN(x), ym = isNaN(y);
        if (xm || ym) return xm === ym ? 0 : (xm ? 1 : -1);  /* blanks last either way */
        return ascending ? x - y : y - x;
      }
      var r = x.localeCompare(y, "en", { numeric: true, sensitivity: "base" });
      return ascending ? r : -r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      var button = th.querySelector("button.sort");
      if (button) button.addEventListener("click", function () { sortBy(table, th, i); });
    });
  });
  document.querySelectorAll("[data-filter]").forEach(function (box) {
    var input = box.querySelector("input");
    var table = document.getElementById(box.getAttribute("data-filter"));
    var status = box.querySelector("[aria-live]");
    if (!input || !table) return;
    box.hidden = false;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var what = box.getAttribute("data-noun") || "rows";
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) shown += 1;
      });
      if (status) status.textContent = shown + " of " + rows.length + " " + what + " shown";
    });
  });
  /* "Go to an area": a name or code from the list opens that area's page */
  document.querySelectorAll("[data-jump]").forEach(function (box) {
    var input = box.querySelector("input");
    var list = document.getElementById(box.getAttribute("data-jump"));
    if (!input || !list) return;
    box.hidden = false;
    function go() {
      var q = input.value.trim().toLowerCase();
      if (!q) return;
      var options = Array.prototype.slice.call(list.options);
      var hit = options.filter(function (o) { return o.value.toLowerCase() === q; })[0];
      if (!hit) {
        var part = options.filter(function (o) { return o.value.toLowerCase().indexOf(q) !== -1; });
        if (part.length === 1) hit = part[0];
      }
      if (hit) window.location.href = hit.getAttribute("data-href");
    }
    input.addEventListener("change", go);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") go(); });
  });
  /* tables that scroll sideways say so: a shadow on the side with more, and a hint below */
  document.querySelectorAll(".scroll").forEach(function (box) {
    var hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.textContent = "Scroll sideways to see the whole table.";
    box.parentNode.insertBefore(hint, box.nextSibling);
    function mark() {
      var more = box.scrollWidth - box.clientWidth;
      box.classList.toggle("more-right", more > 1 && box.scrollLeft < more - 1);
      box.classList.toggle("more-left", more > 1 && box.scrollLeft > 1);
    }
    box.addEventListener("scroll", mark, { passive: true });
    window.addEventListener("resize", mark);
    mark();
  });
})();
