// The inbox's conversation page: keep the transcript scrolled to the newest line, put a
// chosen canned response into the reply box, clear the box once the reply is sent, and
// show why an action was refused.
(function () {
  function scrollTranscript(force) {
    var list = document.querySelector("#live .transcript");
    if (!list) { return; }
    var live = document.getElementById("live");
    var last = live ? live.getAttribute("data-last") : "";
    if (force || list.getAttribute("data-seen") !== last) {
      list.scrollTop = list.scrollHeight;
    }
    list.setAttribute("data-seen", last);
  }

  var lastSeen = null;
  function afterSwap(event) {
    if (!event.detail || !event.detail.target) { return; }
    var live = document.getElementById("live");
    if (!live) { return; }
    var last = live.getAttribute("data-last");
    if (last !== lastSeen) {
      lastSeen = last;
      var list = live.querySelector(".transcript");
      if (list) { list.scrollTop = list.scrollHeight; }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    lastSeen = live ? live.getAttribute("data-last") : null;
    scrollTranscript(true);

    var canned = document.getElementById("canned");
    if (canned) {
      canned.addEventListener("change", function () {
        var box = document.getElementById(canned.getAttribute("data-target"));
        if (box && canned.value) {
          box.value = box.value ? box.value.replace(/\s*$/, "\n") + canned.value : canned.value;
          box.focus();
        }
        canned.value = "";
      });
    }
  });

  document.addEventListener("htmx:afterSwap", afterSwap);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var alert = document.getElementById("inbox-error");
    if (form && form.id === "reply") {
      if (event.detail.successful) {
        form.reset();
        if (alert) { alert.hidden = true; }
      }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var alert = document.getElementById("inbox-error");
    if (!alert) { return; }
    var title = "";
    try { title = JSON.parse(event.detail.xhr.responseText).title || ""; } catch (e) { title = ""; }
    alert.textContent = title || String(event.detail.xhr.status);
    alert.hidden = false;
  });
})();
