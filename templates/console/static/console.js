/* warn console: live countdowns, polling for new cases, keyboard moves. No dependencies. */
(function () {
  "use strict";
  var skew = 0; // server clock minus this browser's clock, in ms

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function now() { return Date.now() + skew; }
  function setNow(iso) { if (iso) { skew = Date.parse(iso) - Date.now(); } }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s % 60);
  }
  function ago(ms) {
    var m = Math.floor(ms / 60000);
    if (m < 1) { return "刚刚"; }
    return m < 60 ? m + "分钟" : Math.floor(m / 60) + "小时" + (m % 60) + "分";
  }
  function beijing(ms) {
    var d = new Date(ms + 8 * 3600000);
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  function tick() {
    var t = now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-deadline")) - t;
      el.textContent = left >= 0 ? span(left) : "超时 " + span(left);
      el.classList.toggle("late", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 60000);
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = ago(t - Date.parse(el.getAttribute("data-since")));
    });
    document.querySelectorAll("[data-clock]").forEach(function (el) { el.textContent = beijing(t); });
  }

  function editing(box) {
    var el = document.activeElement;
    if (el && box.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) { return true; }
    return Array.prototype.some.call(box.querySelectorAll("input:not([type=hidden]), textarea"),
      function (f) { return f.value !== ""; });
  }

  function caseIds(box) {
    var ids = {};
    box.querySelectorAll("[data-case]").forEach(function (el) { ids[el.getAttribute("data-case")] = true; });
    return ids;
  }

  function fieldKey(el) {
    var holder = el.closest ? el.closest("[data-case]") : null;
    return holder ? holder.getAttribute("data-case") + "|" + (el.name || el.tagName) : null;
  }

  /* Replace a list with its new rendering, keeping what the person was doing: notes typed
     into a card, and the focus (and caret) on the same case. */
  function apply(box, data) {
    var typed = {}, active = document.activeElement, focusKey = null, caret = null;
    box.querySelectorAll("input:not([type=hidden]), textarea").forEach(function (f) {
      var key = fieldKey(f);
      if (key && f.value !== "") { typed[key] = f.value; }
    });
    if (active && box.contains(active)) {
      focusKey = fieldKey(active);
      caret = typeof active.selectionStart === "number" ? active.selectionStart : null;
    }
    var before = caseIds(box);
    box.innerHTML = data.html;
    box.querySelectorAll("[data-case]").forEach(function (el) {
      if (!before[el.getAttribute("data-case")]) { el.classList.add("fresh"); }
    });
    box.querySelectorAll("input:not([type=hidden]), textarea, a, button").forEach(function (f) {
      var key = fieldKey(f);
      if (key && typed[key] !== undefined && "value" in f && f.tagName !== "BUTTON") { f.value = typed[key]; }
      if (key && key === focusKey) {
        f.focus();
        if (caret !== null && f.setSelectionRange) { f.setSelectionRange(caret, caret); }
        focusKey = null;
      }
    });
    if (data.counts) { showCounts(data.counts); }
    tick();
  }

  function showCounts(counts) {
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var b = el.querySelector("b"), n = counts[el.getAttribute("data-count")];
      if (b && n !== undefined) { b.textContent = n; el.classList.toggle("zero", n === 0); }
    });
    var asking = (counts.awaiting || 0) + (counts.waiting || 0);
    var base = document.title.replace(/^\(\d+\)\s*/, "");
    document.title = asking ? "(" + asking + ") " + base : base;
  }

  function status(ok) {
    document.querySelectorAll("[data-live-status]").forEach(function (el) {
      el.classList.toggle("down", !ok);
      el.textContent = ok ? "● 实时" : "● 连接中断，重试中";
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      });
  }

  function pollList(box) {
    var busy = false;
    setInterval(function () {
      if (busy) { return; }
      busy = true;
      fetchJson(box.getAttribute("data-poll") + "?have=" + encodeURIComponent(box.getAttribute("data-sig")))
        .then(function (data) {
          setNow(data.now); status(true);
          if (data.same) { return; }
          box.setAttribute("data-sig", data.sig);
          apply(box, data);
        })
        .catch(function () { status(false); })
        .then(function () { busy = false; });
    }, 1000);
  }

  function pollCase(box) {
    var banner = null;
    setInterval(function () {
      fetchJson(box.getAttribute("data-poll")).then(function (data) {
        if (data.sig === box.getAttribute("data-sig")) { return; }
        if (!editing(document.body)) { location.reload(); return; }
        if (!banner) {
          banner = document.createElement("button");
          banner.className = "notice info wide";
          banner.textContent = "案件有新进展 —— 点此刷新（您正在填写的内容会丢失）";
          banner.addEventListener("click", function () { location.reload(); });
          box.insertBefore(banner, box.firstChild);
        }
      }).catch(function () { /* the next poll tries again */ });
    }, 1500);
  }

  function keys(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (/^(INPUT|TEXTAREA|SELECT)$/.test((event.target || {}).tagName)) { return; }
    if (event.key !== "j" && event.key !== "k") { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("table.queue .case-link"));
    if (!links.length) { return; }
    var at = links.indexOf(document.activeElement);
    var next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
    links[at < 0 ? 0 : next].focus();
    event.preventDefault();
  }

  function rowClicks(event) {
    var row = event.target.closest ? event.target.closest("tr.case-row") : null;
    if (!row || event.target.closest("a, button, input, select")) { return; }
    var link = row.querySelector(".case-link");
    if (link) { location.href = link.getAttribute("href"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stamped = document.querySelector("[data-now]");
    if (stamped) { setNow(stamped.getAttribute("data-now")); }
    var list = document.querySelector("#queue-live, #field-live");
    if (list) { pollList(list); }
    var refresh = document.querySelector("[data-refresh]");
    if (refresh) { setTimeout(function () { location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh"))); }
    var one = document.querySelector("#case-live");
    if (one) { pollCase(one); }
    document.addEventListener("keydown", keys);
    document.addEventListener("click", rowClicks);
    tick();
    setInterval(tick, 500);
  });
}());
