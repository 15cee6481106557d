// Badge printing with progress: the form starts a background job, this script
// follows it and starts the download when the PDF is ready. Without JavaScript
// the form posts normally and the PDF comes back in the answer.
(function () {
  "use strict";
  var form = document.getElementById("badge-form");
  var box = document.getElementById("badge-progress");
  if (!form || !box || !window.fetch) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var link = box.querySelector(".progress-download");
  var button = form.querySelector("button[type=submit]");

  function say(done, total) {
    bar.max = Math.max(total, 1);
    bar.value = done;
    text.textContent = form.dataset.progressText.replace("{done}", done).replace("{total}", total);
  }

  function finish(message) {
    button.disabled = false;
    text.textContent = message;
  }

  function follow(url) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        say(job.done, job.total);
        if (job.state === "running") {
          window.setTimeout(function () { follow(url); }, 400);
        } else if (job.state === "done") {
          finish(form.dataset.doneText);
          link.href = job.download_url;
          link.textContent = form.dataset.downloadText;
          link.hidden = false;
          window.location.assign(job.download_url);
        } else {
          finish(job.message);
        }
      })
      .catch(function () { finish(form.dataset.offlineText); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    link.hidden = true;
    box.hidden = false;
    say(0, 0);
    fetch(form.dataset.jobsUrl, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 202) {
          return response.json().then(function (job) {
            say(0, job.total);
            follow(job.status_url);
          });
        }
        // A mistake in the form, or nothing to print: let the page say it.
        box.hidden = true;
        button.disabled = false;
        HTMLFormElement.prototype.submit.call(form);
      })
      .catch(function () { finish(form.dataset.offlineText); });
  });
})();
