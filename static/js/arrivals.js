// The arrivals board updates its figures every 30 seconds, in place: only the
// texts that changed are replaced, so that a screen reader's place, the focus and
// the scroll stay where they are (a reload loses them). Nothing is read out on an
// update; a button pauses them. Without JavaScript the board is a plain page.
(function () {
  "use strict";
  var box = document.getElementById("arrivals-figures");
  var controls = document.getElementById("arrivals-updates");
  if (!box || !controls || !window.fetch || !window.DOMParser) return;
  var pause = document.getElementById("arrivals-pause");
  var problem = document.getElementById("arrivals-problem");
  var paused = false;
  var busy = false;
  controls.hidden = false;

  // Elements and texts, without the blank text between tags (which differs where
  // the figures are parsed alone).
  function parts(node) {
    return Array.prototype.filter.call(node.childNodes, function (child) {
      return child.nodeType === Node.ELEMENT_NODE ||
        (child.nodeType === Node.TEXT_NODE && child.nodeValue.trim() !== "");
    });
  }

  // Same elements in the same order: only texts differ.
  function sameShape(a, b) {
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
    var aParts = parts(a), bParts = parts(b);
    if (aParts.length !== bParts.length) return false;
    return aParts.every(function (part, i) { return sameShape(part, bParts[i]); });
  }

  function patch(old, fresh) {
    if (old.nodeType === Node.TEXT_NODE) {
      if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
      return;
    }
    var freshParts = parts(fresh);
    parts(old).forEach(function (part, i) { patch(part, freshParts[i]); });
  }

  function failed() {
    problem.textContent = problem.dataset.text;
  }

  function update() {
    if (busy) return;
    busy = true;
    fetch(box.dataset.url, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        // Signed out meanwhile: the answer is the sign-in page, not figures.
        if (!response.ok || response.redirected) throw new Error("no figures");
        return response.text();
      })
      .then(function (html) {
        var fresh = document.createElement("div");
        fresh.append.apply(fresh, Array.from(new DOMParser().parseFromString(html, "text/html").body.childNodes));
        if (sameShape(box, fresh)) {
          patch(box, fresh);
        } else {
          // A delegation or category appeared: the tables change shape.
          box.replaceChildren.apply(box, Array.from(fresh.childNodes));
        }
        if (problem.textContent) problem.textContent = "";
      })
      .catch(failed)
      .finally(function () { busy = false; });
  }

  pause.addEventListener("click", function () {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) update();
  });

  window.setInterval(function () {
    if (!paused && !document.hidden) update();
  }, Number(box.dataset.seconds) * 1000);
})();
