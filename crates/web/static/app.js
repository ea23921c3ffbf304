// Concord: progressive enhancement only. Every page works without this file; it adds
// (1) live countdowns to exact deadlines and each deadline in the viewer's own time zone, and
// (2) live updates: when the log grows (server-sent events on /events), the page's live regions
// ([data-live] with an id) are fetched again and replaced, without touching forms being filled,
// and the navigation's count of unread notices is asked again.
"use strict";

(function () {
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function remaining(ms) {
    if (ms <= 0) { return "deadline passed"; }
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var parts = [];
    if (d > 0) { parts.push(plural(d, "day")); }
    if (d > 0 || h > 0) { parts.push(plural(h, "hour")); }
    parts.push(plural(m, "minute"));
    if (d === 0) { parts.push(plural(s % 60, "second")); }
    return parts.join(" ") + " left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("data-countdown"));
      if (!isNaN(t)) { el.textContent = remaining(t - now); }
    });
  }

  function localTimes(root) {
    root.querySelectorAll("[data-local-time]").forEach(function (el) {
      var t = new Date(el.getAttribute("data-local-time"));
      if (isNaN(t.getTime())) { return; }
      var zone = "";
      try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
      el.textContent = "(" + t.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
        timeZoneName: "short"
      }) + (zone ? ", your time zone " + zone : "") + ")";
    });
  }

  function editing(region) {
    var active = document.activeElement;
    return active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  var refreshing = false;
  function refresh() {
    var regions = document.querySelectorAll("[data-live][id]");
    if (refreshing || regions.length === 0) { return; }
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        regions.forEach(function (region) {
          var fresh = doc.getElementById(region.id);
          if (fresh && !editing(region) && fresh.innerHTML !== region.innerHTML) {
            region.innerHTML = fresh.innerHTML;
            localTimes(region);
          }
        });
        var status = document.getElementById("live-status");
        if (status) { status.textContent = "Updated " + new Date().toLocaleTimeString(); }
        tick();
      })
      .catch(function () { /* the page stays as it was; the next event tries again */ })
      .then(function () { refreshing = false; });
  }

  // The unread count in the navigation. Notices are queued just after the entry that causes
  // them, so the count is asked a moment after the log grows.
  function recount() {
    var badge = document.getElementById("notice-count");
    if (!badge) { return; }
    window.setTimeout(function () {
      fetch("/notices/count", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (n) {
          if (n === null || !/^[0-9]+$/.test(n)) { return; }
          badge.textContent = n;
          badge.setAttribute("aria-label", n + " unread");
        })
        .catch(function () { /* the count stays as it was */ });
    }, 1500);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    tick();
    if (document.querySelector("[data-countdown]")) { window.setInterval(tick, 1000); }
    if ((document.querySelector("[data-live][id]") || document.getElementById("notice-count")) && window.EventSource) {
      // One stream per page, closed when the page is left: a browser keeps only a few
      // connections per host, and a page kept in the back/forward cache must not hold one.
      var source = null;
      var open = function () {
        if (source === null) {
          source = new EventSource("/events");
          source.addEventListener("log", function () { refresh(); recount(); });
        }
      };
      open();
      window.addEventListener("pagehide", function () {
        if (source !== null) { source.close(); source = null; }
      });
      window.addEventListener("pageshow", function (e) {
        if (e.persisted) { open(); refresh(); recount(); }
      });
    }
  });
})();
