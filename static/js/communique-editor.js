// The communiqué editor's live preview: the form is posted (with its CSRF token) to
// the preview endpoint a moment after the author stops typing; the server answers
// with sanitised HTML, so nothing typed is ever put into the page unsanitised.
(function () {
  "use strict";
  // Deleting asks first (without JavaScript the button deletes at once, as it says).
  document.querySelectorAll("form[data-confirm]").forEach(function (danger) {
    danger.addEventListener("submit", function (event) {
      if (!window.confirm(danger.dataset.confirm)) event.preventDefault();
    });
  });
  var form = document.getElementById("communique-form");
  var pane = document.getElementById("preview");
  if (!form || !pane) return;
  var timer = null;
  var latest = 0;

  function refresh() {
    var ticket = ++latest;
    fetch(pane.dataset.url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        if (ticket !== latest) return; // an older answer arriving late
        document.getElementById("preview-title").textContent = data.title;
        document.getElementById("preview-summary").textContent = data.summary;
        document.getElementById("preview-body").innerHTML = data.html;
        var unknown = document.getElementById("preview-unknown");
        unknown.textContent = data.message;
        unknown.hidden = !data.message;
        pane.dataset.state = "fresh";
      })
      .catch(function () {
        pane.dataset.state = "failed";
      });
  }

  function schedule() {
    pane.dataset.state = "pending";
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // Placeholders are inserted where the cursor is in the text.
  var body = form.querySelector("textarea[name=body]");
  document.querySelectorAll(".insert-placeholder").forEach(function (button) {
    button.addEventListener("click", function () {
      var value = button.dataset.placeholder;
      var start = body.selectionStart, end = body.selectionEnd;
      body.value = body.value.slice(0, start) + value + body.value.slice(end);
      body.focus();
      body.selectionStart = body.selectionEnd = start + value.length;
      schedule();
    });
  });
})();
