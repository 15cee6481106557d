// Render jobs (badge prints, letters, certificates) with progress. A form marked
// data-job-form starts a job and this script follows it in #job-progress; a job's
// own page follows the job it shows. Polls back off (0.4 s, growing 1.5 times, up
// to 5 s) and stop once the job is done or failed; a failed job offers to try
// again. Without JavaScript the form posts normally and the browser goes to the
// job's page, which has a link to look again.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) return;
  var FIRST = 400, GROWTH = 1.5, LONGEST = 5000;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var link = box.querySelector(".progress-download");
  var again = box.querySelector(".progress-retry");
  var refresh = box.querySelector(".progress-refresh");
  var form = document.querySelector("form[data-job-form]");
  var button = form && form.querySelector("button[type=submit]");
  if (refresh) refresh.hidden = true;

  function active(job) {
    return job.state === "queued" || job.state === "running";
  }

  function ended() {
    if (button) button.disabled = false;
  }

  function show(job, download) {
    bar.max = Math.max(job.total, 1);
    bar.value = job.done;
    again.hidden = true;
    if (job.state === "done") {
      text.textContent = box.dataset.doneText;
      link.href = job.download_url;
      link.textContent = box.dataset.downloadText;
      link.hidden = false;
      ended();
      if (download) window.location.assign(job.download_url);
    } else if (job.state === "failed") {
      text.textContent = job.message;
      again.action = job.retry_url;
      again.hidden = false;
      ended();
    } else {
      text.textContent = box.dataset.progressText
        .replace("{done}", job.done).replace("{total}", job.total);
    }
  }

  function follow(url, delay) {
    window.setTimeout(function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (job) {
          show(job, true);
          if (active(job)) follow(url, Math.min(delay * GROWTH, LONGEST));
        })
        .catch(function () {
          // A server restarting, a network down: say so, and keep asking, slower.
          text.textContent = box.dataset.offlineText;
          follow(url, Math.min(delay * GROWTH, LONGEST));
        });
    }, delay);
  }

  function begin(job) {
    box.hidden = false;
    link.hidden = true;
    show(job, false);
    if (form === null && job.page_url) window.history.replaceState(null, "", job.page_url);
    if (active(job)) follow(job.status_url, FIRST);
  }

  function post(target, body, otherwise) {
    if (button) button.disabled = true;
    fetch(target, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 202) return response.json().then(begin);
        otherwise();
      })
      .catch(function () {
        text.textContent = box.dataset.offlineText;
        box.hidden = false;
        ended();
      });
  }

  again.addEventListener("submit", function (event) {
    event.preventDefault();
    post(again.action, new FormData(again), function () {
      HTMLFormElement.prototype.submit.call(again);
    });
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post(form.action, new FormData(form), function () {
        // A mistake in the form, or nothing to print: let the page say it.
        box.hidden = true;
        ended();
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  } else if (box.dataset.statusUrl && active(box.dataset)) {
    follow(box.dataset.statusUrl, FIRST);
  }
})();
