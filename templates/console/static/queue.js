/* The queue's bulk selection: which waiting confirmations the officer ticked survives the
   queue's live refresh (the rows are re-rendered every time something changes), a lane's
   shown confirmations can be ticked at once, and the bulk bar counts what is ticked. */
(function () {
  "use strict";
  var picked = {};

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][name=pick]"));
  }

  function count() {
    var n = Object.keys(picked).length, live = document.querySelector("#queue-live");
    document.querySelectorAll("[data-bulk-count]").forEach(function (el) {
      el.textContent = n ? "已勾选 " + n + " 件" : "勾选待确认的案件后可批量处理";
    });
    document.querySelectorAll("[data-bulk-paused]").forEach(function (el) { el.hidden = !n; });
    document.querySelectorAll("#bulk button[name=action]").forEach(function (b) { b.disabled = !n; });
    // While cases are ticked the list holds still (console.js skips its refresh).
    if (live) { if (n) { live.setAttribute("data-hold", "1"); } else { live.removeAttribute("data-hold"); } }
  }

  function restore() {
    var present = {};
    boxes().forEach(function (box) {
      present[box.value] = true;
      box.checked = !!picked[box.value];
    });
    // A case that left the shown rows (answered by someone else) is no longer ticked.
    Object.keys(picked).forEach(function (value) { if (!present[value]) { delete picked[value]; } });
    count();
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box && box.name === "pick" && box.type === "checkbox") {
      if (box.checked) { picked[box.value] = true; } else { delete picked[box.value]; }
      count();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-select-lane], [data-clear-picks]") : null;
    if (!button) { return; }
    var lane = button.getAttribute("data-select-lane");
    if (lane === null) { picked = {}; restore(); return; }
    document.querySelectorAll("#lane-" + lane + " input[type=checkbox][name=pick]").forEach(function (box) {
      picked[box.value] = true;
    });
    restore();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.querySelector("#queue-live");
    if (live && window.MutationObserver) { new MutationObserver(restore).observe(live, { childList: true }); }
    restore();
  });
}());
