// The inbox's conversation page: keep the transcript scrolled to the newest line, put a
// chosen canned response into the reply box, clear the box once the reply is sent, and
// show why an action was refused.
(function () {
  var lastSeen = null;

  // Scroll to the newest line when there is one the agent has not seen yet.
  function followTranscript() {
    var live = document.getElementById("live");
    if (!live) { return; }
    var last = live.getAttribute("data-last");
    if (last === lastSeen) { return; }
    lastSeen = last;
    var list = live.querySelector(".transcript");
    if (list) { list.scrollTop = list.scrollHeight; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    followTranscript();
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

  document.addEventListener("htmx:afterSwap", followTranscript);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "reply" && event.detail.successful) {
      form.reset();
      var alert = document.getElementById("inbox-error");
      if (alert) { alert.hidden = true; }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var alert = document.getElementById("inbox-error");
    if (!alert) { return; }
    // The refusal's stable code, shown in the agent's language (texts in data-* attributes).
    var problem = {};
    try { problem = JSON.parse(event.detail.xhr.responseText) || {}; } catch (e) { problem = {}; }
    var key = String(problem.code || "").toLowerCase().replace(/_([a-z])/g, function (m, c) {
      return c.toUpperCase();
    });
    alert.textContent = alert.dataset[key] || problem.title || String(event.detail.xhr.status);
    alert.hidden = false;
  });
})();
