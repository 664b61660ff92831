/* warn console: live countdowns, polling for new cases, keyboard moves, alerts (sound,
   desktop notification, vibration), a confirm step and an undo window for forms.
   No dependencies. */
(function () {
  "use strict";
  var skew = 0; // server clock minus this browser's clock, in ms
  var WORDS = readWords();

  /* The words come from warn/vocabulary.py through a <meta> tag: one vocabulary. */
  function readWords() {
    var meta = document.querySelector('meta[name="warn-words"]');
    try { return meta ? JSON.parse(meta.getAttribute("content")) : {}; } catch (e) { return {}; }
  }
  function word(key, n) { return String(WORDS[key] || "").replace("{n}", n === undefined ? "" : n); }

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
    // A choice made in a list (the team to send, the outcome) is work in progress too.
    var chosen = Array.prototype.some.call(box.querySelectorAll("select"), function (s) {
      var option = s.options[s.selectedIndex];
      return !!option && !option.defaultSelected && s.selectedIndex !== 0;
    });
    return chosen || Array.prototype.some.call(box.querySelectorAll("input:not([type=hidden]), textarea"),
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
    alertOnNew(box);
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
      if (b && n !== undefined) { b.textContent = n; el.classList.toggle("zero", Number(n) === 0); }
    });
    var asking = needsMe(counts);
    var base = document.title.replace(/^\(\d+\)\s*/, "");
    document.title = asking ? "(" + asking + ") " + base : base;
  }

  /* What waits for this person: the queue's own count when it sends one (needs_me), else
     confirmations and cases the ladder cannot move by itself; on the field pages, the
     alerts not yet acknowledged. */
  function needsMe(counts) {
    if (counts.needs_me !== undefined) { return Number(counts.needs_me) || 0; }
    return (Number(counts.awaiting) || 0) + (Number(counts.stuck) || 0) + (Number(counts.waiting) || 0);
  }

  /* The counts the server rendered into the page, so that the title and the counters are
     right from the first paint, not only after the first change. */
  function countsOnPage() {
    var counts = {};
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var b = el.querySelector("b");
      if (b && /^\d+$/.test(b.textContent.trim())) { counts[el.getAttribute("data-count")] = Number(b.textContent); }
    });
    var field = document.querySelector("[data-waiting]");
    if (field) { counts.waiting = Number(field.getAttribute("data-waiting")) || 0; }
    return counts;
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

  /* A list held by the page (the officer is ticking cases for a bulk answer) is not
     redrawn under their hand: the counters, the tab title and the alerts still follow,
     a line says that the list has changed, and it catches up once the hold is lifted. */
  function heldBack(box, data) {
    if (data.counts) { showCounts(data.counts); }
    var incoming = document.createElement("div");
    incoming.innerHTML = data.html;
    alertOnNew(incoming);
    document.querySelectorAll("[data-bulk-paused]").forEach(function (el) {
      el.hidden = false;
      el.classList.add("changed");
      el.textContent = word("list_changed_while_held");
    });
  }

  function pollList(box) {
    var busy = false;
    setInterval(function () {
      if (busy) { return; }
      busy = true;
      var url = box.getAttribute("data-poll");
      fetchJson(url + (url.indexOf("?") < 0 ? "?" : "&") + "have=" + encodeURIComponent(box.getAttribute("data-sig")))
        .then(function (data) {
          setNow(data.now); status(true);
          if (data.same) { return; }
          if (box.hasAttribute("data-hold")) { heldBack(box, data); return; }
          box.setAttribute("data-sig", data.sig);
          apply(box, data);
        })
        .catch(function () { status(false); })
        .then(function () { busy = false; });
    }, 1000);
  }

  function pollCase(box) {
    var banner = null, casePath = box.getAttribute("data-poll").replace(/\/state\.json$/, "");
    // The page may be the answer to a form (a 409 "someone else was faster"): reloading it
    // would post the form again, so the case is opened afresh by its own address instead.
    function refresh() {
      if (location.pathname === casePath) { location.reload(); } else { location.href = casePath; }
    }
    setInterval(function () {
      fetchJson(box.getAttribute("data-poll")).then(function (data) {
        if (data.sig === box.getAttribute("data-sig")) { return; }
        if (!editing(document.body) && !holding()) { refresh(); return; }
        if (!banner) {
          banner = document.createElement("button");
          banner.className = "notice info wide";
          banner.textContent = "案件有新进展 —— 点此刷新（您正在填写的内容会丢失）";
          banner.addEventListener("click", refresh);
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

  /* ---- alerts: sound, desktop notification, vibration ---------------------------------- */
  var STORE = "warn.alerts";
  var seenAlerts = null, audio = null;

  function alertsOn() {
    try { return localStorage.getItem(STORE) === "on"; } catch (e) { return false; }
  }
  function remember(on) {
    try { if (on) { localStorage.setItem(STORE, "on"); } else { localStorage.removeItem(STORE); } } catch (e) { /* private mode */ }
  }

  function alertsNow(box) {
    var found = {};
    box.querySelectorAll("[data-alert]").forEach(function (el) {
      var holder = el.closest("[data-case]") || el;
      found[(holder.getAttribute("data-case") || "") + "|" + el.getAttribute("data-alert")] = el.getAttribute("data-alert");
    });
    return found;
  }

  /* What was on the page when it loaded was already there: only what appears later rings.
     A row whose alert goes away and comes back (a second confirmation) rings again. */
  function alertOnNew(box) {
    var now = alertsNow(box), fresh = {};
    if (seenAlerts !== null) {
      Object.keys(now).forEach(function (key) {
        if (!seenAlerts[key]) { fresh[now[key]] = (fresh[now[key]] || 0) + 1; }
      });
    }
    seenAlerts = now;
    ["high", "confirm", "field"].forEach(function (kind) { if (fresh[kind]) { ring(kind, fresh[kind]); } });
  }

  function ring(kind, count) {
    if (kind === "field" && navigator.vibrate) {
      try { navigator.vibrate([300, 120, 300]); } catch (e) { /* not allowed before a tap */ }
    }
    if (!alertsOn()) { return; }
    beep(kind);
    notify(kind, count);
  }

  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    if (!audio) { audio = new Context(); }
    if (audio.state === "suspended" && audio.resume) { audio.resume(); }
    return audio;
  }

  /* Two tones for a high case (an alarm), a rising pair for a confirmation, one for a
     field alert: told apart without looking. */
  function beep(kind) {
    var sound = audioContext();
    if (!sound) { return; }
    var tones = { high: [880, 660, 880, 660], confirm: [660, 880], field: [880] }[kind] || [880];
    tones.forEach(function (hz, i) {
      var osc = sound.createOscillator(), gain = sound.createGain(), at = sound.currentTime + i * 0.24;
      osc.type = "sine";
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.35, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.22);
      osc.connect(gain);
      gain.connect(sound.destination);
      osc.start(at);
      osc.stop(at + 0.23);
    });
  }

  /* A notification shows on lock screens: it names nobody and no number, only what kind of
     alert and how many. */
  function notify(kind, count) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var title = word({ high: "new_high", confirm: "new_confirm", field: "new_field" }[kind]);
    try {
      var shown = new Notification(title, { body: word("count_body", count), tag: "warn-" + kind, renotify: true });
      shown.onclick = function () { window.focus(); shown.close(); };
    } catch (e) { /* some mobile browsers only notify from a service worker */ }
  }

  function alertButton(place) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "alerts-toggle";
    function label() {
      var blocked = alertsOn() && "Notification" in window && Notification.permission === "denied";
      button.textContent = alertsOn() ? word(blocked ? "alerts_blocked" : "alerts_on") : word("alerts_enable");
      button.classList.toggle("on", alertsOn());
      button.setAttribute("aria-pressed", alertsOn() ? "true" : "false");
    }
    button.addEventListener("click", function () {
      if (alertsOn()) { remember(false); label(); return; }
      remember(true);
      beep("field"); // the click is the gesture that lets the page make sound at all
      // Asked here and only here, after the click; answered at once when already granted.
      if ("Notification" in window && Notification.permission !== "denied") {
        Promise.resolve(Notification.requestPermission()).then(label, label);
      }
      label();
    });
    label();
    place.appendChild(button);
  }

  /* ---- a confirm step and an undo window for forms ------------------------------------- */
  /* <form data-confirm="…"> (or a submit button with it) asks first, in the page; with
     data-undo-seconds="N" the submit waits N seconds with a 撤销 button. What was typed and
     which button was pressed are taken when it is pressed, so a live refresh of the list
     under it changes nothing; leaving the page sends what is waiting. */
  var holds = [], asking = null, tray = null;

  function holding() { return holds.length > 0 || asking !== null; }

  function trayEl() {
    if (!tray) {
      tray = document.createElement("div");
      tray.className = "action-tray";
      document.body.appendChild(tray);
    }
    return tray;
  }

  function fieldsOf(form, submitter) {
    var fields = [];
    new FormData(form).forEach(function (value, key) { fields.push([key, String(value)]); });
    if (submitter && submitter.name) { fields.push([submitter.name, submitter.value]); }
    // On a list of cards the bar says whose card it was: the list may change under it.
    var holder = form.closest("[data-case]"), whose = holder ? holder.querySelector("h2, .case-link") : null;
    var what = submitter ? submitter.textContent.trim() : "";
    if (whose && whose.firstChild) { what += " · " + whose.firstChild.textContent.trim(); }
    return { action: form.getAttribute("action") || location.pathname, fields: fields, what: what };
  }

  function send(taken) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = taken.action;
    form.hidden = true;
    taken.fields.forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    HTMLFormElement.prototype.submit.call(form);
  }

  function bar(kind, text) {
    var el = document.createElement("div");
    el.className = "action-bar " + kind;
    el.setAttribute("role", kind === "asking" ? "alertdialog" : "status");
    var words = document.createElement("span");
    words.className = "action-words";
    words.textContent = text;
    el.appendChild(words);
    trayEl().appendChild(el);
    return { el: el, words: words };
  }

  function button(parent, text, cls, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.addEventListener("click", onClick);
    parent.appendChild(b);
    return b;
  }

  function askFirst(question, taken, then, returnTo) {
    closeAsking();
    var shown = bar("asking", question), opened = Date.now();
    function done() {
      closeAsking();
      if (returnTo && document.contains(returnTo)) { returnTo.focus(); }
    }
    var yes = button(shown.el, word("confirm_yes"), "primary", function () {
      if (Date.now() - opened < 400) { return; } // a double click is not a second decision
      closeAsking();
      then(taken);
    });
    button(shown.el, word("confirm_no"), "secondary", done);
    shown.el.addEventListener("keydown", function (event) { if (event.key === "Escape") { done(); } });
    asking = shown.el;
    yes.focus();
  }

  function closeAsking() {
    if (asking) { asking.remove(); asking = null; }
  }

  function holdFor(seconds, taken) {
    var shown = bar("holding", ""), left = seconds, hold = { taken: taken, timer: 0, el: shown.el };
    function show() { shown.words.textContent = word("undo_pending", left) + taken.what; }
    function release() { holds = holds.filter(function (h) { return h !== hold; }); }
    hold.timer = setInterval(function () {
      left -= 1;
      if (left > 0) { show(); return; }
      clearInterval(hold.timer);
      release();
      shown.words.textContent = word("sending") + taken.what;
      shown.el.querySelectorAll("button").forEach(function (b) { b.remove(); });
      send(taken);
    }, 1000);
    button(shown.el, word("undo"), "undo", function () {
      clearInterval(hold.timer);
      release();
      shown.el.querySelectorAll("button").forEach(function (b) { b.remove(); });
      shown.words.textContent = word("undone");
      shown.el.className = "action-bar undone";
      setTimeout(function () { shown.el.remove(); }, 4000);
    }).focus();
    holds.push(hold);
    show();
  }

  function guarded(event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM") { return; }
    var submitter = event.submitter || null;
    function attr(name) {
      return (submitter && submitter.getAttribute(name)) || form.getAttribute(name) || "";
    }
    var question = attr("data-confirm"), seconds = Number(attr("data-undo-seconds")) || 0;
    if (!question && seconds <= 0) { return; }
    if (typeof form.reportValidity === "function" && !form.reportValidity()) { return; }
    event.preventDefault();
    var taken = fieldsOf(form, submitter);
    var after = seconds > 0 ? function (t) { holdFor(seconds, t); } : send;
    if (question) { askFirst(question, taken, after, submitter); } else { after(taken); }
  }

  /* Leaving the page while an action waits: nobody pressed 撤销, so it is done now. */
  function sendWaiting() {
    holds.forEach(function (hold) {
      clearInterval(hold.timer);
      var body = new URLSearchParams();
      hold.taken.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      if (navigator.sendBeacon) { navigator.sendBeacon(hold.taken.action, body); }
    });
    holds = [];
  }

  document.addEventListener("DOMContentLoaded", function () {
    var stamped = document.querySelector("[data-now]");
    if (stamped) { setNow(stamped.getAttribute("data-now")); }
    showCounts(countsOnPage());
    var list = document.querySelector("#queue-live, #field-live, #callbacks-live");
    if (list) {
      alertOnNew(list);
      var head = document.querySelector(".page-head");
      if (head) { alertButton(head); }
      pollList(list);
    }
    document.addEventListener("submit", guarded);
    window.addEventListener("pagehide", sendWaiting);
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
    // Sound may only start after the person touched the page once.
    ["pointerdown", "keydown"].forEach(function (type) {
      document.addEventListener(type, function () { if (alertsOn()) { audioContext(); } }, { once: true });
    });
    var refresh = document.querySelector("[data-refresh]");
    if (refresh) {
      // Not while someone fills in a form on the page (the dashboard's export dates).
      var every = 1000 * Number(refresh.getAttribute("data-refresh"));
      var reload = function () { if (editing(document.body) || holding()) { setTimeout(reload, every); } else { location.reload(); } };
      setTimeout(reload, every);
    }
    var one = document.querySelector("#case-live");
    if (one) { pollCase(one); }
    document.addEventListener("keydown", keys);
    document.addEventListener("click", rowClicks);
    tick();
    setInterval(tick, 500);
  });
}());
