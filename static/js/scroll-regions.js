// A table wider than the screen scrolls inside its frame (.table-wrap); keyboard
// users can scroll it only if the frame takes the focus, so a frame that scrolls
// becomes a named region in the tab order (named after the table's caption, else
// the page's heading), and leaves it when the screen is wide enough again.
(function () {
  "use strict";
  function update() {
    document.querySelectorAll(".table-wrap").forEach(function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth;
      if (scrolls && !frame.hasAttribute("tabindex")) {
        var caption = frame.querySelector("caption") || document.querySelector("h1");
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        if (caption) frame.setAttribute("aria-label", caption.textContent.trim());
      } else if (!scrolls && frame.getAttribute("role") === "region") {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
        frame.removeAttribute("aria-label");
      }
    });
  }
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(update, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
